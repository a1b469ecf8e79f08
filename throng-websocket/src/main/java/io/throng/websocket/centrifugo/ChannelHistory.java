package io.throng.websocket.centrifugo;

import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.SharedHistory;
import io.throng.websocket.codec.Utf8;
import io.throng.websocket.history.Stream;
import io.throng.websocket.history.Streams;
import java.util.function.Function;

/**
 * Where the channels' history is kept, if anywhere: in this process ({@link Streams}), or by the
 * bus's broker for every process on it ({@link SharedHistory}: the prefork hub, Redis), or nowhere (no
 * namespace has history). Exactly one of {@link #local} and {@link #shared} is in use, or neither.
 * Any thread: a stream is read and written under its own lock ({@link #locked}).
 */
final class ChannelHistory {
    /** Every channel's history in this process, or null when history is off or kept by the bus. */
    private final Streams local;
    /** The history the bus keeps for every process on it, or null. */
    private final SharedHistory shared;

    ChannelHistory(CentrifugoConfig config, Bus bus) {
        this.shared = config.anyHistory() ? bus.sharedHistory() : null;
        this.local = config.anyHistory() && shared == null ? new Streams() : null;
        if (shared != null) {
            // what is stored: publications to a channel with history that the JSON protocol can carry
            shared.storeWhen((channel, payload) -> {
                Namespace ns = config.namespaceOf(channel);
                return ns != null && ns.history().enabled() && Utf8.isValid(payload) ? ns.history() : null;
            });
        }
    }

    /** The bus's shared history, or null: this process keeps its own, or there is none. */
    SharedHistory shared() {
        return shared;
    }

    /** Whether this process keeps the history itself (and its sweeper must forget idle streams). */
    boolean keptHere() {
        return local != null;
    }

    /**
     * Runs {@code f} on {@code channel}'s stream in this process under the stream's lock, so that
     * what {@code f} reads and appends is in the order every other holder of the lock sees. A
     * stream the sweeper forgot meanwhile is taken again (a new stream, a new epoch). Only when
     * {@link #keptHere}.
     */
    <T> T locked(String channel, HistoryOptions options, long nowMillis, Function<Stream, T> f) {
        while (true) {
            Stream stream = local.of(channel, options, nowMillis);
            synchronized (stream) {
                if (!stream.dead) {
                    return f.apply(stream);
                }
            }
        }
    }

    /** Channels with a history in this process now (0 when it keeps none). */
    int channels() {
        return local == null ? 0 : local.count();
    }

    /** Forgets the streams whose meta TTL passed (the sweeper's thread). */
    void sweep(long nowMillis) {
        local.sweep(nowMillis);
    }
}
