package io.throng.cli.push;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.throng.metrics.MeterSet;
import io.throng.websocket.bus.HubStats;
import java.util.function.Supplier;

/**
 * The prefork supervisor's bus hub as meters under {@code throng.prefork.hub.}: the workers linked,
 * the channels any worker subscribes to (the cluster's distinct channels, which the workers' summed
 * {@code throng_push_channels} over-counts), and the messages relayed between them.
 */
final class HubMeters implements MeterBinder {
    private final Supplier<HubStats> hub;
    private volatile HubStats last = new HubStats(0, 0, 0, 0, 0);

    /** @param hub the hub's figures now, or null once it has closed (its last figures are kept) */
    HubMeters(Supplier<HubStats> hub) {
        this.hub = hub;
    }

    private HubStats now() {
        HubStats s = hub.get();
        if (s != null) {
            last = s;
        }
        return last;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterSet<HubStats> m = new MeterSet<>(registry, this::now, Tags.empty());
        m.gauge("throng.prefork.hub.workers", "Workers linked to the supervisor's bus hub now", HubStats::workers);
        m.gauge("throng.prefork.hub.channels", "Channels some worker subscribes to now (each counted once)",
                HubStats::channels);
        m.counter("throng.prefork.hub.published", "Messages the workers published through the hub",
                HubStats::published);
        m.counter("throng.prefork.hub.forwarded", "Copies the hub queued for the workers subscribed to their channel",
                HubStats::forwarded);
        m.counter("throng.prefork.hub.dropped", "Copies dropped because a worker's queue was full", HubStats::dropped);
    }
}
