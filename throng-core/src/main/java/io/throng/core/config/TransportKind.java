package io.throng.core.config;

/** The readiness mechanism under the models. */
public enum TransportKind {
    /**
     * io_uring where the kernel allows it and the model runs on it (reactors, worker pool,
     * clients), else epoll (Linux, native access enabled), else NIO, with a log line saying which
     * and why. {@code -Dthrong.io_uring=off} leaves io_uring out.
     */
    AUTO("auto"),
    /** Linux io_uring through the FFM API: one system call a loop turn for all its sockets (reactors, worker pool, clients). */
    IO_URING("io_uring"),
    /** Linux epoll through the FFM API: no JDK channel objects, reused native arrays, one system call per operation. */
    EPOLL("epoll"),
    /** The JDK's {@code Selector}: portable, everywhere. */
    NIO("nio");

    private final String id;

    TransportKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static TransportKind parse(String text) {
        for (TransportKind t : values()) {
            if (t.id.equalsIgnoreCase(text) || t.name().equalsIgnoreCase(text) || (t == IO_URING && text.equalsIgnoreCase("uring"))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + text + "'; expected auto, io_uring, epoll or nio");
    }

    @Override
    public String toString() {
        return id;
    }
}
