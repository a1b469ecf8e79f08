package io.throng.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.websocket.WebSocketStats;
import io.throng.websocket.push.PushServer;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The push service's counters ({@link WebSocketStats}) as meters under {@code throng.push.}, one
 * snapshot per scrape like {@link ServerMeters} (bind both for a push server: these are its
 * subscribers and messages, those its connections and bytes).
 */
public final class PushMeters implements SnapshotMeters {
    private final Snapshots<WebSocketStats> stats;
    private final Tags tags;

    public PushMeters(Supplier<WebSocketStats> stats, Iterable<Tag> tags) {
        this.stats = new Snapshots<>(stats);
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    public static PushMeters of(PushServer push) {
        return new PushMeters(push::stats, Tags.empty());
    }

    @Override
    public void refresh() {
        stats.refresh();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterSet<WebSocketStats> m = new MeterSet<>(registry, stats::get, tags);
        m.gauge("throng.push.subscribers", "WebSocket subscribers connected now", WebSocketStats::open);
        m.gauge("throng.push.channels", "Channels with at least one subscriber now", WebSocketStats::topics);
        m.gauge("throng.push.subscriptions", "(channel, subscriber) pairs now", WebSocketStats::subscriptions);
        m.gauge("throng.push.handshakes", "Connections accepted and not yet upgraded",
                WebSocketStats::handshakesInFlight);
        m.counter("throng.push.published", "Messages published to channels", WebSocketStats::publishes);
        m.counter("throng.push.delivered", "Messages a publish put on a subscriber's connection",
                WebSocketStats::deliveries);
        m.counter("throng.push.dropped", "Messages skipped for slow subscribers", WebSocketStats::dropped);
        m.counter("throng.push.slow.closes", "Subscribers closed (1008) for being slow", WebSocketStats::slowCloses);
        m.counter("throng.push.refused", "Requests answered with an error status (400, 404, 405, 408, 431, ...)",
                WebSocketStats::refused);
        m.counter("throng.push.overloaded",
                "Connections answered 503 and closed at once: max-handshakes in flight, every one a body being answered",
                WebSocketStats::overloaded);
        m.counter("throng.push.handshake.evictions",
                "Handshakes cut (408, or closed if silent) to admit newer connections at max-handshakes",
                WebSocketStats::handshakesEvicted);
        m.counter("throng.push.handshake.timeouts", "Connections closed for not completing a request in time",
                WebSocketStats::handshakeTimeouts);
    }
}
