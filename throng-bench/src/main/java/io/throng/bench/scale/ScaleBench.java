package io.throng.bench.scale;

import io.throng.bench.Machine;
import io.throng.load.CentrifugoLoad;
import io.throng.load.LoadMode;
import io.throng.load.LoadOptions;
import io.throng.load.LoadResult;
import io.throng.load.MultiProcessLoad;
import io.throng.load.Progress;
import io.throng.load.WsReport;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code throng bench --scale N}: N connections on one machine, server and load together. Fits the
 * run to the machine ({@link ScalePlan}), raises the kernel settings it needs and puts them back
 * afterwards (also on Ctrl-C), starts a prefork server with enough workers for the per-process
 * descriptor limit and enough load processes, ramps N connections at the planned rate, holds them
 * with every connection pinging, and measures from outside: the load's counts and latencies, the
 * workers' RSS and PSS, the kernel's slab and socket memory, CPU time. Optionally then runs the
 * seed's comparison at the same N: each worker model under closed-loop timestamp echoes.
 */
public final class ScaleBench {
    private final ScaleOptions options;
    private final Sysctls sysctls;
    private final Consumer<String> log;

    public ScaleBench(ScaleOptions options, Sysctls sysctls, Consumer<String> log) {
        this.options = options;
        this.sysctls = sysctls;
        this.log = log;
    }

    /** Thrown when the machine cannot be set up for the run; the message says what to do. */
    public static final class SetupException extends IOException {
        public SetupException(String message) {
            super(message);
        }
    }

    public ScaleResult run(String command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        int cores = Runtime.getRuntime().availableProcessors();
        PreforkServer.arguments(options, 1, options.workerModel(), 1, List.of()); // fails now if it cannot run
        ScalePlan plan = ScalePlan.of(options, ProcFs.openFilesHardLimit(), portRange(), cores);
        plan.notes().forEach(n -> log.accept("plan: " + n));
        long available = ProcFs.meminfo().getOrDefault("MemAvailable", -1L);
        if (available > 0 && plan.estimatedMemoryBytes() > available) {
            log.accept(String.format("WARNING: this run needs roughly %.1f GiB; %.1f GiB is available",
                    gib(plan.estimatedMemoryBytes()), gib(available)));
        }

        Sysctls.Outcome outcome = sysctls.apply(plan.requirements());
        outcome.fine().forEach(f -> log.accept("kernel: " + f + " (enough)"));
        outcome.changes().forEach(c -> log.accept("kernel: " + c.name() + " " + c.before() + " -> " + c.after()
                + " for this run (restored at the end): " + c.why()));
        outcome.absent().forEach(a -> log.accept("kernel: no " + a + " here (nothing to set)"));
        AtomicBoolean restored = new AtomicBoolean();
        List<String> restoreFailures = new CopyOnWriteArrayList<>();
        Runnable restore = () -> {
            if (restored.compareAndSet(false, true) && !outcome.changes().isEmpty()) {
                for (Sysctls.Change c : outcome.changes()) {
                    if (c.name().equals(CONNTRACK_MAX)) {
                        // Closed connections stay tracked for two minutes (TIME_WAIT); a smaller table
                        // now would drop other programs' new connections until they expire.
                        awaitConntrackBelow(Long.parseLong(c.before()) * 9 / 10);
                    }
                }
                restoreFailures.addAll(sysctls.restore(outcome.changes()));
                log.accept(restoreFailures.isEmpty() ? "kernel: settings restored"
                        : "kernel: could not restore " + restoreFailures);
            }
        };
        Thread hook = new Thread(() -> {
            // Stopped by a signal: stop the server and the load processes this run started, then restore.
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
            restore.run();
        }, "scale-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (!outcome.shortfalls().isEmpty()) {
                throw new SetupException(Sysctls.explain(outcome.shortfalls()));
            }
            List<String> workerJvm = new ArrayList<>(options.workerJvm());
            workerJvm.addAll(LeanJvm.aotCache(System.getProperty("java.class.path"), options.workerJvm(),
                    options.serverMain(), log));
            HoldOutcome held = hold(plan, workerJvm);
            List<ScaleResult.Comparison> comparison = new ArrayList<>();
            for (String model : options.compareModels()) {
                comparison.add(compare(plan, model));
            }
            restore.run();
            return new ScaleResult(command, started, (System.nanoTime() - t0) / 1e9, Machine.describe(), options, plan,
                    outcome, List.copyOf(restoreFailures), workerJvm, held.hold(), held.memory(), held.cpu(),
                    held.broadcast(),
                    comparison, held.timeline(), held.serverLog(), held.failures());
        } finally {
            restore.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs (or ran) anyway
            }
        }
    }

    private static final String CONNTRACK_MAX = "net.netfilter.nf_conntrack_max";
    private static final String CONNTRACK_COUNT = "net.netfilter.nf_conntrack_count";
    /** Entries of closed connections expire after 120 s (TIME_WAIT); wait a little longer at most. */
    private static final long CONNTRACK_DRAIN_MILLIS = 180_000;

    /**
     * Waits (up to three minutes) until the connection-tracking table has room for {@code needed}
     * more entries: the previous run's closed connections are still tracked for two minutes.
     */
    private void awaitConntrackRoom(long needed) {
        String max = sysctls.read(CONNTRACK_MAX);
        if (max != null) {
            awaitConntrackBelow(Long.parseLong(max) - needed);
        }
    }

    private void awaitConntrackBelow(long limit) {
        long deadline = System.currentTimeMillis() + CONNTRACK_DRAIN_MILLIS;
        boolean said = false;
        for (String count; (count = sysctls.read(CONNTRACK_COUNT)) != null && Long.parseLong(count) > limit; ) {
            if (System.currentTimeMillis() > deadline) {
                log.accept("kernel: conntrack still holds " + count + " entries; going on");
                return;
            }
            if (!said) {
                log.accept(String.format("kernel: waiting for closed connections to leave the conntrack table "
                        + "(%s entries, waiting for %,d or fewer)", count, Math.max(0, limit)));
                said = true;
            }
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private record HoldOutcome(ScaleResult.Hold hold, ScaleResult.Memory memory, ScaleResult.Cpu cpu,
                               ScaleResult.Broadcast broadcast, List<ScaleResult.Sample> timeline, List<String> serverLog,
                               List<String> failures) {
    }

    /** The channel every subscriber of a WebSocket run is on. */
    static final String CHANNEL = "scale";
    /** Payload of each broadcast (the 64 bytes). */
    static final int BROADCAST_BYTES = 64;
    /** A broadcast not complete this long after its publish has missed someone. */
    static final double DELIVERY_TIMEOUT_SECONDS = 60;

    /**
     * Seconds from one broadcast to the next: 100 µs a subscriber (at least 5 s), so that one
     * broadcast has ended before the next starts: 100 s at a million. A broadcast here costs ~35 µs
     * of CPU a subscriber at 100,000 and ~110 µs at a million on both ends together, on two cores
     * (docs/scale.md); at 60 µs the warm-up broadcast to a million (90 s) outlasted the spacing.
     */
    static double broadcastInterval(int subscribers) {
        return Math.max(5, Math.ceil(subscribers * 100e-6));
    }

    /**
     * The load of the hold. TCP: every connection pings (an 8-byte timestamp, echoed). WebSocket:
     * every subscriber of one channel pings with ping frames through the hold; then the pings stop
     * and are drained, and the parent publishes three 64-byte messages to the channel (the first a
     * warm-up), {@link #broadcastInterval} apart, each timed until every subscriber has it. The hold
     * and the broadcasts are judged apart: a broadcast to a million saturates both cores for tens
     * of seconds, and pings queued behind it would fail for a reason that is not the hold's.
     */
    LoadOptions loadOptions(ScalePlan plan, int port) {
        LoadOptions base = switch (options.protocol()) {
            case TCP -> LoadOptions.defaults(LoadMode.HOLD).withTarget("127.0.0.1", port);
            case WS -> {
                LoadOptions o = LoadOptions.defaults(LoadMode.WS_BROADCAST);
                if (options.centrifugoSecretFile() != null) {
                    o = o.withWs(o.ws().withCentrifugo(new CentrifugoLoad(CHANNEL, options.centrifugoSecretFile(), null)))
                            .withUrl("ws://127.0.0.1:" + port + CentrifugoLoad.ENDPOINT);
                } else {
                    o = o.withUrl("ws://127.0.0.1:" + port + "/sub/" + CHANNEL);
                }
                yield o.withWs(o.ws().withMessages(2, 1).withMessageBytes(BROADCAST_BYTES)
                        .withInterval(broadcastInterval(plan.connections())).withDeliveryTimeout(DELIVERY_TIMEOUT_SECONDS)
                        .withHoldFirst(plan.holdSeconds()));
            }
        };
        return base.withConns(plan.connections()).withProcs(plan.loadProcs()).withSrcIps(plan.srcIps())
                .withRate(plan.rate()).withPingInterval(plan.pingInterval()).withQuietRamp(true)
                .withTiming(0, plan.holdSeconds())
.withLoops(1).withConnectTimeout(options.connectTimeoutSeconds())
                .withTransport(io.throng.core.config.TransportKind.parse(options.loadTransport()));
    }

    /**
     * The pings' round trips: a TCP hold's latencies, or a WebSocket run's pings (its latencies are
     * the broadcasts' deliveries, reported per broadcast).
     */
    static LoadResult.Latency pingRoundTrips(LoadResult r) {
        if (r.ws() == null || r.ws().broadcast() == null) {
            return r.latency();
        }
        return r.ws().pingLatency() != null ? r.ws().pingLatency() : new LoadResult.Latency(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** The broadcasts of a WebSocket hold, the slowest measured one on top. */
    static ScaleResult.Broadcast broadcast(LoadResult r) {
        if (r.ws() == null || r.ws().broadcast() == null) {
            return new ScaleResult.Broadcast(r.established(), 0, -1, -1, -1, 0, List.of());
        }
        WsReport.BroadcastReport b = r.ws().broadcast();
        List<ScaleResult.BroadcastRound> rounds = new ArrayList<>();
        ScaleResult.BroadcastRound worst = null;
        for (WsReport.Round x : b.rounds()) {
            ScaleResult.BroadcastRound round = new ScaleResult.BroadcastRound(x.warmup(), x.expected(), x.delivered(),
                    x.timeToLastMicros() / 1e6, x.p50Micros() / 1e6, x.p99Micros() / 1e6);
            rounds.add(round);
            if (!round.warmup() && (worst == null || round.delivered() < worst.delivered()
                    || round.delivered() == worst.delivered() && round.lastDeliverySeconds() > worst.lastDeliverySeconds())) {
                worst = round;
            }
        }
        if (worst == null) {
            return new ScaleResult.Broadcast(r.established(), 0, -1, -1, -1, b.duplicates(), rounds);
        }
        return new ScaleResult.Broadcast(worst.subscribers(), worst.delivered(), worst.lastDeliverySeconds(),
                worst.p50Seconds(), worst.p99Seconds(), b.duplicates(), rounds);
    }

    static List<String> broadcastFailures(LoadResult r, ScaleResult.Broadcast b) {
        List<String> f = new ArrayList<>();
        WsReport.BroadcastReport report = r.ws() == null ? null : r.ws().broadcast();
        if (report == null || b.rounds().stream().noneMatch(x -> !x.warmup())) {
            f.add("no broadcast was measured" + (report != null && report.publishError() != null
                    ? ": " + report.publishError() : ""));
            return f;
        }
        if (report.missed() > 0) {
            f.add(String.format("%,d broadcast deliveries missed", report.missed()));
        }
        if (report.duplicates() > 0) {
            f.add(String.format("%,d broadcast deliveries duplicated", report.duplicates()));
        }
        if (report.publishError() != null) {
            f.add("publishing failed: " + report.publishError());
        }
        return f;
    }

    /** The hold: server up, idle reading, load ramped and held while sampling, then the figures. */
    private HoldOutcome hold(ScalePlan plan, List<String> workerJvm) throws IOException, InterruptedException {
        int n = plan.connections();
        boolean ws = options.protocol() == ScaleOptions.Protocol.WS;
        log.accept(String.format("starting %d server workers (%s, %s)", plan.workers(), options.workerModel(),
                options.transport()));
        // the server is told the plan's ping interval (Centrifugo's pings follow it)
        ScaleOptions serverOptions = options.withTiming(options.rate(), plan.pingInterval(), options.holdSeconds());
        try (PreforkServer server = PreforkServer.start(serverOptions, plan.workers(), options.workerModel(), workerJvm)) {
            Sampler sampler = new Sampler(server);
            // Let the workers' start-up settle: their first status lines, a GC, and one native trim
            // (TrimNativeHeapInterval=5000) give back what start-up used and freed.
            Thread.sleep(7000);
            Sampler.Reading idle = sampler.read();
            log.accept(String.format("server on 127.0.0.1:%d: %d workers, idle: RSS %s, PSS %s (%s a worker)",
                    server.port(), idle.workers(), bytes(idle.workersRss()), bytes(idle.workersPss()),
                    bytes(idle.workersPss() / Math.max(1, idle.workers()))));

            LoadOptions load = loadOptions(plan, server.port());
            log.accept(String.format("load: %d processes, %,d %s at %,.0f/s from %d source addresses, "
                            + "ping every %.0f s, hold %.0f s%s", plan.loadProcs(), n, ws ? "WebSocket subscribers"
                            : "connections", plan.rate(), plan.srcIps(), plan.pingInterval(), plan.holdSeconds(),
                    ws ? String.format("; then the pings stop and three %d-byte broadcasts to all go out, %.0f s "
                            + "apart (the first a warm-up)", BROADCAST_BYTES, broadcastInterval(n)) : ""));
            awaitConntrackRoom(n + n / 16);
            // ws-broadcast's per-second figure and p99 are the broadcasts' deliveries (pongs are counted apart)
            Watch watch = new Watch(sampler, n, log, ws ? "deliveries/s" : "pings/s");
            Thread watcher = Thread.ofPlatform().daemon(true).name("scale-sampler").start(watch);
            Sampler.Reading start = sampler.read();
            // Always in processes of their own, even one: the load's memory and CPU are measured apart.
            LoadResult r;
            String unfinished = null;
            try {
                r = MultiProcessLoad.run(load, watch.progress::set, options.loadJvm(), LeanJvm.ENVIRONMENT);
            } catch (IOException e) {
                // a report all the same, from the last progress line and the samples: it shows how far it got
                unfinished = "the load did not finish: " + e.getMessage();
                log.accept("FAILED: " + unfinished);
                r = LoadResult.unfinished(load, watch.progress.get());
            }
            Sampler.Reading end = sampler.read();
            watch.stop();
            watcher.join();
            Sampler.Reading held = watch.held != null ? watch.held : end;
            Sampler.Reading rampEnd = watch.rampEnd != null ? watch.rampEnd : start;

            // WebSocket: the load's responses and latencies are the broadcasts' deliveries; the pings
            // are its pongs, counted apart. The ramp is quiet: every ping is in the hold.
            long pongs = ws && r.ws() != null ? r.ws().pongs() : -1;
            double holdSeconds = ws ? plan.holdSeconds() : (end.nanos() - rampEnd.nanos()) / 1e9;
            ScaleResult.Hold hold = new ScaleResult.Hold(r.established(), r.openAtEnd(), r.disconnects(),
                    r.connectFailures(), r.connectSeconds(), (rampEnd.nanos() - start.nanos()) / 1e9,
                    pongs >= 0 ? pongs : r.responses(), r.pingFailures(), r.lateEchoes(), r.silent(), r.mismatches(),
                    pongs >= 0 ? pongs / Math.max(1e-9, holdSeconds)
                            : watch.holdRate() >= 0 ? watch.holdRate() : r.requestsPerSecond(),
                    pingRoundTrips(r));
            ScaleResult.Memory memory = new ScaleResult.Memory(held.workersRss(), held.workersPss(), idle.workersRss(),
                    idle.workersPss(), held.workersRss() / (double) n, held.workersPss() / (double) n,
                    (held.workersRss() - idle.workersRss()) / (double) n,
                    (held.workersPss() - idle.workersPss()) / (double) n, held.supervisorRss(), held.loadRss(),
                    held.loadPss(), held.kernel() - idle.kernel(), (held.kernel() - idle.kernel()) / (double) n,
                    held.slab() - idle.slab(), held.sunreclaim() - idle.sunreclaim(),
                    held.tcpBuffers() - idle.tcpBuffers(), held.memAvailable());
            ScaleResult.Cpu cpu = new ScaleResult.Cpu((end.nanos() - start.nanos()) / 1e9,
                    end.workersCpu() - start.workersCpu(), end.loadCpu() - start.loadCpu(),
                    end.machineBusy() - start.machineBusy(), (end.nanos() - rampEnd.nanos()) / 1e9,
                    end.workersCpu() - rampEnd.workersCpu(), end.machineBusy() - rampEnd.machineBusy());
            ScaleResult.Broadcast broadcast = ws ? broadcast(r) : null;
            List<String> failures = failures(n, r, unfinished, server.workerExits());
            if (ws) {
                failures.addAll(broadcastFailures(r, broadcast));
            }
            log.accept(failures.isEmpty() ? String.format("held %,d connections for %.0f s: every ping answered", n,
                    plan.holdSeconds()) : "FAILED: " + String.join("; ", failures));
            log.accept(String.format("memory with %,d held: workers RSS %s (%.0f B/conn), PSS %s (%.0f B/conn); "
                            + "kernel +%s (%.0f B/conn); load processes PSS %s", n, bytes(memory.workersRssBytes()),
                    memory.rssPerConnection(), bytes(memory.workersPssBytes()), memory.pssPerConnection(),
                    bytes(memory.kernelBytes()), memory.kernelPerConnection(), bytes(memory.loadPssBytes())));
            if (broadcast != null) {
                log.accept(String.format("broadcast to %,d subscribers: slowest measured one reached %,d, the last after "
                                + "%.2f s (p50 %.2f s, p99 %.2f s)", broadcast.subscribers(), broadcast.delivered(),
                        broadcast.lastDeliverySeconds(), broadcast.p50Seconds(), broadcast.p99Seconds()));
            }
            return new HoldOutcome(hold, memory, cpu, broadcast, List.copyOf(watch.timeline), server.log(), failures);
        }
    }

    /**
     * Why a hold failed, or nothing. {@code unfinished}: why the load ended without its processes'
     * results (then {@code r} holds only the counts of the last progress line), or null.
     */
    static List<String> failures(long n, LoadResult r, String unfinished, List<String> workerExits) {
        List<String> f = new ArrayList<>();
        if (unfinished != null) {
            f.add(unfinished);
        }
        if (r.established() < n) {
            f.add(String.format("established %,d of %,d", r.established(), n));
        }
        if (r.openAtEnd() < n) {
            f.add(String.format("alive at the end %,d of %,d", r.openAtEnd(), n));
        }
        if (r.connectFailureCount() > 0) {
            f.add("connect failures " + r.connectFailures());
        }
        if (r.disconnects() > 0) {
            f.add(String.format("%,d connections lost", r.disconnects()));
        }
        if (r.pingFailures() > 0) {
            f.add(String.format("%,d pings unanswered within their interval", r.pingFailures()));
        }
        if (r.silent() > 0) {
            f.add(String.format("%,d connections had no ping answered in the hold", r.silent()));
        }
        if (r.mismatches() > 0) {
            f.add(String.format("%,d wrong echoes", r.mismatches()));
        }
        if (r.responses() == 0 && unfinished == null) {
            f.add("no ping answered");
        }
        if (!workerExits.isEmpty()) {
            f.add("server workers exited: " + workerExits);
        }
        return f;
    }

    /**
     * The seed's comparison at this N for one worker model: every connection sends its timestamp
     * and waits for the echo before sending the next (not pipelined), as the seed's client did.
     * Runs with C2 (the hold's workers stop at C1 to save memory; this one measures speed).
     */
    private ScaleResult.Comparison compare(ScalePlan plan, String model) throws InterruptedException {
        int n = plan.connections();
        if (model.equals("platform-threads")) {
            return unavailable(model, "a platform thread per connection: ~40 KiB each, 1M threads pass threads-max");
        }
        log.accept(String.format("comparison: %s, %,d connections, closed-loop timestamp echo, warm-up %.0f s, window %.0f s",
                model, n, options.compareWarmupSeconds(), options.compareWindowSeconds()));
        long perConnection = model.equals("virtual-threads") ? VIRTUAL_THREAD_BYTES : EVENT_DRIVEN_BYTES;
        long available = ProcFs.meminfo().getOrDefault("MemAvailable", Long.MAX_VALUE);
        long need = plan.estimatedMemoryBytes() + n * perConnection;
        if (need > available) {
            return unavailable(model, String.format("would need ~%.1f GiB here, %.1f GiB is available", gib(need),
                    gib(available)));
        }
        List<String> jvm = LeanJvm.withHeap(LeanJvm.withC2(options.workerJvm()),
                Math.max(128, 2 * perConnection * n / plan.workers() >> 20));
        try {
            jvm.addAll(LeanJvm.aotCache(System.getProperty("java.class.path"), List.copyOf(jvm), options.serverMain(), log));
            try (PreforkServer server = PreforkServer.start(options, plan.workers(), model, jvm)) {
                Sampler sampler = new Sampler(server);
                LoadOptions load = LoadOptions.defaults(LoadMode.PINGPONG).withTarget("127.0.0.1", server.port())
                        .withConns(n).withProcs(plan.loadProcs()).withSrcIps(plan.srcIps()).withRate(plan.rate())
                        .withTiming(options.compareWarmupSeconds(), options.compareWindowSeconds()).withLoops(1)
                        .withConnectTimeout(options.connectTimeoutSeconds())
                        .withTransport(io.throng.core.config.TransportKind.parse(options.loadTransport()));
                awaitConntrackRoom(n + n / 16);
                Watch watch = new Watch(sampler, n, log, "pings/s");
                Thread watcher = Thread.ofPlatform().daemon(true).name("scale-sampler").start(watch);
                LoadResult r = MultiProcessLoad.run(load, watch.progress::set, options.loadJvm(), LeanJvm.ENVIRONMENT);
                watch.stop();
                watcher.join();
                long pss = watch.held != null ? watch.held.workersPss() : 0;
                LoadResult.Latency l = r.latency();
                log.accept(String.format("  %s: %,.0f requests/s, latency mean %s p50 %s p99 %s; established %,d%s",
                        model, r.requestsPerSecond(), seconds(l.mean()), seconds(l.p50()), seconds(l.p99()),
                        r.established(), r.mismatches() > 0 ? ", MISMATCHES " + r.mismatches() : ""));
                return new ScaleResult.Comparison(model, null, r.established(),
                        r.connectFailureCount() + r.disconnects(), r.requestsPerSecond(), l.mean(), l.p50(), l.p99(),
                        l.max(), r.mismatches(), pss);
            }
        } catch (IOException e) {
            log.accept("  " + model + " did not complete: " + e.getMessage());
            return unavailable(model, e.getMessage());
        }
    }

    /** Server memory per connection (heap and native) of a virtual-thread worker, measured (README). */
    private static final long VIRTUAL_THREAD_BYTES = 14_000;
    /** The same for the event-driven models on epoll, with room. */
    private static final long EVENT_DRIVEN_BYTES = 1_000;

    private static ScaleResult.Comparison unavailable(String model, String why) {
        return new ScaleResult.Comparison(model, why, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Samples every few seconds while the load runs: the timeline, the reading with every
     * connection open (the last one with the most open: the hold), the end of the ramp, and a
     * progress line for the log every ten seconds.
     */
    private static final class Watch implements Runnable {
        final AtomicReference<Progress> progress = new AtomicReference<>();
        final List<ScaleResult.Sample> timeline = new CopyOnWriteArrayList<>();
        private final Sampler sampler;
        private final long n;
        private final Consumer<String> log;
        private final long intervalMillis;
        private volatile boolean running = true;
        volatile Sampler.Reading held;
        volatile Sampler.Reading rampEnd;
        private long mostOpen = -1;
        private double holdRateSum;
        private int holdRateCount;

        /** Pings answered per second after the ramp (the load's own rate, averaged over the samples), or -1. */
        double holdRate() {
            return holdRateCount == 0 ? -1 : holdRateSum / holdRateCount;
        }
        private double lastProgressSeconds = -1;
        /** What the load's per-second figure counts: pings answered, or (ws-broadcast) deliveries. */
        private final String rateName;

        Watch(Sampler sampler, long n, Consumer<String> log, String rateName) {
            this.sampler = sampler;
            this.n = n;
            this.log = log;
            this.rateName = rateName;
            this.intervalMillis = n >= 100_000 ? 5000 : 1000;
        }

        void stop() {
            running = false;
        }

        @Override
        public void run() {
            long t0 = System.nanoTime();
            Sampler.Reading last = sampler.read();
            long lastLog = 0;
            while (running) {
                try {
                    Thread.sleep(intervalMillis);
                } catch (InterruptedException e) {
                    return;
                }
                Sampler.Reading r = sampler.read();
                Progress p = progress.get();
                if (p == null) {
                    last = r;
                    continue;
                }
                double busy = (r.machineBusy() - last.machineBusy()) / Math.max(1e-9, r.machineTotal() - last.machineTotal());
                double seconds = (r.nanos() - t0) / 1e9;
                timeline.add(new ScaleResult.Sample(seconds, p.established(), p.open(), p.perSecond(), p.p99Micros(),
                        r.workersRss(), r.workersPss(), r.loadRss(), r.kernel(), busy));
                if (rampEnd == null && p.established() + p.failures() >= n) {
                    rampEnd = r;
                }
                // The load processes stop reporting when their hold ends (then close everything):
                // a reading with no fresher progress is not "held" any more.
                boolean fresh = p.seconds() > lastProgressSeconds && !"stopping".equals(p.phase());
                lastProgressSeconds = Math.max(lastProgressSeconds, p.seconds());
                if (fresh && rampEnd != null && rampEnd != r) {
                    holdRateSum += p.perSecond();
                    holdRateCount++;
                }
                if (fresh && p.open() >= mostOpen && p.open() > 0) {
                    mostOpen = p.open();
                    held = r;
                }
                if (r.nanos() - lastLog >= 10_000_000_000L) {
                    lastLog = r.nanos();
                    log.accept(String.format("  %5.0fs  established %,d  open %,d  failed %,d  %s %,.0f  p99 %s  "
                                    + "ping failures %,d | workers PSS %s | kernel %s | cpu %.0f%%", seconds,
                            p.established(), p.open(), p.failures(), rateName, p.perSecond(), ScaleBench.seconds(p.p99Micros()),
                            p.pingFailures(), bytes(r.workersPss()), bytes(r.kernel()), busy * 100));
                }
                last = r;
            }
        }
    }

    private static int[] portRange() {
        String v = Sysctls.system().read(Sysctls.PORT_RANGE);
        if (v == null) {
            return null;
        }
        String[] lh = v.split(" ");
        return new int[] {Integer.parseInt(lh[0]), Integer.parseInt(lh[1])};
    }

    static String bytes(double b) {
        return b >= 1L << 30 ? String.format("%.2f GiB", b / (1L << 30)) : String.format("%.1f MiB", b / (1 << 20));
    }

    static String seconds(double micros) {
        return micros >= 1e6 ? String.format("%.2f s", micros / 1e6)
                : micros >= 1000 ? String.format("%.1f ms", micros / 1000) : String.format("%.0f us", micros);
    }

    private static double gib(long b) {
        return b / (double) (1L << 30);
    }
}
