package io.throng.bus;

import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Centrifugo client with its frames written by hand (the JSON protocol, one command a frame), for
 * tests on a push node's {@code /connection/websocket}: what it sends is what the test wrote, what
 * it gets is queued as text. The server's pings ({@code {}}) are answered at once on the client's
 * thread and not queued. throng-websocket's tests have their own (CentrifugoProtocolTest.Conn);
 * test sources do not cross modules. Used by the Redis and NATS history tests.
 */
final class CentrifugoConn implements WebSocketHandler {
    private final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
    private volatile WebSocket ws;

    /** Connects to {@code node} as an anonymous client (the node's config allows them) and reads the connect reply. */
    static CentrifugoConn connect(WebSocketClient client, PushServer node) throws Exception {
        CentrifugoConn c = new CentrifugoConn();
        c.ws = client.connect(WebSocketRequest.to(node.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        c.send("{\"connect\":{\"name\":\"test\"},\"id\":1}");
        String reply = c.next();
        if (!reply.startsWith("{\"id\":1,\"connect\":{")) {
            throw new AssertionError("connect refused: " + reply);
        }
        return c;
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        String text = StandardCharsets.UTF_8.decode(utf8).toString();
        if (text.equals("{}")) {
            ws.sendText("{}");
            return;
        }
        texts.add(text);
    }

    void send(String frame) {
        ws.sendText(frame);
    }

    /** The next frame from the server within 10 s. */
    String next() throws InterruptedException {
        String m = texts.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no frame within 10 s");
        }
        return m;
    }

    /** Whether a frame has come and not been read. */
    boolean hasMore() {
        return !texts.isEmpty();
    }

    /** The next frame if one comes within {@code millis}, else null. */
    String poll(long millis) throws InterruptedException {
        return texts.poll(millis, TimeUnit.MILLISECONDS);
    }

    void close() {
        ws.close(1000, "bye");
    }

    /** The epoch in a subscribe reply. */
    static String epochOf(String reply) {
        int at = reply.indexOf("\"epoch\":\"");
        if (at < 0) {
            throw new AssertionError("no epoch in " + reply);
        }
        at += 9;
        return reply.substring(at, reply.indexOf('"', at));
    }
}
