package io.throng.bus;

import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Centrifugo client for these tests, its JSON frames written by hand (throng-websocket's own
 * test client is not shared with this module): it connects anonymously, answers the server's
 * pings, and keeps the other frames for the test to read in order.
 */
final class CentrifugoConn implements WebSocketHandler {
    private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private volatile WebSocket ws;

    /** Connects to {@code node}'s Centrifugo endpoint and sends the connect command; returns after its reply. */
    static CentrifugoConn connect(WebSocketClient client, PushServer node) throws Exception {
        CentrifugoConn c = new CentrifugoConn();
        c.ws = client.connect(WebSocketRequest.to(node.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        c.send("{\"connect\":{\"name\":\"test\"},\"id\":1}");
        String reply = c.next();
        if (!reply.startsWith("{\"id\":1,\"connect\":")) {
            throw new AssertionError("not connected: " + reply);
        }
        return c;
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        String text = WebSocketHandler.text(utf8);
        if (text.equals("{}")) {
            ws.sendText("{}"); // the server's ping
            return;
        }
        texts.add(text);
    }

    void send(String frame) {
        ws.sendText(frame);
    }

    /** The next frame from the server (pings aside), within 10 s. */
    String next() throws InterruptedException {
        String t = texts.poll(10, TimeUnit.SECONDS);
        if (t == null) {
            throw new AssertionError("no frame within 10 s");
        }
        return t;
    }

    /** The next frame if one comes within {@code millis}, else null. */
    String poll(long millis) throws InterruptedException {
        return texts.poll(millis, TimeUnit.MILLISECONDS);
    }

    void close() {
        ws.close(1000, "away");
    }
}
