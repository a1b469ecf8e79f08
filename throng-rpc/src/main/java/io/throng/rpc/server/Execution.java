package io.throng.rpc.server;

/** Where a method's handler runs. */
public enum Execution {
    /**
     * A virtual thread per request, bounded by the server's in-flight limit: the handler may block,
     * requests of one connection run concurrently and are answered in completion order (tRPC-Go's
     * {@code server_async}, the default).
     */
    WORKER,
    /**
     * The connection's I/O thread, in arrival order: no hand-off, and replies to a burst of
     * requests leave in one write. Only for handlers that never block (tnet's non-blocking mode).
     */
    INLINE
}
