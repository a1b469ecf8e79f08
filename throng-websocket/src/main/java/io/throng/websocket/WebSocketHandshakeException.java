package io.throng.websocket;

import java.io.IOException;

/** A client's handshake failed: the server refused (with {@link #status()}) or answered wrongly. */
public final class WebSocketHandshakeException extends IOException {
    private final int status;

    public WebSocketHandshakeException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the server answered with, or 0 if the failure was not a status. */
    public int status() {
        return status;
    }
}
