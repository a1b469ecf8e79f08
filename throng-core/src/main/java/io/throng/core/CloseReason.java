package io.throng.core;

/**
 * Why a connection closed. The causeless reasons are shared constants, so closing allocates nothing
 * in the common cases.
 *
 * @param kind   the category, for metrics and decisions
 * @param detail a human-readable explanation with the numbers involved, or null
 * @param error  the exception behind it, or null
 */
public record CloseReason(Kind kind, String detail, Throwable error) {

    public enum Kind {
        /** The peer closed the connection and we finished writing. */
        PEER_CLOSED,
        /** The application closed it. */
        LOCAL,
        /** An I/O error, typically a reset by the peer. */
        IO_ERROR,
        /** Nothing was read or written for the configured idle timeout. */
        IDLE_TIMEOUT,
        /** The queued bytes passed the configured maximum. */
        WRITE_LIMIT,
        /** The bytes left unconsumed by the handler passed the configured maximum. */
        READ_LIMIT,
        /** The handler threw. */
        HANDLER_ERROR,
        /** The server or client is shutting down. */
        SHUTDOWN,
        /** The server is at its connection limit; closed right after accept. */
        REJECTED,
        /**
         * TLS failed: a handshake that did not complete (a bad or stalled peer, a certificate refused)
         * or a record that did not decrypt. The detail says which.
         */
        TLS
    }

    public static final CloseReason PEER_CLOSED = new CloseReason(Kind.PEER_CLOSED, null, null);
    public static final CloseReason LOCAL = new CloseReason(Kind.LOCAL, null, null);
    public static final CloseReason ABORTED = new CloseReason(Kind.LOCAL, "aborted", null);
    public static final CloseReason IDLE_TIMEOUT = new CloseReason(Kind.IDLE_TIMEOUT, null, null);
    public static final CloseReason SHUTDOWN = new CloseReason(Kind.SHUTDOWN, null, null);

    public CloseReason {
        if (kind == null) {
            throw new IllegalArgumentException("kind is required");
        }
    }

    public static CloseReason ioError(Throwable error) {
        return new CloseReason(Kind.IO_ERROR, String.valueOf(error.getMessage()), error);
    }

    public static CloseReason tls(String detail, Throwable error) {
        return new CloseReason(Kind.TLS, detail, error);
    }

    public static CloseReason handlerError(Throwable error) {
        return new CloseReason(Kind.HANDLER_ERROR, error.toString(), error);
    }

    @Override
    public String toString() {
        return detail == null ? kind.name() : kind + ": " + detail;
    }
}
