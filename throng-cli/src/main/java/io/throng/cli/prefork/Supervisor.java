package io.throng.cli.prefork;

import com.fasterxml.jackson.databind.JsonNode;
import io.throng.load.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The prefork model: P worker JVMs, each running one of the other models on the same port (every
 * listener sets SO_REUSEPORT, so the kernel spreads new connections over all of them). This is how
 * one machine holds more connections than one process has descriptors (20,000 here), and how the
 * seed's fastest model (prefork: independent processes, independent GCs) is run.
 *
 * <p>The supervisor restarts a worker that dies, after a back-off that doubles from 0.5 s to 30 s
 * while it keeps dying (and resets once a worker has lived 30 s), with a log line each time; turns
 * SIGTERM or SIGINT into a graceful stop of every worker; and prints one status line for the
 * cluster, adding up the workers' counters (they report them as JSON lines). Workers watch their
 * stdin: if the supervisor dies, they stop too.
 *
 * <p>With {@code --admin-port} the supervisor serves the admin port for the cluster (the workers
 * open none): the engine's meters summed over the workers' latest reports ({@link ClusterTotals}),
 * per-worker gauges, and its own view at /dump. Its figures are as fresh as the reports, which
 * come every status interval.
 */
public final class Supervisor {
    private static final long MIN_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;
    private static final long STABLE_MS = 30_000;

    private final ServeCommandAccess options;
    private final PrintStream out = System.out;
    private final List<Worker> workers = new java.util.concurrent.CopyOnWriteArrayList<>(); // read by admin port scrapes
    private final ClusterTotals totals;
    private final long startedNanos = System.nanoTime();
    private volatile boolean stopping;
    private int port;
    private io.throng.cli.admin.AdminOptions.Running admin;

    public Supervisor(ServeCommandAccess options) {
        this.options = options;
        this.totals = new ClusterTotals(options.procs());
    }

    /** One worker slot: its current process, restarted in place. */
    private final class Worker {
        final int index;
        volatile Process process;
        volatile long startedAt;
        volatile JsonNode latest;
        volatile long backoffMs = MIN_BACKOFF_MS;
        volatile int restarts;
        final CountDownLatch listening = new CountDownLatch(1);

        Worker(int index) {
            this.index = index;
        }

        void start() throws IOException {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            cmd.add("-XX:+UseCompactObjectHeaders");
            cmd.add("--enable-native-access=ALL-UNNAMED");
            for (String o : options.workerJvm().trim().split("\\s+")) {
                if (!o.isEmpty()) {
                    cmd.add(o);
                }
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.throng.cli.ThrongCommand");
            cmd.addAll(options.workerArguments(port, statusInterval() + "ms"));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            process = p;
            startedAt = System.currentTimeMillis();
            latest = null;
            ClusterTotals.Run run = totals.begin(index, p.pid());
            Thread.ofPlatform().daemon(true).name("prefork-worker-" + index).start(() -> follow(p, run));
            p.onExit().thenAccept(this::exited);
        }

        private void follow(Process p, ClusterTotals.Run run) {
            boolean complained = false;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("{\"status\":")) {
                        JsonNode status = Json.mapper().readTree(line).get("status");
                        latest = status;
                        try {
                            totals.report(run, WorkerReport.parse(status, System.nanoTime()));
                        } catch (IllegalArgumentException e) {
                            if (!complained) { // once per process: a worker of another version, say
                                say("worker " + index + " (pid " + p.pid() + "): " + e.getMessage());
                                complained = true;
                            }
                        }
                    } else if (line.startsWith(options.readyLine())) {
                        listening.countDown();
                        say("worker " + index + " (pid " + p.pid() + ") " + line.substring(7));
                    } else if (line.startsWith("stopped") || line.startsWith("stopping")) {
                        say("worker " + index + ": " + line);
                    }
                }
            } catch (IOException ignored) {
                // the worker is gone; exited() takes over
            } finally {
                // its output has ended, every report read: its counts join the cluster's retired base
                totals.retire(run);
            }
        }

        private void exited(Process p) {
            if (stopping || p != process) {
                return;
            }
            long lived = System.currentTimeMillis() - startedAt;
            if (lived > STABLE_MS) {
                backoffMs = MIN_BACKOFF_MS;
            }
            long wait = backoffMs;
            backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            say(String.format("worker %d (pid %d) exited with status %d after %.1fs; restarting it in %.1fs",
                    index, p.pid(), p.exitValue(), lived / 1000.0, wait / 1000.0));
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(wait);
                    if (!stopping) {
                        restarts++;
                        start();
                    }
                } catch (IOException | InterruptedException e) {
                    say("worker " + index + " could not be restarted: " + e);
                }
            });
        }
    }

    private long statusInterval() {
        long ms = options.statusInterval().toMillis();
        return ms == 0 ? 1000 : ms;
    }

    private synchronized void say(String line) {
        out.println("prefork: " + line);
        out.flush();
    }

    public int run() throws Exception {
        port = options.port() != 0 ? options.port() : freePort(options.host());
        if (options.admin() != null) {
            // before any worker starts: an admin port that cannot bind stops the command with nothing to clean up
            List<io.micrometer.core.instrument.binder.MeterBinder> meters = new ArrayList<>();
            meters.add(new PreforkMeters(totals, this::live, options.push()));
            meters.addAll(options.supervisorMeters());
            admin = options.admin().startWithDump(out, options.describe(port), n -> dump(),
                    meters.toArray(io.micrometer.core.instrument.binder.MeterBinder[]::new));
        }
        say(String.format("starting %d workers running %s on %s:%d (SO_REUSEPORT), pid %d", options.procs(),
                options.workerModel(), options.host(), port, ProcessHandle.current().pid()));
        for (int i = 0; i < options.procs(); i++) {
            Worker w = new Worker(i);
            workers.add(w);
            w.start();
        }
        // Dozens of JVMs starting at once share the cores: allow a few seconds each.
        long startSeconds = 60 + 3L * options.procs();
        long startDeadline = System.nanoTime() + startSeconds * 1_000_000_000L;
        for (Worker w : workers) {
            if (!w.listening.await(Math.max(1, startDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw new IOException("worker " + w.index + " did not start listening within " + startSeconds + " s");
            }
        }
        out.println(options.announce(options.host(), port));
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stopAll();
            stopped.countDown();
        }, "prefork-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long deadline = options.duration().isZero() ? Long.MAX_VALUE : System.nanoTime() + options.duration().toNanos();
        ClusterStatus status = new ClusterStatus();
        while (System.nanoTime() < deadline) {
            if (stopped.await(Math.min(statusInterval(), Math.max(1, (deadline - System.nanoTime()) / 1_000_000)),
                    TimeUnit.MILLISECONDS)) {
                return 0;
            }
            if (!options.statusInterval().isZero()) {
                out.println(status.line(workers.stream().map(w -> w.latest).toList(), live(), totalRestarts())
                        + options.statusExtra());
                out.flush();
            }
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        stopAll();
        return 0;
    }

    private int live() {
        int n = 0;
        for (Worker w : workers) {
            Process p = w.process;
            if (p != null && p.isAlive()) {
                n++;
            }
        }
        return n;
    }

    private int totalRestarts() {
        int n = 0;
        for (Worker w : workers) {
            n += w.restarts;
        }
        return n;
    }

    /** SIGTERM to every worker (each stops gracefully), then wait; force what outlives its timeout. */
    private void stopAll() {
        stopping = true;
        say("stopping " + workers.size() + " workers gracefully");
        for (Worker w : workers) {
            Process p = w.process;
            if (p != null) {
                // SIGTERM through the handle: Process.destroy() would also close our ends of the
                // worker's pipes, and its last lines ("stopped: ...") would be lost.
                p.toHandle().destroy();
            }
        }
        long deadline = System.nanoTime() + options.shutdownTimeout().toNanos() + 5_000_000_000L;
        for (Worker w : workers) {
            Process p = w.process;
            try {
                if (p != null && !p.waitFor(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                    say("worker " + w.index + " (pid " + p.pid() + ") did not stop in time; killing it");
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        options.afterStop();
        if (admin != null) {
            admin.close(); // after the workers, so that their drain can be watched
        }
        say("stopped");
    }

    /**
     * GET /dump on the supervisor's admin port: the supervisor's view (each worker slot, its process,
     * restarts and latest report), not the workers' connections (each worker's dump stays in it).
     */
    private String dump() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("prefork supervisor pid %d: port %s:%d, workers %d/%d live, restarts %d, status interval %d ms,"
                        + " up %.1f s%n", ProcessHandle.current().pid(), options.host(), port, live(), workers.size(),
                totals.restarts(), statusInterval(), (System.nanoTime() - startedNanos) / 1e9));
        io.throng.core.ServerStats s = totals.server();
        b.append(String.format("cluster: connections %d, accepted %d, closed %d, bytes in %d out %d, reads %d, writes %d"
                        + " (running workers' latest reports plus the last counts of ended ones)%n", s.connections(),
                s.accepted(), s.closed(), s.bytesRead(), s.bytesWritten(), s.reads(), s.writes()));
        for (Worker w : workers) {
            Process p = w.process;
            ClusterTotals.Run run = totals.running(w.index);
            WorkerReport r = totals.latest(w.index);
            b.append(String.format("worker %d: pid %s, %s, restarts %d, started %.1f s ago", w.index,
                    p == null ? "-" : Long.toString(p.pid()), p != null && p.isAlive() ? "live" : "not running",
                    w.restarts, run == null ? 0.0 : (System.nanoTime() - run.startedNanos) / 1e9));
            if (r == null) {
                b.append(", no report yet\n");
            } else {
                b.append(String.format(", last report %.1f s ago:%n  %s%n", (System.nanoTime() - r.receivedNanos()) / 1e9,
                        Json.write(r.raw())));
            }
        }
        return b.toString();
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        }
    }
}
