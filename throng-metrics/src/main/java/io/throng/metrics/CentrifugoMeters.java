package io.throng.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.websocket.centrifugo.CentrifugoStats;
import io.throng.websocket.push.PushServer;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The push service's Centrifugo protocol ({@link CentrifugoStats}) as meters under {@code
 * throng.push.centrifugo.}, one snapshot per scrape. What an operator watches: {@code
 * refused.upgrades} growing (a reconnect storm meeting admission: the SDKs retry), {@code
 * refused.tokens} growing (clients with bad or expired tokens), {@code recoveries.failed} against
 * {@code recoveries} (history too short for the clients' absences).
 */
public final class CentrifugoMeters implements SnapshotMeters {
    private final Snapshots<CentrifugoStats> stats;
    private final Tags tags;

    public CentrifugoMeters(Supplier<CentrifugoStats> stats, Iterable<Tag> tags) {
        this.stats = new Snapshots<>(stats);
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** The Centrifugo protocol of {@code push}, which must serve it ({@link PushServer#centrifugo()} not null). */
    public static CentrifugoMeters of(PushServer push) {
        Objects.requireNonNull(push.centrifugo(), "the push server does not serve the Centrifugo protocol");
        return new CentrifugoMeters(() -> push.centrifugo().stats(), Tags.empty());
    }

    @Override
    public void refresh() {
        stats.refresh();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        MeterSet<CentrifugoStats> m = new MeterSet<>(registry, stats::get, tags);
        m.gauge("throng.push.centrifugo.sessions", "Centrifugo connections open now, connected or not yet",
                CentrifugoStats::sessions);
        m.gauge("throng.push.centrifugo.pending.connects", "Centrifugo connections open that have not sent their connect yet",
                CentrifugoStats::pendingConnects);
        m.counter("throng.push.centrifugo.connects", "Connects accepted", CentrifugoStats::connects);
        m.counter("throng.push.centrifugo.refused.upgrades", "Upgrades refused (503) while max-pending-connects connections"
                + " waited for their connect", CentrifugoStats::refusedUpgrades);
        m.counter("throng.push.centrifugo.refused.tokens", "Connects and refreshes refused for their token (invalid, expired,"
                + " missing)", CentrifugoStats::refusedTokens);
        m.counter("throng.push.centrifugo.client.publishes", "Publishes from clients", CentrifugoStats::clientPublishes);
        m.counter("throng.push.centrifugo.no.pong.closes", "Connections closed for a missing pong (3012)",
                CentrifugoStats::noPongCloses);
        m.counter("throng.push.centrifugo.recoveries", "Subscribes that asked to recover and got all they missed",
                CentrifugoStats::recoveries);
        m.counter("throng.push.centrifugo.recoveries.failed", "Subscribes that asked to recover and could not be",
                CentrifugoStats::failedRecoveries);
    }
}
