package io.throng.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.throng.core.CloseReason;
import io.throng.core.ServerStats;
import io.throng.core.net.Server;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * A server's counters ({@link ServerStats}) as Micrometer meters under {@code throng.}: function
 * counters and gauges over one snapshot per scrape. The engine counts as it always does; these
 * meters only read its snapshot when a registry is scraped, so binding them costs the hot path
 * nothing.
 *
 * <pre>{@code
 * new ServerMeters(server::stats, Tags.empty()).bindTo(registry);
 * }</pre>
 *
 * Names (Prometheus renders {@code throng.connections.accepted} as
 * {@code throng_connections_accepted_total}): see docs/operations.md, "Metrics and the admin port".
 */
public final class ServerMeters implements SnapshotMeters {
    private final Snapshots<ServerStats> stats;
    private final Tags tags;

    /**
     * @param stats where the snapshots come from, e.g. {@code server::stats}; called once per scrape
     * @param tags  tags for every meter, e.g. {@code server=echo} when a process runs several servers
     */
    public ServerMeters(Supplier<ServerStats> stats, Iterable<Tag> tags) {
        this.stats = new Snapshots<>(stats);
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** The meters of {@code server}, untagged. */
    public static ServerMeters of(Server server) {
        return new ServerMeters(server::stats, Tags.empty());
    }

    @Override
    public void refresh() {
        stats.refresh();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // Micrometer holds a function counter's state object weakly; this gauge holds it strongly,
        // so the meters keep working however the caller holds this binder.
        Gauge.builder("throng.connections.open", stats, s -> s.get().connections()).tags(tags).strongReference(true)
                .description("Connections open now").register(registry);
        counter(registry, "throng.connections.accepted", "Connections accepted", ServerStats::accepted);
        counter(registry, "throng.connections.rejected",
                "A client's connects refused at its max-connections (a server stops accepting instead)",
                ServerStats::rejected);
        for (CloseReason.Kind kind : CloseReason.Kind.values()) {
            FunctionCounter.builder("throng.connections.closed", stats, s -> s.get().closedBy(kind))
                    .tags(tags).tag("reason", kind.name().toLowerCase(Locale.ROOT))
                    .description("Connections closed, by why").register(registry);
        }
        FunctionCounter.builder("throng.data.read", stats, s -> s.get().bytesRead()).tags(tags).baseUnit("bytes")
                .description("Bytes read from sockets").register(registry);
        FunctionCounter.builder("throng.data.written", stats, s -> s.get().bytesWritten()).tags(tags).baseUnit("bytes")
                .description("Bytes written to sockets").register(registry);
        counter(registry, "throng.reads", "Reads that returned data (each one dispatch of the handler)",
                ServerStats::reads);
        counter(registry, "throng.writes", "Write system calls (each a gathering write of all that was queued)",
                ServerStats::writes);
        counter(registry, "throng.connections.unwritable", "Times a connection's queue crossed the high water mark",
                ServerStats::unwritable);
        counter(registry, "throng.accept.errors", "Accept calls that failed (EMFILE and the like)",
                ServerStats::acceptErrors);
        counter(registry, "throng.accept.pauses",
                "Times accepting stopped: at max-connections, the worker queue full, every leader-follower thread busy",
                ServerStats::acceptPauses);
        gauge(registry, "throng.workers.threads", "Handler threads of a bounded pool (worker-pool, leader-follower), else 0",
                ServerStats::workers);
        gauge(registry, "throng.workers.busy", "Workers running a handler now", ServerStats::workersBusy);
        gauge(registry, "throng.workers.queue", "Connections waiting for a worker now", ServerStats::workerQueue);
        counter(registry, "throng.workers.overflowed", "Readable connections the full worker queue could not take at once",
                ServerStats::overflowed);
        // NaN where the model has no event loops (thread-per-connection, leader-follower)
        TimeGauge.builder("throng.loop.lag", stats, TimeUnit.NANOSECONDS, s -> lag(s.get().loopLagNanos())).tags(tags)
                .description("How late the event loops run what is due, now: the largest over the loops")
                .register(registry);
        TimeGauge.builder("throng.loop.lag.max", stats, TimeUnit.NANOSECONDS, s -> lag(s.get().loopLagMaxNanos()))
                .tags(tags).description("The largest event-loop lag of the last 30 to 60 s, one going on now included")
                .register(registry);
        gauge(registry, "throng.buffers.lent", "Pooled buffers lent now (leftovers, queued writes, thread and loop buffers)",
                ServerStats::lentBuffers);
        Gauge.builder("throng.buffers.lent.bytes", stats, s -> s.get().lentBytes()).tags(tags).baseUnit("bytes")
                .description("Bytes of the pooled buffers lent now").register(registry);
        Gauge.builder("throng.buffers.pool.bytes", stats, s -> s.get().poolBytes()).tags(tags).baseUnit("bytes")
                .description("Native memory held by the buffer pool").register(registry);
    }

    private static double lag(long nanos) {
        return nanos < 0 ? Double.NaN : nanos;
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<ServerStats> f) {
        FunctionCounter.builder(name, stats, s -> f.applyAsDouble(s.get())).tags(tags).description(description)
                .register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String description, ToDoubleFunction<ServerStats> f) {
        Gauge.builder(name, stats, s -> f.applyAsDouble(s.get())).tags(tags).description(description).register(registry);
    }
}
