package io.throng.core.config;

/**
 * Which threads wait for readiness and which run the handler. The same handler runs under each.
 * (Prefork, several processes each running one of these, is the CLI's supervisor.)
 */
public enum Model {
    /** One virtual thread per connection, blocking reads; the JDK's poller parks and wakes them. */
    VIRTUAL_THREADS("virtual-threads", true),
    /** One platform thread per connection, blocking reads: the classic baseline. */
    PLATFORM_THREADS("platform-threads", true),
    /** One loop accepts and does all I/O and runs every handler. */
    SINGLE_REACTOR("single-reactor", false),
    /** N loops, each owning its connections; accept by SO_REUSEPORT per loop or one acceptor. */
    MULTI_REACTOR("multi-reactor", false),
    /** Loops detect readiness and hand readable connections to a bounded pool of workers. */
    WORKER_POOL("worker-pool", true),
    /**
     * epoll only: G groups (the loops setting) of T threads (the workers setting) each waiting on
     * one epoll set; one-shot registration gives each readiness to one thread, which runs it and
     * re-arms the connection. A dedicated acceptor deals connections to the groups.
     */
    LEADER_FOLLOWER("leader-follower", true);

    private final String id;
    private final boolean handlerMayBlock;

    Model(String id, boolean handlerMayBlock) {
        this.id = id;
        this.handlerMayBlock = handlerMayBlock;
    }

    /** The name used on the command line and in YAML. */
    public String id() {
        return id;
    }

    /** Whether a handler may block under this model (reactor handlers must not). */
    public boolean handlerMayBlock() {
        return handlerMayBlock;
    }

    public boolean threadPerConnection() {
        return this == VIRTUAL_THREADS || this == PLATFORM_THREADS;
    }

    public static Model parse(String text) {
        for (Model m : values()) {
            if (m.id.equalsIgnoreCase(text) || m.name().equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + text + "'; expected one of " + ids());
    }

    public static String ids() {
        StringBuilder sb = new StringBuilder();
        for (Model m : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(m.id);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return id;
    }
}
