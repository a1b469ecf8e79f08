package io.throng.cli.prefork;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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
        Gauge.builder("throng.prefork.workers", live, IntSupplier::getAsInt).tag("state", "live").strongReference(true)
                .description("Worker processes running now").register(registry);
        Gauge.builder("throng.prefork.workers", totals, ClusterTotals::workers).tag("state", "configured")
                .strongReference(true).description("Worker processes asked for (--procs)").register(registry);
        // the gauge above holds totals strongly, which Micrometer's function counters hold weakly
        FunctionCounter.builder("throng.prefork.restarts", totals, ClusterTotals::restarts)
                .description("Worker processes restarted after one ended").register(registry);
        for (int w = 0; w < totals.workers(); w++) {
            int worker = w;
            Tags tag = Tags.of("worker", Integer.toString(w));
            Gauge.builder("throng.prefork.worker.up", totals, t -> t.running(worker) != null ? 1 : 0).tags(tag)
                    .description("1 while the worker's process runs, 0 while it is being restarted").register(registry);
            perWorker(registry, worker, tag, "throng.prefork.worker.connections", null, "The worker's connections open,"
                    + " as of its last report", r -> r.stats().connections());
            perWorker(registry, worker, tag, "throng.prefork.worker.rss", "bytes", "The worker's resident set, as of its"
                    + " last report", WorkerReport::rss);
            perWorker(registry, worker, tag, "throng.prefork.worker.heap.used", "bytes", "The worker's heap in use, as of"
                    + " its last report", WorkerReport::heapUsed);
            perWorker(registry, worker, tag, "throng.prefork.worker.heap.committed", "bytes", "The worker's heap held"
                    + " by its JVM, as of its last report", WorkerReport::heapCommitted);
            perWorker(registry, worker, tag, "throng.prefork.worker.heap.max", "bytes", "The worker's heap limit",
                    WorkerReport::heapMax);
            perWorker(registry, worker, tag, "throng.prefork.worker.threads", null, "The worker JVM's live threads, as"
                    + " of its last report", WorkerReport::threads);
            perWorker(registry, worker, tag, "throng.prefork.worker.report.age", "seconds", "Time since the worker's"
                    + " last report (they come every --status-interval)", r -> (System.nanoTime() - r.receivedNanos()) / 1e9);
        }
    }

    /** A gauge of slot {@code worker}'s latest report: NaN while it has none (not started, restarting, or one it could not measure). */
    private void perWorker(MeterRegistry registry, int worker, Tags tag, String name, String unit, String description,
                           ToDoubleFunction<WorkerReport> f) {
        Gauge.builder(name, totals, t -> {
            WorkerReport r = t.latest(worker);
            double v = r == null ? Double.NaN : f.applyAsDouble(r);
            return v < 0 ? Double.NaN : v;
        }).tags(tag).baseUnit(unit).description(description).register(registry);
    }
}
