package io.throng.websocket.centrifugo;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The history of every channel in this process, created at a channel's first publication (or a
 * subscribe that asks for its position) and forgotten once it has been idle for {@link
 * HistoryOptions#metaTtl()}: a channel that is forgotten and used again starts a new epoch, so a
 * client that recovers from the old one is told it could not be recovered.
 *
 * <p>Not across processes: under prefork each worker, and with Redis or NATS each node, keeps the
 * history of what it delivered (docs/centrifugo.md, *History and recovery*).
 */
final class Streams {
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();

    /**
     * {@code channel}'s stream, made now with {@code options} (its namespace's) if it has none. Lock
     * it, and take another if it is {@link Stream#dead}.
     */
    Stream of(String channel, HistoryOptions options, long nowMillis) {
        return streams.computeIfAbsent(channel, c -> new Stream(options, nowMillis));
    }

    /** Channels with a stream now. */
    int count() {
        return streams.size();
    }

    /** Forgets the streams idle for longer than the meta TTL; the handler's sweeper calls it. */
    int sweep(long nowMillis) {
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
