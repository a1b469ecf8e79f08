package io.throng.rpc.frame;

/**
 * tRPC's framework return codes ({@code TrpcRetCode}) that throng sends or maps errors to. Server
 * codes travel in {@code ret}; client codes are produced locally when a call fails before or
 * without a response.
 */
public final class RetCode {
    public static final int OK = 0;
    public static final int SERVER_DECODE = 1;
    public static final int SERVER_ENCODE = 2;
    public static final int SERVER_NO_SERVICE = 11;
    public static final int SERVER_NO_FUNC = 12;
    public static final int SERVER_TIMEOUT = 21;
    public static final int SERVER_OVERLOAD = 22;
    public static final int SERVER_LIMITED = 23;
    public static final int SERVER_FULL_LINK_TIMEOUT = 24;
    public static final int SERVER_SYSTEM = 31;
    public static final int CLIENT_TIMEOUT = 101;
    public static final int CLIENT_FULL_LINK_TIMEOUT = 102;
    public static final int CLIENT_CONNECT = 111;
    public static final int CLIENT_ENCODE = 121;
    public static final int CLIENT_DECODE = 122;
    public static final int CLIENT_LIMITED = 123;
    public static final int CLIENT_OVERLOAD = 124;
    public static final int CLIENT_ROUTE = 131;
    public static final int CLIENT_NETWORK = 141;
    public static final int CLIENT_CANCELED = 161;
    public static final int CLIENT_READ_FRAME = 171;
    public static final int UNKNOWN = 999;
    public static final int STREAM_UNKNOWN = 1000;

    private RetCode() {
    }

    /** A short name for logs and messages. */
    public static String name(int code) {
        return switch (code) {
            case OK -> "ok";
            case SERVER_DECODE -> "server decode error";
            case SERVER_ENCODE -> "server encode error";
            case SERVER_NO_SERVICE -> "no such service";
            case SERVER_NO_FUNC -> "no such func";
            case SERVER_TIMEOUT -> "server timeout";
            case SERVER_OVERLOAD -> "server overload";
            case SERVER_LIMITED -> "server limited";
            case SERVER_FULL_LINK_TIMEOUT -> "server full-link timeout";
            case SERVER_SYSTEM -> "server system error";
            case CLIENT_TIMEOUT -> "client timeout";
            case CLIENT_FULL_LINK_TIMEOUT -> "client full-link timeout";
            case CLIENT_CONNECT -> "connect error";
            case CLIENT_ENCODE -> "client encode error";
            case CLIENT_DECODE -> "client decode error";
            case CLIENT_LIMITED -> "client limited";
            case CLIENT_OVERLOAD -> "client overload";
            case CLIENT_ROUTE -> "route error";
            case CLIENT_NETWORK -> "network error";
            case CLIENT_CANCELED -> "canceled";
            case CLIENT_READ_FRAME -> "read frame error";
            case STREAM_UNKNOWN -> "unknown stream error";
            default -> code == UNKNOWN ? "unknown error" : "code " + code;
        };
    }
}
