package io.throng.bus;

import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A subscriber's handler that keeps what arrives, for tests to wait on. */
final class Inbox implements WebSocketHandler {
    final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        messages.add(StandardCharsets.UTF_8.decode(utf8).toString());
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        messages.add("binary:" + data.remaining());
    }

    String next() throws InterruptedException {
        String m = messages.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no message within 10 s");
        }
        return m;
    }

    /**
     * Reads {@code count} messages of the form {@code publisher-seq} and checks that none comes
     * twice and each publisher's come in order; returns them.
     */
    List<String> inOrder(int count) throws InterruptedException {
        List<String> got = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Map<String, Integer> last = new HashMap<>();
        for (int k = 0; k < count; k++) {
            String m = next();
            if (!seen.add(m)) {
                throw new AssertionError("delivered twice: " + m + " after " + got);
            }
            if (!m.matches(".+-\\d+")) {
                throw new AssertionError("unexpected message '" + m + "' after " + got);
            }
            int dash = m.lastIndexOf('-');
            int seq = Integer.parseInt(m.substring(dash + 1));
            Integer before = last.put(m.substring(0, dash), seq);
            if (before != null && before >= seq) {
                throw new AssertionError("out of order: " + m + " after seq " + before);
            }
            got.add(m);
        }
        return got;
    }
}
