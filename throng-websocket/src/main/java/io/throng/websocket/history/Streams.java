package io.throng.websocket.history;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The history of every channel one owner keeps (the Centrifugo handler in one process, or the
 * prefork hub for all its workers), created at a channel's first publication (or a subscribe that
 * asks for its position) and forgotten once it has been idle for {@link
 * StreamLimits#metaTtl()}: a channel that is forgotten and used again starts a new epoch, so a
 * client that recovers from the old one is told it could not be recovered.
 *
 * <p>With Redis or NATS the broker keeps the history instead (Redis streams, JetStream: docs/centrifugo.md,
 * *History and recovery*).
 */
public final class Streams {
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();

    /**
     * {@code channel}'s stream, made now with {@code options} (its namespace's) if it has none. Lock
     * it, and take another if it is {@link Stream#dead}.
     */
    public Stream of(String channel, StreamLimits options, long nowMillis) {
        return streams.computeIfAbsent(channel, c -> new Stream(options, nowMillis));
    }

    /** Channels with a stream now. */
    public int count() {
        return streams.size();
    }

    /** Forgets the streams idle for longer than the meta TTL; the handler's sweeper calls it. */
    public int sweep(long nowMillis) {
        int forgotten = 0;
        for (var e : streams.entrySet()) {
            Stream s = e.getValue();
            synchronized (s) {
                if (s.touchedMillis() < nowMillis - s.options().metaTtl().toMillis() && streams.remove(e.getKey(), s)) {
                    s.dead = true;
                    forgotten++;
                }
            }
        }
        return forgotten;
    }
}
