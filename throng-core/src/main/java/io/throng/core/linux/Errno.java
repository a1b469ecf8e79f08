package io.throng.core.linux;

/** The errno values the transport acts on (the same on x86-64 and aarch64, asm-generic). */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ETIME = 62;
    public static final int ENOSYS = 38;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ECANCELED = 125;

    private Errno() {
    }

    /** The message the C library gives for {@code errno}, as the JDK's exceptions word it. */
    public static String message(int errno) {
        return switch (errno) {
            case EPERM -> "Operation not permitted";
            case ENOENT -> "No such file or directory";
            case EINTR -> "Interrupted system call";
            case EBADF -> "Bad file descriptor";
            case EAGAIN -> "Resource temporarily unavailable";
            case ENOMEM -> "Cannot allocate memory";
            case EINVAL -> "Invalid argument";
            case ENFILE -> "Too many open files in system";
            case EMFILE -> "Too many open files";
            case EPIPE -> "Broken pipe";
            case EADDRINUSE -> "Address already in use";
            case EADDRNOTAVAIL -> "Cannot assign requested address";
            case ECONNABORTED -> "Software caused connection abort";
            case ECONNRESET -> "Connection reset by peer";
            case ENOBUFS -> "No buffer space available";
            case ENOTCONN -> "Transport endpoint is not connected";
            case ETIMEDOUT -> "Connection timed out";
            case ECONNREFUSED -> "Connection refused";
            case EINPROGRESS -> "Operation now in progress";
            case EBUSY -> "Device or resource busy";
            case EEXIST -> "File exists";
            case ETIME -> "Timer expired";
            case ENOSYS -> "Function not implemented";
            case EALREADY -> "Operation already in progress";
            case ECANCELED -> "Operation canceled";
            default -> "errno " + errno;
        };
    }

    /** An IOException for a failed call, like the JDK's: "Connection reset by peer (read)". */
    public static java.io.IOException exception(String call, int errno) {
        String m = message(errno);
        return switch (errno) {
            case ECONNREFUSED -> new java.net.ConnectException(m);
            case EADDRINUSE, EADDRNOTAVAIL -> new java.net.BindException(m);
            case ETIMEDOUT -> new java.net.SocketTimeoutException(m);
            default -> new java.io.IOException(m + " (" + call + ")");
        };
    }
}
