package io.throng.websocket.push;

import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.TopicRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A subscriber's connection: subscribed to the channel of its URL when it opens ({@code
 * /sub/<channel>}), then to more or fewer by text messages {@code subscribe <channel>} and
 * {@code unsubscribe <channel>}. Commands are not acknowledged (any text could be a notification);
 * a Ping sent after a command is answered only once the command is done, which is how a client
 * knows. Other messages are ignored, and so is a subscription to a channel the bus cannot carry.
 */
final class PushHandler implements WebSocketHandler {
    private static final byte[] SUBSCRIBE = "subscribe ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNSUBSCRIBE = "unsubscribe ".getBytes(StandardCharsets.US_ASCII);

    private final TopicRegistry topics;
    private final Bus bus;

    PushHandler(TopicRegistry topics, Bus bus) {
        this.topics = topics;
        this.bus = bus;
    }

    @Override
    public void onOpen(WebSocket ws) {
        String channel = ws.attachment();
        if (channel != null) {
            ws.attach(null); // the registry keeps its own copy of the name: this one (~48 B) can go
            topics.subscribe(channel, ws);
        }
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        if (startsWith(utf8, SUBSCRIBE)) {
            String channel = rest(utf8, SUBSCRIBE.length);
            if (PushServer.problem(channel, bus) == null) {
                topics.subscribe(channel, ws);
            }
        } else if (startsWith(utf8, UNSUBSCRIBE)) {
            topics.unsubscribe(rest(utf8, UNSUBSCRIBE.length), ws);
        }
    }

    private static boolean startsWith(ByteBuffer b, byte[] prefix) {
        if (b.remaining() <= prefix.length || b.remaining() > prefix.length + Channels.MAX_LENGTH + 2) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.get(b.position() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String rest(ByteBuffer b, int from) {
        return StandardCharsets.UTF_8.decode(b.slice(b.position() + from, b.remaining() - from)).toString().strip();
    }
}
