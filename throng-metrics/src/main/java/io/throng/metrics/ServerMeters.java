package io.throng.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.core.CloseReason;
import io.throng.core.ServerStats;
import io.throng.core.net.Server;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

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
        MeterSet<ServerStats> m = new MeterSet<>(registry, stats::get, tags);
        m.gauge("throng.connections.open", "Connections open now", ServerStats::connections);
        m.counter("throng.connections.accepted", "Connections accepted", ServerStats::accepted);
        m.counter("throng.connections.rejected",
                "A client's connects refused at its max-connections (a server stops accepting instead)",
                ServerStats::rejected);
        for (CloseReason.Kind kind : CloseReason.Kind.values()) {
            m.tagged("reason", kind.name().toLowerCase(Locale.ROOT))
                    .counter("throng.connections.closed", "Connections closed, by why", s -> s.closedBy(kind));
        }
        m.counter("throng.data.read", "bytes", "Bytes read from sockets", ServerStats::bytesRead);
        m.counter("throng.data.written", "bytes", "Bytes written to sockets", ServerStats::bytesWritten);
        m.counter("throng.reads", "Reads that returned data (each one dispatch of the handler)", ServerStats::reads);
        m.counter("throng.writes", "Write system calls (each a gathering write of all that was queued)",
                ServerStats::writes);
        m.counter("throng.connections.unwritable", "Times a connection's queue crossed the high water mark",
                ServerStats::unwritable);
        m.counter("throng.accept.errors", "Accept calls that failed (EMFILE and the like)", ServerStats::acceptErrors);
        m.counter("throng.accept.pauses",
                "Times accepting stopped: at max-connections, the worker queue full, every leader-follower thread busy",
                ServerStats::acceptPauses);
        m.gauge("throng.workers.threads", "Handler threads of a bounded pool (worker-pool, leader-follower), else 0",
                ServerStats::workers);
        m.gauge("throng.workers.busy", "Workers running a handler now", ServerStats::workersBusy);
        m.gauge("throng.workers.queue", "Connections waiting for a worker now", ServerStats::workerQueue);
        m.counter("throng.workers.overflowed", "Readable connections the full worker queue could not take at once",
                ServerStats::overflowed);
        // NaN where the model has no event loops (thread-per-connection, leader-follower)
        m.timeGauge("throng.loop.lag", TimeUnit.NANOSECONDS,
                "How late the event loops run what is due, now: the largest over the loops",
                s -> lag(s.loopLagNanos()));
        m.timeGauge("throng.loop.lag.max", TimeUnit.NANOSECONDS,
                "The largest event-loop lag of the last 30 to 60 s, one going on now included",
                s -> lag(s.loopLagMaxNanos()));
        m.gauge("throng.buffers.lent", "Pooled buffers lent now (leftovers, queued writes, thread and loop buffers)",
                ServerStats::lentBuffers);
        m.gauge("throng.buffers.lent.bytes", "bytes", "Bytes of the pooled buffers lent now", ServerStats::lentBytes);
        m.gauge("throng.buffers.pool.bytes", "bytes", "Native memory held by the buffer pool", ServerStats::poolBytes);
    }

    private static double lag(long nanos) {
        return nanos < 0 ? Double.NaN : nanos;
    }
}
