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
    private final HistoryOptions options;
    private final ConcurrentHashMap<String, Stream> streams = new ConcurrentHashMap<>();

    Streams(HistoryOptions options) {
        this.options = options;
    }

    HistoryOptions options() {
        return options;
    }

    /** {@code channel}'s stream, made now if it has none. Lock it, and take another if it is {@link Stream#dead}. */
    Stream of(String channel, long nowMillis) {
        return streams.computeIfAbsent(channel, c -> new Stream(options, nowMillis));
    }

    /** Channels with a stream now. */
    int count() {
        return streams.size();
    }

    /** Forgets the streams idle for longer than the meta TTL; the handler's sweeper calls it. */
    int sweep(long nowMillis) {
        long idleSince = nowMillis - options.metaTtl().toMillis();
        int forgotten = 0;
        for (var e : streams.entrySet()) {
            Stream s = e.getValue();
            synchronized (s) {
                if (s.touchedMillis() < idleSince && streams.remove(e.getKey(), s)) {
                    s.dead = true;
                    forgotten++;
                }
            }
        }
        return forgotten;
    }
}
