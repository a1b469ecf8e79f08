package io.throng.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.websocket.bus.BusStats;
import io.throng.websocket.push.PushServer;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The push service's bus link ({@link BusStats}: the prefork hub, Redis, NATS) as meters under
 * {@code throng.push.bus.}, tagged with the bus ({@code bus="redis://10.0.0.5:6379"}), one
 * snapshot per scrape. What an operator alerts on: {@code up} at 0, {@code refused} or {@code
 * dropped} growing (publishers are being answered 503), {@code reconnects} growing.
 */
public final class BusMeters implements SnapshotMeters {
    private final Snapshots<BusStats> stats;
    private final Tags tags;

    public BusMeters(Supplier<BusStats> stats, Iterable<Tag> tags) {
        this.stats = new Snapshots<>(stats);
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** The bus of {@code push}, tagged with its name. */
    public static BusMeters of(PushServer push) {
        return new BusMeters(() -> push.bus().stats(), Tags.of("bus", push.bus().name()));
    }

    @Override
    public void refresh() {
        stats.refresh();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterSet<BusStats> m = new MeterSet<>(registry, stats::get, tags);
        m.gauge("throng.push.bus.up", "1 while the bus link is up and takes publishes, else 0 (connecting, down, a known node"
                + " not rejoined, closed)", s -> s.state() == BusStats.State.UP && s.problem() == null ? 1 : 0);
        m.gauge("throng.push.bus.channels", "Channels this node is subscribed to on the broker now", BusStats::channels);
        m.gauge("throng.push.bus.nodes", "Other nodes this one hears on the broker's control channel (Redis, NATS)",
                BusStats::nodes);
        m.gauge("throng.push.bus.queued", "Publishes waiting in the relay queue now", BusStats::queued);
        m.counter("throng.push.bus.relayed", "Publishes the broker acknowledged", BusStats::relayed);
        m.counter("throng.push.bus.received", "Messages the broker handed back and this node fanned out", BusStats::received);
        m.counter("throng.push.bus.dropped", "Publishes not relayed: the relay queue was full, or the link failed under them",
                BusStats::dropped);
        m.counter("throng.push.bus.refused", "Publishes refused (503): the link was down, or a known node had not rejoined",
                BusStats::refused);
        m.counter("throng.push.bus.reconnects", "Links re-established after a failure", BusStats::reconnects);
    }
}
