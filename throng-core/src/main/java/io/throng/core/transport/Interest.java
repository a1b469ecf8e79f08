package io.throng.core.transport;

/**
 * Readiness a socket can wait for, and readiness a poller reports. The values are NIO's
 * {@code SelectionKey.OP_READ} and {@code OP_WRITE}, so the NIO transport passes them through.
 */
public final class Interest {
    /** Wait for bytes (or end of stream). */
    public static final int READ = 1;
    /** Wait for room to write. */
    public static final int WRITE = 4;
    /** Reported only: the peer hung up or the socket failed (epoll's EPOLLHUP). */
    public static final int HANG_UP = 8;
    /** Reported only: the socket has an error pending (epoll's EPOLLERR). */
    public static final int ERROR = 16;

    private Interest() {
    }
}
