package io.throng.rpc.frame;

/**
 * A frame that breaks the protocol: the connection it came on is closed, and the message (which
 * names the field, the limit and the value) is logged. Never thrown for an incomplete frame, which
 * simply waits for more bytes.
 */
public final class FrameException extends RuntimeException {
    public FrameException(String message) {
        super(message, null, false, false);
    }
}
