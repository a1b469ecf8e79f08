package io.throng.cli.prefork;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.throng.metrics.MeterSet;
import io.throng.metrics.PushMeters;
import io.throng.metrics.ServerMeters;
import io.throng.metrics.SnapshotMeters;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The meters of a prefork supervisor's admin port: the engine's meters ({@link ServerMeters}, the
 * same names as a single process serves) and for push the push service's ({@link PushMeters}) over
 * the cluster's sums ({@link ClusterTotals}); per worker slot, tagged {@code worker="0"}...,
 * its connections, memory and report age; and the supervisor's own: workers live and configured,
 * restarts. Names in docs/operations.md, "Under prefork".
 */
final class PreforkMeters implements SnapshotMeters {
    private final ClusterTotals totals;
    private final IntSupplier live;
    private final ServerMeters server;
    private final PushMeters push;

    /**
     * @param live     worker processes running now
     * @param push     whether the workers run the push service (their reports carry its counters)
     */
    PreforkMeters(ClusterTotals totals, IntSupplier live, boolean push) {
        this.totals = totals;
        this.live = live;
        this.server = new ServerMeters(totals::server, Tags.empty());
        this.push = push ? new PushMeters(totals::push, Tags.empty()) : null;
    }

    @Override
    public void refresh() {
        server.refresh();
        if (push != null) {
            push.refresh();
        }
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        server.bindTo(registry);
        if (push != null) {
            push.bindTo(registry);
        }
        MeterSet<ClusterTotals> cluster = new MeterSet<>(registry, () -> totals, Tags.empty());
        cluster.tagged("state", "live").gauge("throng.prefork.workers", "Worker processes running now",
                t -> live.getAsInt());
        cluster.tagged("state", "configured").gauge("throng.prefork.workers", "Worker processes asked for (--procs)",
                ClusterTotals::workers);
        cluster.counter("throng.prefork.restarts", "Worker processes restarted after one ended",
                ClusterTotals::restarts);
        for (int w = 0; w < totals.workers(); w++) {
            int worker = w;
            MeterSet<ClusterTotals> slot = cluster.tagged("worker", Integer.toString(w));
            slot.gauge("throng.prefork.worker.up", "1 while the worker's process runs, 0 while it is being restarted",
                    t -> t.running(worker) != null ? 1 : 0);
            perWorker(slot, worker, "throng.prefork.worker.connections", null, "The worker's connections open,"
                    + " as of its last report", r -> r.stats().connections());
            perWorker(slot, worker, "throng.prefork.worker.rss", "bytes", "The worker's resident set, as of its"
                    + " last report", WorkerReport::rss);
            perWorker(slot, worker, "throng.prefork.worker.heap.used", "bytes", "The worker's heap in use, as of"
                    + " its last report", WorkerReport::heapUsed);
            perWorker(slot, worker, "throng.prefork.worker.heap.committed", "bytes", "The worker's heap held"
                    + " by its JVM, as of its last report", WorkerReport::heapCommitted);
            perWorker(slot, worker, "throng.prefork.worker.heap.max", "bytes", "The worker's heap limit",
                    WorkerReport::heapMax);
            perWorker(slot, worker, "throng.prefork.worker.threads", null, "The worker JVM's live threads, as"
                    + " of its last report", WorkerReport::threads);
            perWorker(slot, worker, "throng.prefork.worker.report.age", "seconds", "Time since the worker's"
                    + " last report (they come every --status-interval)", r -> (System.nanoTime() - r.receivedNanos()) / 1e9);
        }
    }

    /** A gauge of slot {@code worker}'s latest report: NaN while it has none (not started, restarting, or one it could not measure). */
    private static void perWorker(MeterSet<ClusterTotals> slot, int worker, String name, String unit, String description,
                                  ToDoubleFunction<WorkerReport> f) {
        slot.gauge(name, unit, description, t -> {
            WorkerReport r = t.latest(worker);
            double v = r == null ? Double.NaN : f.applyAsDouble(r);
            return v < 0 ? Double.NaN : v;
        });
    }
}
