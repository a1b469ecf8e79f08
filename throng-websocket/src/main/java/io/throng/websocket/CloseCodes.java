package io.throng.websocket;

/**
 * Close status codes (RFC 6455 section 7.4, and the IANA registry) and the rule on which of them
 * may travel in a Close frame.
 */
public final class CloseCodes {
    /** The purpose of the connection is fulfilled. */
    public static final int NORMAL = 1000;
    /** Going away: the server shuts down, or the connection was idle too long. */
    public static final int GOING_AWAY = 1001;
    /** The peer broke the protocol. */
    public static final int PROTOCOL_ERROR = 1002;
    /** A data type the endpoint cannot accept. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** Reported when a Close frame had no code; never sent. */
    public static final int NO_STATUS = 1005;
    /** Reported when the connection ended without a Close frame; never sent. */
    public static final int ABNORMAL = 1006;
    /** Text that is not UTF-8, or compressed data that does not inflate. */
    public static final int INVALID_PAYLOAD = 1007;
    /** A policy was violated (here: a subscriber too slow to keep up). */
    public static final int POLICY_VIOLATION = 1008;
    /** A frame or message over the configured limit. */
    public static final int TOO_BIG = 1009;
    /** (client) The server did not negotiate an extension the client requires. */
    public static final int MANDATORY_EXTENSION = 1010;
    /** The server hit an unexpected condition (the application's handler threw). */
    public static final int INTERNAL_ERROR = 1011;
    /** Service restart (IANA registry). */
    public static final int SERVICE_RESTART = 1012;
    /** Try again later (IANA registry). */
    public static final int TRY_AGAIN_LATER = 1013;
    /** Bad gateway (IANA registry). */
    public static final int BAD_GATEWAY = 1014;
    /** TLS handshake failure; never sent. */
    public static final int TLS_FAILURE = 1015;

    private CloseCodes() {
    }

    /**
     * Whether {@code code} may appear in a Close frame: the defined codes 1000-1003 and 1007-1011,
     * the registered 1012-1014, and 3000-4999 (libraries, frameworks, applications). Not 1004 (reserved),
     * 1005, 1006 and 1015 (reported only, never sent), other 1xxx (reserved for the RFC), 0-999 and
     * 2000-2999 (unused) or 5000 and above.
     */
    public static boolean mayAppearOnWire(int code) {
        return io.throng.websocket.codec.Frames.closeCodeMayAppearOnWire(code);
    }

    /** A short name for logs. */
    public static String name(int code) {
        return switch (code) {
            case NORMAL -> "normal";
            case GOING_AWAY -> "going away";
            case PROTOCOL_ERROR -> "protocol error";
            case UNSUPPORTED_DATA -> "unsupported data";
            case NO_STATUS -> "no status";
            case ABNORMAL -> "abnormal closure";
            case INVALID_PAYLOAD -> "invalid payload";
            case POLICY_VIOLATION -> "policy violation";
            case TOO_BIG -> "message too big";
            case MANDATORY_EXTENSION -> "mandatory extension";
            case INTERNAL_ERROR -> "internal error";
            case SERVICE_RESTART -> "service restart";
            case TRY_AGAIN_LATER -> "try again later";
            case BAD_GATEWAY -> "bad gateway";
            case TLS_FAILURE -> "TLS failure";
            default -> code >= 3000 && code <= 4999 ? "application code" : "unknown";
        };
    }
}
