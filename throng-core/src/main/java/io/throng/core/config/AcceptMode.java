package io.throng.core.config;

/** How the loops of a multi-loop server get their connections. */
public enum AcceptMode {
    /** Each loop binds its own listener with SO_REUSEPORT; the kernel spreads connections. */
    REUSEPORT("reuseport"),
    /** One acceptor thread accepts and hands sockets to the loops round-robin. */
    ACCEPTOR("acceptor");

    private final String id;

    AcceptMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static AcceptMode parse(String text) {
        for (AcceptMode a : values()) {
            if (a.id.equalsIgnoreCase(text) || a.name().equalsIgnoreCase(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown accept mode '" + text + "'; expected reuseport or acceptor");
    }

    @Override
    public String toString() {
        return id;
    }
}
