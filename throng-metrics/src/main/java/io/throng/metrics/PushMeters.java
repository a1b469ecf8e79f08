package io.throng.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.websocket.WebSocketStats;
import io.throng.websocket.push.PushServer;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

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
        // holds the snapshots strongly for the function counters, which Micrometer holds weakly
        Gauge.builder("throng.push.subscribers", stats, s -> s.get().open()).tags(tags).strongReference(true)
                .description("WebSocket subscribers connected now").register(registry);
        gauge(registry, "throng.push.channels", "Channels with at least one subscriber now", WebSocketStats::topics);
        gauge(registry, "throng.push.subscriptions", "(channel, subscriber) pairs now", WebSocketStats::subscriptions);
        gauge(registry, "throng.push.handshakes", "Connections accepted and not yet upgraded", WebSocketStats::handshakesInFlight);
        counter(registry, "throng.push.published", "Messages published to channels", WebSocketStats::publishes);
        counter(registry, "throng.push.delivered", "Messages a publish put on a subscriber's connection",
                WebSocketStats::deliveries);
        counter(registry, "throng.push.dropped", "Messages skipped for slow subscribers", WebSocketStats::dropped);
        counter(registry, "throng.push.slow.closes", "Subscribers closed (1008) for being slow", WebSocketStats::slowCloses);
        counter(registry, "throng.push.refused", "Requests answered with an error status (400, 404, 405, 408, 431, ...)",
                WebSocketStats::refused);
        counter(registry, "throng.push.overloaded",
                "Connections answered 503 and closed at once: max-handshakes in flight, every one a body being answered",
                WebSocketStats::overloaded);
        counter(registry, "throng.push.handshake.evictions",
                "Handshakes cut (408, or closed if silent) to admit newer connections at max-handshakes",
                WebSocketStats::handshakesEvicted);
        counter(registry, "throng.push.handshake.timeouts", "Connections closed for not completing a request in time",
                WebSocketStats::handshakeTimeouts);
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<WebSocketStats> f) {
        FunctionCounter.builder(name, stats, s -> f.applyAsDouble(s.get())).tags(tags).description(description)
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<WebSocketStats> f) {
        Gauge.builder(name, stats, s -> f.applyAsDouble(s.get())).tags(tags).description(description).register(registry);
    }
}
