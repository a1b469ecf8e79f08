package io.throng.websocket.centrifugo;

/**
 * Centrifugo's numbers, as its JavaScript SDK reacts to them (docs/centrifugo.md): error codes in
 * replies (below 100, or {@code temporary}, are retried; 109 fetches a new token; the rest are
 * final) and close codes (3000-3499 reconnect, 3500-3999 are final, but only with a non-empty
 * reason: every reason here is a short plain text for that).
 */
public final class Codes {
    // error codes in replies
    public static final int INTERNAL = 100;
    public static final int UNAUTHORIZED = 101;
    public static final int UNKNOWN_CHANNEL = 102;
    public static final int PERMISSION_DENIED = 103;
    public static final int METHOD_NOT_FOUND = 104;
    public static final int ALREADY_SUBSCRIBED = 105;
    public static final int LIMIT_EXCEEDED = 106;
    public static final int BAD_REQUEST = 107;
    public static final int NOT_AVAILABLE = 108;
    public static final int TOKEN_EXPIRED = 109;
    /** A recovery or a history read from a position (epoch) the stream no longer has. */
    public static final int UNRECOVERABLE_POSITION = 112;

    // close codes: the client reconnects
    public static final int CLOSE_SHUTDOWN = 3001;
    public static final int CLOSE_CONNECTION_EXPIRED = 3005;
    public static final int CLOSE_NO_PONG = 3012;
    // close codes: final
    public static final int CLOSE_INVALID_TOKEN = 3500;
    public static final int CLOSE_BAD_REQUEST = 3501;
    public static final int CLOSE_STALE = 3502;
    public static final int CLOSE_PERMISSION_DENIED = 3507;
    public static final int CLOSE_NOT_AVAILABLE = 3508;

    private Codes() {
    }

    /** The message Centrifugo gives with an error code (the SDK shows it; nothing parses it). */
    public static String message(int code) {
        return switch (code) {
            case INTERNAL -> "internal server error";
            case UNAUTHORIZED -> "unauthorized";
            case UNKNOWN_CHANNEL -> "unknown channel";
            case PERMISSION_DENIED -> "permission denied";
            case METHOD_NOT_FOUND -> "method not found";
            case ALREADY_SUBSCRIBED -> "already subscribed";
            case LIMIT_EXCEEDED -> "limit exceeded";
            case BAD_REQUEST -> "bad request";
            case NOT_AVAILABLE -> "not available";
            case TOKEN_EXPIRED -> "token expired";
            case UNRECOVERABLE_POSITION -> "unrecoverable position";
            default -> "error " + code;
        };
    }
}
