package io.throng.websocket;

import java.nio.ByteBuffer;

/**
 * Echoes every text and binary message (what conformance tools such as Autobahn expect of a
 * server under test). Backpressure: when a peer does not read its echoes and the connection turns
 * unwritable, it stops reading from that peer until the queue drains.
 */
public final class EchoWebSocketHandler implements WebSocketHandler {

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        ws.sendText(utf8);
        pushBack(ws);
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        ws.sendBinary(data);
        pushBack(ws);
    }

    private static void pushBack(WebSocket ws) {
        if (!ws.isWritable()) {
            ws.suspendReads();
        }
    }

    @Override
    public void onWritable(WebSocket ws) {
        ws.resumeReads();
    }

    /**
     * The settings of {@code throng serve --handler ws-echo}: the defaults with messages up to
     * 16 MiB, the largest Autobahn sends (case 9.1.6).
     */
    public static WebSocketConfig conformanceConfig() {
        return WebSocketConfig.defaults().withMaxMessageBytes(16 << 20);
    }
}
