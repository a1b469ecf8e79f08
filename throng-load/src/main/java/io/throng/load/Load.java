package io.throng.load;

import java.io.IOException;
import java.util.function.Consumer;

/** The entry point: a run in this process, or split over {@link LoadOptions#procs()} processes. */
public final class Load {
    private Load() {
    }

    public static LoadResult run(LoadOptions options, Consumer<Progress> progress) throws IOException, InterruptedException {
        if (options.procs() > 1) {
            return MultiProcessLoad.run(options, progress);
        }
        try (LoadRun run = new LoadRun(options, progress)) {
            return run.run();
        }
    }

    /** A human summary of a result: what was asked, what happened, the percentiles. */
    public static String summary(LoadResult r) {
        LoadOptions o = r.options();
        if (o.mode().webSocket()) {
            return WsSummary.of(r);
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format("throng load %s against %s:%d, %d process%s%s%n", o.mode(), o.host(), o.port(),
                r.processes(), r.processes() == 1 ? "" : "es", o.tls().enabled() ? ", TLS " + o.tls().describe() : ""));
        switch (o.mode()) {
            case PINGPONG -> s.append(String.format("  %,d connections, pipeline %d, warm-up %.0fs, window %.1fs%n",
                    o.conns(), o.pipeline(), o.warmupSeconds(), r.windowSeconds()));
            case CONNRATE -> s.append(String.format("  concurrency %d%s, warm-up %.0fs, window %.1fs%n",
                    o.concurrency(), o.linger0() ? ", SO_LINGER 0" : "", o.warmupSeconds(), r.windowSeconds()));
            case HOLD -> s.append(String.format("  %,d connections at %s/s, ping every %.1fs, held %.1fs%s%n",
                    o.conns(), o.rate() > 0 ? String.format("%,.0f", o.rate()) : "max", o.pingInterval(), r.windowSeconds(),
                    o.churn() > 0 ? String.format(", churn %,.1f/s", o.churn()) : ""));
            default -> throw new IllegalStateException(o.mode().id());
        }
        if (o.mode() != LoadMode.CONNRATE) {
            s.append(String.format("  established %,d of %,d in %.2fs; open at the end %,d; lost %,d%s%n", r.established(),
                    r.connectAttempts(), r.connectSeconds(), r.openAtEnd(), r.disconnects(),
                    r.churned() > 0 || o.churn() > 0 ? String.format("; churned %,d (closed by us, others opened)", r.churned()) : ""));
        } else {
            s.append(String.format("  connections attempted %,d, established %,d%n", r.connectAttempts(), r.established()));
        }
        if (!r.connectFailures().isEmpty()) {
            s.append("  connect failures: ").append(r.connectFailures()).append('\n');
        }
        String unit = switch (o.mode()) {
            case PINGPONG -> "requests/s";
            case CONNRATE -> "connections/s";
            case HOLD -> "pings/s";
            default -> throw new IllegalStateException(o.mode().id());
        };
        s.append(String.format("  %,.0f %s (%,d in the window); mismatches %d", r.requestsPerSecond(), unit,
                r.responses(), r.mismatches()));
        if (o.mode() == LoadMode.HOLD) {
            s.append(String.format("; pings answered %,d, failed %,d", r.responses(), r.pingFailures()));
            if (r.lateEchoes() > 0) {
                s.append(String.format(" (%,d of them answered late)", r.lateEchoes()));
            }
            s.append(String.format("; connections with no ping answered %,d", r.silent()));
        }
        s.append('\n');
        s.append(latencyLine("latency", r.latency()));
        return s.toString();
    }

    static String latencyLine(String what, LoadResult.Latency l) {
        return String.format("  %s: p50 %s  p90 %s  p99 %s  p99.9 %s  p99.99 %s  max %s  (mean %s, n=%,d)%n", what,
                Progress.micros(l.p50()), Progress.micros(l.p90()), Progress.micros(l.p99()), Progress.micros(l.p999()),
                Progress.micros(l.p9999()), Progress.micros(l.max()), Progress.micros(l.mean()), l.count());
    }
}
