package io.throng.bench;

import io.throng.load.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Writes a report as JSON, CSV, Markdown (shaped like the seed's table) and self-contained HTML. */
public final class Reports {
    private Reports() {
    }

    /** Writes bench.json, bench.csv, bench.md and bench.html into {@code dir}; returns the Markdown. */
    public static String write(Results.Report report, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("bench.json"), Json.pretty(report));
        Files.writeString(dir.resolve("bench.csv"), csv(report));
        String md = markdown(report);
        Files.writeString(dir.resolve("bench.md"), md);
        Files.writeString(dir.resolve("bench.html"), Html.render(report));
        return md;
    }

    static String csv(Results.Report r) {
        StringBuilder s = new StringBuilder("connections,target,label,rounds,requests_per_second,min,max,spread,"
                + "p50_us,p99_us,p999_us,cpu_s_per_million,load_cpu_s_per_million,rss_bytes_per_conn,heap_bytes_per_conn,"
                + "mismatches,connect_failures\n");
        for (Results.Summary x : r.summary()) {
            s.append(String.format(Locale.ROOT, "%d,%s,\"%s\",%d,%.0f,%.0f,%.0f,%.3f,%.1f,%.1f,%.1f,%.3f,%.3f,%.0f,%.0f,%d,%d%n",
                    x.connections(), x.target(), x.label(), x.rounds(), x.requestsPerSecond(), x.minRequestsPerSecond(),
                    x.maxRequestsPerSecond(), x.spread(), x.p50Micros(), x.p99Micros(), x.p999Micros(),
                    x.cpuSecondsPerMillion(), x.loadCpuSecondsPerMillion(), x.rssPerConnection(), x.heapPerConnection(),
                    x.mismatches(), x.connectFailures()));
        }
        return s.toString();
    }

    static String markdown(Results.Report r) {
        StringBuilder s = new StringBuilder();
        Results.Machine m = r.machine();
        BenchOptions o = r.options();
        s.append("# throng bench\n\n");
        s.append(String.format("`%s`, started %s, took %.1f minutes.%n%n", r.command(), r.started(), r.durationSeconds() / 60));
        s.append(String.format("Machine: %d cores (%s), %.1f GiB, %s, Linux %s, JDK %s. Load and servers share these cores.%n%n",
                m.cores(), m.cpu(), m.memoryBytes() / (1024.0 * 1024 * 1024), m.os(), m.kernel(), m.jdk()));
        s.append(String.format("Load: `throng load pingpong` from one process, its engine on the %s transport: each "
                + "connection sends an 8-byte timestamp "
                + "and waits for its echo (pipeline %d, the seed's closed loop), warm-up %.0f s, window %.0f s. "
                + "Each server runs in its own JVM (`%s`), %d round%s, servers in rotated order; figures are medians, "
                + "spread = (max - min) / median. RSS and heap per connection: growth once all connections are open "
                + "(heap after a full GC). CPU: the server process's user + system time in the window per million requests "
                + "(the load process's is in the last table).%n%n",
                o.loadTransport().equals("auto") ? "auto (the engine's choice)" : o.loadTransport(),
                o.pipeline(), o.warmupSeconds(), o.windowSeconds(), String.join(" ", o.serverJvm()), o.repeat(),
                o.repeat() == 1 ? "" : "s"));
        for (int n : o.connections()) {
            s.append(String.format("## %,d connections%n%n", n));
            s.append("| server | requests/s | spread | p50 | p99 | p99.9 | CPU s / M req | RSS / conn | heap / conn |\n");
            s.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
            r.summary().stream().filter(x -> x.connections() == n)
                    .sorted(Comparator.comparingDouble(Results.Summary::requestsPerSecond).reversed())
                    .forEach(x -> s.append(String.format(Locale.ROOT, "| %s | %,.0f | %.0f%% | %s | %s | %s | %.2f | %,.0f B | %,.0f B |%s%n",
                            x.label(), x.requestsPerSecond(), x.spread() * 100, time(x.p50Micros()), time(x.p99Micros()),
                            time(x.p999Micros()), x.cpuSecondsPerMillion(), x.rssPerConnection(), x.heapPerConnection(),
                            x.mismatches() > 0 ? " **" + x.mismatches() + " wrong echoes**" : "")));
            s.append('\n');
        }
        s.append(versusNetty(r));
        s.append(versusBaseline(r));
        if (!r.rateSummary().isEmpty()) {
            s.append(String.format("## Connection rate%n%nShort connections (connect, one 8-byte exchange, close with "
                    + "SO_LINGER 0), %d at a time.%n%n", o.connrateConcurrency()));
            s.append("| server | connections/s | spread | p99 exchange |\n| --- | ---: | ---: | ---: |\n");
            for (Results.RateSummary x : r.rateSummary()) {
                s.append(String.format(Locale.ROOT, "| %s | %,.0f | %.0f%% | %s |%n", x.label(), x.connectionsPerSecond(),
                        x.spread() * 100, time(x.p99Micros())));
            }
            s.append('\n');
        }
        if (!r.unavailable().isEmpty()) {
            s.append("## Not measured here\n\n");
            r.unavailable().forEach((k, v) -> s.append("- ").append(k).append(": ").append(v).append('\n'));
            s.append('\n');
        }
        s.append("""
                ## The seed's table, for reference

                1,000,000 connections on 2 x E5-2630 v4 (40 logical cores), Go, client in 50 containers (000_*.txt):

                | model | throughput (tps) | latency |
                | --- | ---: | ---: |
                | goroutine per connection | 202,830 | 3.0 s |
                | single epoll (server + client) | 42,495 | 23 s |
                | single epoll server | 42,402 | 0.8 s |
                | multiple epoll (SO_REUSEPORT) | 197,814 | 0.9 s |
                | prefork | 444,415 | 1.5 s |
                | epoll + worker pool | 190,022 | 0.3 s |
                """);
        return s.toString();
    }

    /**
     * The best throng model on epoll (on any transport if epoll was not measured) against the Netty
     * epoll peer of the same run, per connection count, with the CPU each side spent per request
     * and the ratio those CPU figures allow on shared cores.
     */
    static String versusNetty(Results.Report r) {
        boolean epoll = r.summary().stream().anyMatch(x -> x.target().startsWith("throng/") && x.target().endsWith("/epoll"));
        List<String> rows = new ArrayList<>();
        for (int n : r.options().connections()) {
            Optional<Results.Summary> best = r.summary().stream()
                    .filter(x -> x.connections() == n && x.target().startsWith("throng/") && (!epoll || x.target().endsWith("/epoll")))
                    .max(Comparator.comparingDouble(Results.Summary::requestsPerSecond));
            Optional<Results.Summary> netty = r.summary().stream()
                    .filter(x -> x.connections() == n && x.target().equals("netty/epoll")).findFirst();
            if (best.isPresent() && netty.isPresent() && netty.get().requestsPerSecond() > 0) {
                Results.Summary t = best.get();
                Results.Summary p = netty.get();
                double load = (t.loadCpuSecondsPerMillion() + p.loadCpuSecondsPerMillion()) / 2;
                double[] paired = pairedRatios(r.cells(), t.target(), p.target(), n);
                String byRound = paired.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)",
                        Stats.median(paired), paired[0], paired[paired.length - 1]);
                rows.add(String.format(Locale.ROOT, "| %,d | %s | %,.0f | %,.0f | %.2fx | %s | %.2f / %.2f | %.2f | %s |", n,
                        t.label(), t.requestsPerSecond(), p.requestsPerSecond(), t.requestsPerSecond() / p.requestsPerSecond(),
                        byRound, t.cpuSecondsPerMillion(), p.cpuSecondsPerMillion(), load,
                        load > 0 ? String.format(Locale.ROOT, "%.2fx", cpuLimitedRatio(t.cpuSecondsPerMillion(),
                                p.cpuSecondsPerMillion(), load)) : "n/a"));
            }
        }
        if (rows.isEmpty()) {
            return "";
        }
        return "## throng against Netty epoll\n\nThe best throng model" + (epoll ? " on epoll" : "") + " at each count, as a "
                + "ratio to the Netty 4.2 epoll peer of the same run (medians). The load runs on the same cores, so each "
                + "request costs the load's CPU as well as the server's: with the cores saturated, a server that spends "
                + "S1 a request against another's S2 can be at most (S2 + L) / (S1 + L) times as fast, L being the "
                + "load's CPU a request. The last column is that ratio from the measured CPU. Each round runs the "
                + "servers one after the other, so the ratio within a round is spared the machine's drift between "
                + "rounds: the median of those, with their range, is the column after the ratio.\n\n"
                + "| connections | best throng model | requests/s | Netty epoll | ratio | round by round "
                + "| server CPU s / M req (throng / Netty) | load CPU s / M req | CPU-limited ratio |\n"
                + "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                + String.join("\n", rows) + "\n\n";
    }

    /**
     * Each throng target against the same model run from the baseline build ({@code --baseline}),
     * round by round: the before/after figures of a change, measured in one run.
     */
    static String versusBaseline(Results.Report r) {
        List<String> rows = new ArrayList<>();
        for (int n : r.options().connections()) {
            for (Target t : r.options().targets()) {
                if (!t.fromBaseline()) {
                    continue;
                }
                String current = "throng/" + t.model() + "/" + t.transport();
                Optional<Results.Summary> now = r.summary().stream()
                        .filter(x -> x.connections() == n && x.target().equals(current)).findFirst();
                Optional<Results.Summary> before = r.summary().stream()
                        .filter(x -> x.connections() == n && x.target().equals(t.id())).findFirst();
                if (now.isEmpty() || before.isEmpty() || before.get().requestsPerSecond() <= 0) {
                    continue;
                }
                Results.Summary a = now.get();
                Results.Summary b = before.get();
                double[] paired = pairedRatios(r.cells(), current, t.id(), n);
                double[] cpu = pairedCpuRatios(r.cells(), current, t.id(), n);
                rows.add(String.format(Locale.ROOT, "| %,d | %s (%s) | %,.0f | %,.0f | %s | %.2f / %.2f | %s | %,.0f / %,.0f B |",
                        n, t.model(), t.transport(), a.requestsPerSecond(), b.requestsPerSecond(), range(paired),
                        a.cpuSecondsPerMillion(), b.cpuSecondsPerMillion(), range(cpu), a.heapPerConnection(),
                        b.heapPerConnection()));
            }
        }
        if (rows.isEmpty()) {
            return "";
        }
        return "## This build against the baseline\n\nEach throng model against the same model from the baseline build "
                + "(`--baseline`), both in every round, one right after the other. Ratios are this build's over the "
                + "baseline's, per round: the median, then the range over the rounds. For CPU a ratio under 1 means this "
                + "build spends less a request.\n\n"
                + "| connections | model | requests/s | baseline | requests/s ratio by round | server CPU s / M req "
                + "(this / baseline) | CPU ratio by round | heap / conn (this / baseline) |\n"
                + "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
                + String.join("\n", rows) + "\n\n";
    }

    private static String range(double[] sorted) {
        return sorted.length == 0 ? "n/a" : String.format(Locale.ROOT, "%.3fx (%.3f-%.3f)", Stats.median(sorted), sorted[0],
                sorted[sorted.length - 1]);
    }

    /** Per round, {@code a}'s server CPU a request over {@code b}'s at {@code n} connections; sorted. */
    static double[] pairedCpuRatios(List<Results.Cell> cells, String a, String b, int n) {
        List<Double> out = new ArrayList<>();
        for (Results.Cell x : cells) {
            if (x.connections() != n || !x.target().equals(a) || x.unavailable() != null) {
                continue;
            }
            cells.stream().filter(y -> y.connections() == n && y.round() == x.round() && y.target().equals(b)
                    && y.unavailable() == null && y.cpuSecondsPerMillion() > 0)
                    .findFirst().ifPresent(y -> out.add(x.cpuSecondsPerMillion() / y.cpuSecondsPerMillion()));
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /** Per round, {@code a}'s requests/s over {@code b}'s at {@code n} connections; sorted. */
    static double[] pairedRatios(List<Results.Cell> cells, String a, String b, int n) {
        List<Double> out = new ArrayList<>();
        for (Results.Cell x : cells) {
            if (x.connections() != n || !x.target().equals(a) || x.unavailable() != null) {
                continue;
            }
            cells.stream().filter(y -> y.connections() == n && y.round() == x.round() && y.target().equals(b)
                    && y.unavailable() == null && y.requestsPerSecond() > 0)
                    .findFirst().ifPresent(y -> out.add(x.requestsPerSecond() / y.requestsPerSecond()));
        }
        return out.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }

    /**
     * The throughput ratio that CPU costs allow when server and load share saturated cores: a
     * request costs {@code server + load} of the machine's CPU, so throughput goes as its inverse.
     */
    static double cpuLimitedRatio(double serverCpu, double peerCpu, double loadCpu) {
        return (peerCpu + loadCpu) / (serverCpu + loadCpu);
    }

    static String time(double micros) {
        if (micros >= 1_000_000) {
            return String.format(Locale.ROOT, "%.2f s", micros / 1e6);
        }
        if (micros >= 1000) {
            return String.format(Locale.ROOT, "%.2f ms", micros / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f µs", micros);
    }
}
