package io.throng.websocket;

import java.nio.ByteBuffer;

/**
 * What an application does with WebSocket connections. One handler may serve every connection;
 * per-connection state goes in {@link WebSocket#attach}. Callbacks of one connection never overlap,
 * and run on the thread the server's model chooses (under the reactor models they must not block).
 *
 * <p>Message payloads are valid only during the call (they may be a slice of the engine's read
 * buffer): copy what you keep. Text arrives as UTF-8 bytes already validated; use
 * {@link WebSocketHandler#text(ByteBuffer)} for a String.
 */
public interface WebSocketHandler {

    /** The upgrade completed (server) or the server's 101 was accepted (client). */
    default void onOpen(WebSocket ws) {}

    /** A whole text message, as validated UTF-8. */
    default void onText(WebSocket ws, ByteBuffer utf8) {}

    /** A whole binary message. */
    default void onBinary(WebSocket ws, ByteBuffer data) {}

    /** A Ping arrived (the Pong has already been queued). */
    default void onPing(WebSocket ws, ByteBuffer payload) {}

    /** A Pong arrived (answering our Ping, or unsolicited). */
    default void onPong(WebSocket ws, ByteBuffer payload) {}

    /** The queued bytes fell to the low water mark: {@link WebSocket#isWritable()} is true again. */
    default void onWritable(WebSocket ws) {}

    /**
     * The connection is closed; called exactly once. {@code code} is the code of the Close frame
     * received, or the one we failed the connection with (1002, 1007, 1009, 1011, 1001 for idleness),
     * or {@link CloseCodes#ABNORMAL} (1006) if the TCP connection ended without a closing handshake.
     */
    default void onClose(WebSocket ws, int code, String reason) {}

    /** Decodes UTF-8 bytes (as handed to {@link #onText}) into a String. */
    static String text(ByteBuffer utf8) {
        return java.nio.charset.StandardCharsets.UTF_8.decode(utf8.duplicate()).toString();
    }
}
