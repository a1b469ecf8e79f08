package io.throng.bench;

import io.throng.load.LoadMode;
import io.throng.load.LoadOptions;
import io.throng.load.LoadResult;
import io.throng.load.LoadRun;
import io.throng.load.Progress;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs the benchmark: every (server, connection count) cell once per round, each server in a fresh
 * process, the load from this process through {@link LoadRun}. Rounds rotate the order of the
 * servers so that none always runs first (or right after a heavy one): on two shared cores one cell
 * can move 30% between runs, so the report gives medians and spreads, never one run.
 */
public final class Bench {
    private final BenchOptions options;
    private final Consumer<String> log;
    private final Map<String, String> unavailable = new LinkedHashMap<>();

    public Bench(BenchOptions options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    public Results.Report run(String command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        String started = Instant.now().toString();
        List<Results.Cell> cells = new ArrayList<>();
        List<Results.RateCell> rates = new ArrayList<>();
        List<Target> targets = options.targets();
        List<Target> rateTargets = options.rateTargets();
        int total = options.repeat() * (options.connections().size() * targets.size() + (options.connrate() ? rateTargets.size() : 0));
        int done = 0;
        for (int round = 1; round <= options.repeat(); round++) {
            for (int n : options.connections()) {
                for (Target t : rotated(targets, round + n)) {
                    log.accept(String.format("[%d/%d] round %d, %,d connections: %s", ++done, total, round, n, t.label()));
                    cells.add(pingPong(t, n, round));
                }
            }
            if (options.connrate()) {
                for (Target t : rotated(rateTargets, round)) {
                    log.accept(String.format("[%d/%d] round %d, connection rate: %s", ++done, total, round, t.label()));
                    rates.add(connRate(t, round));
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Results.Report(command, started, seconds, Machine.describe(), options, cells, rates,
                summarize(cells), summarizeRates(rates), unavailable);
    }

    private static List<Target> rotated(List<Target> targets, int by) {
        List<Target> r = new ArrayList<>(targets.size());
        int k = Math.floorMod(by, targets.size());
        r.addAll(targets.subList(k, targets.size()));
        r.addAll(targets.subList(0, k));
        return r;
    }

    private Results.Cell pingPong(Target t, int n, int round) throws IOException, InterruptedException {
        if (unavailable.containsKey(t.id())) {
            return unavailableCell(t, n, round, unavailable.get(t.id()));
        }
        try (ServerProcess server = ServerProcess.start(t, options.serverJvm())) {
            if (server.unavailable() != null) {
                unavailable.put(t.id(), server.unavailable());
                log.accept("  unavailable here: " + server.unavailable());
                return unavailableCell(t, n, round, server.unavailable());
            }
            Thread.sleep(300);
            long heap0 = server.heapUsedAfterGc();
            long rss0 = server.rssBytes();
            LoadOptions o = LoadOptions.defaults(LoadMode.PINGPONG).withTarget("127.0.0.1", server.port())
                    .withTransport(io.throng.core.config.TransportKind.parse(options.loadTransport())).withConns(n)
                    .withPipeline(options.pipeline()).withTiming(options.warmupSeconds(), options.windowSeconds());
            double[] cpu = new double[2];
            double[] loadCpu = new double[2];
            LoadResult r;
            try (LoadRun run = new LoadRun(o, quiet())) {
                run.connect();
                Thread.sleep(200);
                long heap1 = server.heapUsedAfterGc();
                long rss1 = server.rssBytes();
                r = run.measure(new LoadRun.WindowListener() {
                    @Override
                    public void windowStarted() {
                        cpu[0] = cpuOf(server);
                        loadCpu[0] = ownCpuSeconds();
                    }

                    @Override
                    public void windowEnded() {
                        cpu[1] = cpuOf(server);
                        loadCpu[1] = ownCpuSeconds();
                    }
                });
                double cpuPerMillion = r.responses() == 0 ? 0 : (cpu[1] - cpu[0]) / r.responses() * 1e6;
                double loadCpuPerMillion = r.responses() == 0 ? 0 : (loadCpu[1] - loadCpu[0]) / r.responses() * 1e6;
                LoadResult.Latency l = r.latency();
                log.accept(String.format("  %,.0f req/s  p50 %s  p99 %s  cpu %.2f s/M req (load %.2f)  rss %,.0f B/conn  heap %,.0f B/conn%s",
                        r.requestsPerSecond(), us(l.p50()), us(l.p99()), cpuPerMillion, loadCpuPerMillion, (rss1 - rss0) / (double) n,
                        (heap1 - heap0) / (double) n, r.mismatches() > 0 ? "  MISMATCHES " + r.mismatches() : ""));
                return new Results.Cell(t.id(), n, round, null, r.requestsPerSecond(), l.p50(), l.p90(), l.p99(),
                        l.p999(), l.max(), cpuPerMillion, loadCpuPerMillion, (rss1 - rss0) / (double) n, (heap1 - heap0) / (double) n,
                        r.connectSeconds(), r.established(), r.connectFailureCount(), r.mismatches(), r.disconnects());
            }
        }
    }

    private Results.RateCell connRate(Target t, int round) throws IOException, InterruptedException {
        if (unavailable.containsKey(t.id())) {
            return new Results.RateCell(t.id(), round, unavailable.get(t.id()), 0, 0, 0, 0);
        }
        try (ServerProcess server = ServerProcess.start(t, options.serverJvm())) {
            if (server.unavailable() != null) {
                unavailable.put(t.id(), server.unavailable());
                return new Results.RateCell(t.id(), round, server.unavailable(), 0, 0, 0, 0);
            }
            Thread.sleep(300);
            LoadOptions o = LoadOptions.defaults(LoadMode.CONNRATE).withTarget("127.0.0.1", server.port())
                    .withTransport(io.throng.core.config.TransportKind.parse(options.loadTransport()))
                    .withConcurrency(options.connrateConcurrency()).withLinger0(true)
                    .withTiming(Math.min(1, options.warmupSeconds()), Math.min(options.windowSeconds(), 5));
            try (LoadRun run = new LoadRun(o, quiet())) {
                LoadResult r = run.run();
                log.accept(String.format("  %,.0f connections/s  p99 %s%s", r.requestsPerSecond(), us(r.latency().p99()),
                        r.connectFailureCount() > 0 ? "  connect failures " + r.connectFailures() : ""));
                return new Results.RateCell(t.id(), round, null, r.requestsPerSecond(), r.latency().p99(),
                        r.connectFailureCount(), r.mismatches());
            }
        }
    }

    private static Consumer<Progress> quiet() {
        return p -> { };
    }

    private static double cpuOf(ServerProcess server) {
        try {
            return server.cpuSeconds();
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    /** This process's CPU time (user + system, every thread): the load's, since the load runs here. */
    private static double ownCpuSeconds() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    private static String us(double micros) {
        return micros >= 1000 ? String.format("%.2f ms", micros / 1000) : String.format("%.0f us", micros);
    }

    private static Results.Cell unavailableCell(Target t, int n, int round, String why) {
        return new Results.Cell(t.id(), n, round, why, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    private List<Results.Summary> summarize(List<Results.Cell> cells) {
        List<Results.Summary> out = new ArrayList<>();
        for (int n : options.connections()) {
            for (Target t : options.targets()) {
                List<Results.Cell> mine = cells.stream()
                        .filter(c -> c.target().equals(t.id()) && c.connections() == n && c.unavailable() == null).toList();
                if (mine.isEmpty()) {
                    continue;
                }
                double[] rps = mine.stream().mapToDouble(Results.Cell::requestsPerSecond).sorted().toArray();
                double median = Stats.median(rps);
                out.add(new Results.Summary(t.id(), t.label(), n, mine.size(), median, rps[0], rps[rps.length - 1],
                        median == 0 ? 0 : (rps[rps.length - 1] - rps[0]) / median,
                        Stats.median(mine, Results.Cell::p50Micros), Stats.median(mine, Results.Cell::p99Micros),
                        Stats.median(mine, Results.Cell::p999Micros), Stats.median(mine, Results.Cell::cpuSecondsPerMillion),
                        Stats.median(mine, Results.Cell::loadCpuSecondsPerMillion),
                        Stats.median(mine, Results.Cell::rssPerConnection), Stats.median(mine, Results.Cell::heapPerConnection),
                        mine.stream().mapToLong(Results.Cell::mismatches).sum(),
                        mine.stream().mapToLong(Results.Cell::connectFailures).sum()));
            }
        }
        return out;
    }

    private List<Results.RateSummary> summarizeRates(List<Results.RateCell> rates) {
        List<Results.RateSummary> out = new ArrayList<>();
        for (Target t : options.targets()) {
            List<Results.RateCell> mine = rates.stream()
                    .filter(c -> c.target().equals(t.id()) && c.unavailable() == null).toList();
            if (mine.isEmpty()) {
                continue;
            }
            double[] cps = mine.stream().mapToDouble(Results.RateCell::connectionsPerSecond).sorted().toArray();
            double median = Stats.median(cps);
            out.add(new Results.RateSummary(t.id(), t.label(), mine.size(), median,
                    median == 0 ? 0 : (cps[cps.length - 1] - cps[0]) / median,
                    Stats.median(mine, Results.RateCell::p99Micros)));
        }
        out.sort(Comparator.comparingDouble(Results.RateSummary::connectionsPerSecond).reversed());
        return out;
    }
}
