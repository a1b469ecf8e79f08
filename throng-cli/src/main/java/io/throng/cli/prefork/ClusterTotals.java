package io.throng.cli.prefork;

import io.throng.core.ServerStats;
import io.throng.websocket.WebSocketStats;

/**
 * The cluster's counters for the supervisor's admin port: the latest report of every running worker
 * process added up, plus the last counts of every worker process that has ended.
 *
 * <p>A restarted worker counts from zero. Were the sum taken over the running workers only, a
 * Prometheus counter such as {@code throng_connections_accepted_total} would drop when a worker
 * dies, and {@code rate()} would read that as a counter reset of the whole cluster. So each worker
 * process is a {@link Run}; when its output ends (it exited, or was killed) its last report's
 * counters move into a retired base that only grows, and its levels (open connections, buffers,
 * subscribers) are dropped, since they went with it. What a killed worker counted after its last
 * report (at most one status interval) is lost: the counters never go backwards, but may miss that.
 *
 * <p>Thread-safe: each worker's reading thread reports and retires its own run; scrapes read.
 */
final class ClusterTotals {
    /** One worker process, from its start to the end of its output. */
    static final class Run {
        final int worker;
        final long pid;
        final long startedNanos = System.nanoTime();
        private WorkerReport latest;
        private boolean retired;

        private Run(int worker, long pid) {
            this.worker = worker;
            this.pid = pid;
        }
    }

    private final Run[] current;
    private final long startNanos = System.nanoTime();
    private ServerStats retired = CounterSums.NO_SERVER;
    private WebSocketStats retiredPush = CounterSums.NO_PUSH;
    private long restarts;

    ClusterTotals(int workers) {
        this.current = new Run[workers];
    }

    /** A new process in slot {@code worker}; the one before it there, if still running, is retired first. */
    synchronized Run begin(int worker, long pid) {
        Run before = current[worker];
        if (before != null) {
            retire(before);
            restarts++;
        }
        Run run = new Run(worker, pid);
        current[worker] = run;
        return run;
    }

    /** {@code run}'s newest report; ignored once the run is retired (a line read after its end). */
    synchronized void report(Run run, WorkerReport report) {
        if (!run.retired) {
            run.latest = report;
        }
    }

    /** {@code run}'s process ended: its counters join the retired base, once. */
    synchronized void retire(Run run) {
        if (run.retired) {
            return;
        }
        run.retired = true;
        WorkerReport last = run.latest;
        if (last != null) {
            retired = CounterSums.plus(retired, CounterSums.countersOnly(last.stats()));
            if (last.push() != null) {
                retiredPush = CounterSums.plus(retiredPush, CounterSums.countersOnly(last.push()));
            }
        }
    }

    /** The engine's figures of the cluster: the retired counts plus every running worker's latest report; uptime is the supervisor's. */
    synchronized ServerStats server() {
        ServerStats sum = retired;
        for (Run r : current) {
            if (r != null && !r.retired && r.latest != null) {
                sum = CounterSums.plus(sum, r.latest.stats());
            }
        }
        return CounterSums.withUptime(sum, System.nanoTime() - startNanos);
    }

    /** The push service's figures of the cluster, the same way. */
    synchronized WebSocketStats push() {
        WebSocketStats sum = retiredPush;
        for (Run r : current) {
            if (r != null && !r.retired && r.latest != null && r.latest.push() != null) {
                sum = CounterSums.plus(sum, r.latest.push());
            }
        }
        return sum;
    }

    /** The running process of slot {@code worker}, or null (not started, or ended and not yet restarted). */
    synchronized Run running(int worker) {
        Run r = current[worker];
        return r == null || r.retired ? null : r;
    }

    /** The latest report of slot {@code worker}'s running process, or null. */
    synchronized WorkerReport latest(int worker) {
        Run r = running(worker);
        return r == null ? null : r.latest;
    }

    /** Processes started in a slot that had one before: the supervisor's restarts. */
    synchronized long restarts() {
        return restarts;
    }

    int workers() {
        return current.length;
    }
}
