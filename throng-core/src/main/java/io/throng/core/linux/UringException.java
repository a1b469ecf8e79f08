package io.throng.core.linux;

/** An io_uring ring could not be set up or used: the call, and the errno's message. */
public final class UringException extends Exception {
    private final int errno;

    UringException(String call, int errno) {
        super(call + ": " + Errno.message(errno));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
