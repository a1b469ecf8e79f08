package io.throng.load;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * A run split over several client processes, because one process holds at most ~19,900 sockets
 * here. Each child ({@link LoadChild}, same classpath) starts; when all have, the parent says
 * "ramp" and each opens its share of the connections; when all are ready the parent says "go" to
 * all at once, so their windows line up; the parent merges the
 * children's counters and HdrHistograms into one result and their progress into one line.
 *
 * <p>In ws-broadcast the parent is the publisher: after "go" (and, with a hold first, once every
 * child reports the phase "broadcasting": its hold's pings drained) it publishes every round, waits for
 * the children to see them all (each ends by itself when its subscribers have every round) or for
 * the delivery timeout, then says "stop" to those still waiting. Each child times its own
 * deliveries against the real-time stamp in the payload; the parent merges the rounds: a round's
 * time to the last subscriber is the latest receipt in any child minus the round's start.
 */
public final class MultiProcessLoad {
    /** JVM options for a child: small, since it only holds sockets and a few objects each. */
    public static final List<String> CHILD_JVM = List.of("-XX:+UseCompactObjectHeaders", "-XX:+UseSerialGC",
            "-Xmx1g", "--enable-native-access=ALL-UNNAMED");

    private MultiProcessLoad() {
    }

    public static LoadResult run(LoadOptions options, Consumer<Progress> progress) throws IOException, InterruptedException {
        return run(options, progress, CHILD_JVM, Map.of());
    }

    /**
     * As {@link #run(LoadOptions, Consumer)}, the children started with these JVM options and
     * these additions to the environment (a million connections take ~52 children: a scale run
     * starts them lean).
     */
    public static LoadResult run(LoadOptions options, Consumer<Progress> progress, List<String> childJvm,
                                 Map<String, String> environment) throws IOException, InterruptedException {
        int n = options.procs();
        if (options.mode() != LoadMode.CONNRATE) {
            // The children share every source address's ports: check them for all connections at once.
            int sources = options.srcIps() > 1 && java.net.InetAddress.getByName(options.host()).isLoopbackAddress()
                    ? options.srcIps() : 1;
            PortRange.ensure((options.conns() + sources - 1) / sources, sources);
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        // On a module path (this module's own tests) the modules are there, not on the class path;
        // the children run them as plain jars either way.
        String modules = System.getProperty("jdk.module.path", "");
        String classpath = System.getProperty("java.class.path")
                + (modules.isEmpty() ? "" : File.pathSeparator + modules);
        List<Process> children = new ArrayList<>();
        AtomicReferenceArray<Progress> latest = new AtomicReferenceArray<>(n);
        AtomicReferenceArray<LoadResult> results = new AtomicReferenceArray<>(n);
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch done = new CountDownLatch(n);
        try {
            for (int i = 0; i < n; i++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(java);
                cmd.addAll(childJvm);
                cmd.add("-cp");
                cmd.add(classpath);
                cmd.add(LoadChild.class.getName());
                cmd.add(Json.write(options.shareOf(i)));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
                pb.environment().putAll(environment);
                Process p = pb.start();
                children.add(p);
                int index = i;
                Thread.ofPlatform().daemon(true).name("throng-load-child-" + i)
                        .start(() -> follow(p, index, latest, results, started, ready, done));
            }
            // Starting dozens of JVMs at once on two cores takes a while: two seconds each.
            long startDeadline = System.nanoTime() + (long) ((60 + 2.0 * n) * 1e9);
            while (!started.await(1, TimeUnit.SECONDS)) {
                if (System.nanoTime() > startDeadline) {
                    throw new IOException("load processes not started in time");
                }
            }
            tell(children, "ramp");
            long connectDeadline = System.nanoTime() + (long) ((options.connectTimeoutSeconds() + 60
                    + (options.rate() > 0 ? options.conns() / options.rate() : 0)) * 1e9);
            while (!ready.await(1, TimeUnit.SECONDS)) {
                emit(progress, latest);
                if (System.nanoTime() > connectDeadline) {
                    throw new IOException("load processes not ready in time");
                }
            }
            tell(children, "go");
            BroadcastPublisher.Publication publication = null;
            long runDeadline = System.nanoTime()
                    + (long) ((options.warmupSeconds() + options.durationSeconds() + options.drainSeconds() + 60) * 1e9);
            if (options.mode() == LoadMode.WS_BROADCAST) {
                if (options.ws().holdSeconds() > 0) {
                    // each child holds, then drains its pings; publish once all of them are through
                    awaitPhase(LoadStats.Phase.BROADCASTING.name().toLowerCase(Locale.ROOT), children, latest, progress, System.nanoTime()
                            + (long) ((options.ws().holdSeconds() + options.drainSeconds() + 60) * 1e9));
                }
                long[] lastEmit = {System.nanoTime()};
                publication = BroadcastPublisher.run(options, () -> {
                    if (System.nanoTime() - lastEmit[0] >= 1_000_000_000L) {
                        lastEmit[0] = System.nanoTime();
                        emit(progress, latest);
                    }
                });
                long settle = System.nanoTime() + (long) (options.ws().deliveryTimeoutSeconds() * 1e9);
                while (!done.await(Math.max(1, Math.min(1_000_000_000L, settle - System.nanoTime())), TimeUnit.NANOSECONDS)
                        && System.nanoTime() - settle < 0) {
                    emit(progress, latest);
                }
                tell(children, "stop");
                // each child still drains its pings (up to drainSeconds) and reports; on a saturated
                // machine (a million subscribers here) that took over a minute
                runDeadline = System.nanoTime() + (long) ((options.drainSeconds() + 120) * 1e9);
            }
            while (!done.await(1, TimeUnit.SECONDS)) {
                emit(progress, latest);
                if (System.nanoTime() > runDeadline) {
                    throw new IOException("load processes did not finish in time");
                }
            }
            emit(progress, latest);
            List<LoadResult> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                LoadResult r = results.get(i);
                if (r == null) {
                    throw new IOException("load process " + i + " ended without a result (exit "
                            + children.get(i).waitFor() + ")");
                }
                all.add(r);
            }
            LoadResult merged = merge(options, all);
            if (publication == null) {
                return merged;
            }
            // the parent's clock started each round: the reference for the time to the last subscriber
            WsReport ws = merged.ws();
            return merged.withWs(ws.withBroadcast(ws.broadcast().published(publication)));
        } finally {
            for (Process p : children) {
                try {
                    p.getOutputStream().close();
                } catch (IOException e) {
                    // it had ended already (a line written to it was left unflushed)
                }
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** A line to every child still running (one that has finished has closed its end: ignored). */
    private static void tell(List<Process> children, String line) {
        for (Process p : children) {
            if (!p.isAlive()) {
                continue;
            }
            try {
                OutputStream in = p.getOutputStream();
                in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                in.flush();
            } catch (IOException e) {
                // the child is gone already
            }
        }
    }

    /**
     * Waits until every child still running reports {@code phase}, or the deadline passes (then the
     * run goes on: what the children count tells what went wrong).
     */
    private static void awaitPhase(String phase, List<Process> children, AtomicReferenceArray<Progress> latest,
                                   Consumer<Progress> progress, long deadline) throws InterruptedException {
        long lastEmit = System.nanoTime();
        while (System.nanoTime() - deadline < 0) {
            boolean all = true;
            for (int i = 0; i < children.size() && all; i++) {
                Progress p = latest.get(i);
                all = !children.get(i).isAlive() || p != null && phase.equals(p.phase());
            }
            if (all) {
                emit(progress, latest);
                return;
            }
            Thread.sleep(100);
            if (System.nanoTime() - lastEmit >= 1_000_000_000L) {
                lastEmit = System.nanoTime();
                emit(progress, latest);
            }
        }
    }

    private static void follow(Process p, int index, AtomicReferenceArray<Progress> latest,
                               AtomicReferenceArray<LoadResult> results, CountDownLatch started, CountDownLatch ready,
                               CountDownLatch done) {
        boolean wasStarted = false;
        boolean wasReady = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode node = Json.mapper().readTree(line);
                if (node.has("progress")) {
                    latest.set(index, Json.mapper().treeToValue(node.get("progress"), Progress.class));
                } else if (node.has("started")) {
                    wasStarted = true;
                    started.countDown();
                } else if (node.has("ready")) {
                    wasReady = true;
                    ready.countDown();
                } else if (node.has("result")) {
                    results.set(index, Json.mapper().treeToValue(node.get("result"), LoadResult.class));
                }
            }
        } catch (IOException e) {
            // the child is gone; the parent reports the missing result
        } finally {
            if (!wasStarted) {
                started.countDown();
            }
            if (!wasReady) {
                ready.countDown();
            }
            done.countDown();
        }
    }

    private static void emit(Consumer<Progress> sink, AtomicReferenceArray<Progress> latest) {
        List<Progress> all = new ArrayList<>();
        for (int i = 0; i < latest.length(); i++) {
            if (latest.get(i) != null) {
                all.add(latest.get(i));
            }
        }
        if (all.isEmpty()) {
            return;
        }
        String phase = all.getFirst().phase();
        for (Progress p : all) {
            if (!"stopping".equals(p.phase())) {
                phase = p.phase(); // stopping only once every process is
                break;
            }
        }
        double seconds = 0;
        double p99 = 0;
        long established = 0;
        long open = 0;
        long failures = 0;
        long mismatches = 0;
        long pingFailures = 0;
        long delivered = 0;
        double perSecond = 0;
        for (Progress p : all) {
            delivered += p.delivered();
            seconds = Math.max(seconds, p.seconds());
            p99 = Math.max(p99, p.p99Micros());
            established += p.established();
            open += p.open();
            failures += p.failures();
            mismatches += p.mismatches();
            pingFailures += p.pingFailures();
            perSecond += p.perSecond();
        }
        sink.accept(new Progress(phase, seconds, established, open, failures, perSecond, p99, mismatches, pingFailures,
                delivered));
    }

    /** One result from the children's: counts summed, rates summed, histograms merged. */
    static LoadResult merge(LoadOptions options, List<LoadResult> parts) {
        Histogram h = new Histogram(100_000_000_000L, 3);
        Map<String, Long> failures = new TreeMap<>();
        long attempts = 0;
        long established = 0;
        long open = 0;
        long disconnects = 0;
        long responses = 0;
        long mismatches = 0;
        long pingFailures = 0;
        long late = 0;
        long silent = 0;
        long churned = 0;
        double connectSeconds = 0;
        double window = 0;
        double rate = 0;
        List<WsReport> ws = new ArrayList<>();
        for (LoadResult r : parts) {
            if (r.ws() != null) {
                ws.add(r.ws());
            }
            h.add(r.decodeHistogram());
            r.connectFailures().forEach((k, v) -> failures.merge(k, v, Long::sum));
            attempts += r.connectAttempts();
            established += r.established();
            open += r.openAtEnd();
            disconnects += r.disconnects();
            responses += r.responses();
            mismatches += r.mismatches();
            pingFailures += r.pingFailures();
            late += r.lateEchoes();
            silent += r.silent();
            churned += r.churned();
            connectSeconds = Math.max(connectSeconds, r.connectSeconds());
            window += r.windowSeconds() / parts.size();
            rate += r.requestsPerSecond();
        }
        return new LoadResult(options, parts.size(), attempts, established, open, disconnects, failures, connectSeconds,
                window, responses, rate, mismatches, pingFailures, late, silent, LoadResult.Latency.of(h), LoadResult.encode(h),
                ws.isEmpty() ? null : WsReport.merge(ws), churned);
    }
}
