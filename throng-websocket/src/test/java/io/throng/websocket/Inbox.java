package io.throng.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A client handler that keeps what arrives, for tests to wait on. */
class Inbox implements WebSocketHandler {
    record Message(boolean text, byte[] bytes) {
        String string() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    final LinkedBlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<String> pongs = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Integer> closes = new LinkedBlockingQueue<>();

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        messages.add(new Message(true, bytes(utf8)));
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        messages.add(new Message(false, bytes(data)));
    }

    @Override
    public void onPong(WebSocket ws, ByteBuffer payload) {
        pongs.add(StandardCharsets.UTF_8.decode(payload).toString());
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        closes.add(code);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    Message next() throws InterruptedException {
        Message m = messages.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 10 s");
        }
        return m;
    }

    String nextText() throws InterruptedException {
        Message m = next();
        if (!m.text()) {
            throw new AssertionError("expected a text message, got binary of " + m.bytes().length + " B");
        }
        return m.string();
    }

    /** Sends a ping and waits for its pong: everything sent before it has been handled by the server. */
    void barrier(WebSocket ws, String tag) throws InterruptedException {
        ws.ping(ByteBuffer.wrap(tag.getBytes(StandardCharsets.UTF_8)));
        while (true) {
            String p = pongs.poll(10, TimeUnit.SECONDS);
            if (p == null) {
                throw new AssertionError("no pong for " + tag);
            }
            if (p.equals(tag)) {
                return;
            }
        }
    }

    int nextClose() throws InterruptedException {
        Integer c = closes.poll(15, TimeUnit.SECONDS);
        if (c == null) {
            throw new AssertionError("no close within 15 s");
        }
        return c;
    }
}
