package io.throng.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.throng.core.CloseReason;
import io.throng.websocket.HttpResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /stats.json}: one sample of the figures the status page charts, read from the same
 * registry and the same snapshots as {@code /metrics} (the throng meters summed over every server
 * bound, the JVM's memory), plus the process's resident set. Counters are totals; the page makes
 * rates from two samples and their {@code uptime_ms}, the process's monotonic clock. Under a
 * prefork supervisor (its {@code throng.prefork.*} meters bound) the throng figures are already the
 * cluster's sums, and a {@code prefork} section adds the workers, with memory counted over every process.
 *
 * <p>{@code ?after=<uptime_ms>} (the page's previous sample's) makes the answer wait until a second
 * past that sample, so two samples are never closer than a second by this clock, whatever the
 * browser's timers do: a rate is never taken over a few milliseconds (a tab catching up on timers
 * it had throttled; a headless browser's virtual time, which fires a timer at once and, since it
 * stands still while a request is pending, then runs the page at the server's pace).
 */
final class StatusJson {
    /** The samples' spacing: 1 s, fine enough to see a burst, and one small request a second. */
    static final long INTERVAL_MS = 1000;
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private StatusJson() {
    }

    /**
     * The sample, once {@code after} (null, or the uptime_ms of the page's previous sample) is a
     * second past; never waits more than a second, so a bogus or stale {@code after} costs at most that.
     * Runs on the admin connection's virtual thread, which the wait parks.
     */
    static HttpResponse response(ThrongMetrics metrics, String after) {
        if (after != null) {
            long previous;
            try {
                previous = Long.parseLong(after);
            } catch (NumberFormatException e) {
                return AdminRoutes.error(400, "after must be a sample's uptime_ms, got " + after);
            }
            long wait = Math.min(INTERVAL_MS, previous + INTERVAL_MS - uptimeMillis());
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the admin port is closing: answer what there is
                }
            }
        }
        byte[] body = (Json.write(sample(metrics)) + "\n").getBytes(StandardCharsets.UTF_8);
        return HttpResponse.of(200, "application/json; charset=utf-8", body)
                .withHeader("X-Content-Type-Options", "nosniff").withHeader("Cache-Control", "no-store");
    }

    /** The figures now; a section whose meters are not bound (push, latency), or a lag without loops, is null or empty. */
    static Map<String, Object> sample(ThrongMetrics metrics) {
        metrics.refreshSnapshots();
        MeterRegistry r = metrics.registry();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("uptime_ms", uptimeMillis());
        m.put("version", ThrongVersion.get());
        m.put("servers", r.find("throng.connections.open").gauges().size());
        m.put("connections", gauge(r, "throng.connections.open", null));
        m.put("accepted", counter(r, "throng.connections.accepted"));
        m.put("rejected", counter(r, "throng.connections.rejected"));
        m.put("reads", counter(r, "throng.reads"));
        m.put("writes", counter(r, "throng.writes"));
        m.put("bytes_read", counter(r, "throng.data.read"));
        m.put("bytes_written", counter(r, "throng.data.written"));
        m.put("closed", closedByReason(r));
        m.put("loop_lag_ms", largestMillis(r, "throng.loop.lag"));
        m.put("loop_lag_max_ms", largestMillis(r, "throng.loop.lag.max"));
        m.put("buffers_lent", gauge(r, "throng.buffers.lent", null));
        m.put("buffers_lent_bytes", gauge(r, "throng.buffers.lent.bytes", null));
        m.put("buffer_pool_bytes", gauge(r, "throng.buffers.pool.bytes", null));
        m.put("heap_used", gauge(r, "jvm.memory.used", Tag.of("area", "heap")));
        m.put("heap_committed", gauge(r, "jvm.memory.committed", Tag.of("area", "heap")));
        m.put("heap_max", gauge(r, "jvm.memory.max", Tag.of("area", "heap")));
        m.put("rss", residentBytes());
        m.put("threads", gauge(r, "jvm.threads.live", null));
        m.put("prefork", r.find("throng.prefork.workers").gauges().isEmpty() ? null : prefork(r, m));
        m.put("push", r.find("throng.push.subscribers").gauges().isEmpty() ? null : push(r));
        m.put("latency", latency(r));
        return m;
    }

    /**
     * A prefork supervisor's section: its workers, live and asked for, restarts, and each worker's
     * latest figures. The memory figures of {@code m} (heap, RSS, threads) then become the
     * cluster's: the supervisor's own plus every running worker's, as the engine's figures are.
     */
    private static Map<String, Object> prefork(MeterRegistry r, Map<String, Object> m) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("live", gauge(r, "throng.prefork.workers", Tag.of("state", "live")));
        p.put("configured", gauge(r, "throng.prefork.workers", Tag.of("state", "configured")));
        p.put("restarts", counter(r, "throng.prefork.restarts"));
        List<Map<String, Object>> workers = new ArrayList<>();
        for (Gauge up : r.find("throng.prefork.worker.up").gauges()) {
            Tag worker = Tag.of("worker", up.getId().getTag("worker"));
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("worker", Integer.parseInt(worker.getValue()));
            w.put("up", up.value() > 0);
            w.put("connections", gauge(r, "throng.prefork.worker.connections", worker));
            w.put("rss", gauge(r, "throng.prefork.worker.rss", worker));
            w.put("heap_used", gauge(r, "throng.prefork.worker.heap.used", worker));
            w.put("report_age_ms", Math.round(1000 * Math.max(0, orZero(r, "throng.prefork.worker.report.age", worker))));
            workers.add(w);
        }
        workers.sort(java.util.Comparator.comparingInt(w -> (Integer) w.get("worker")));
        p.put("workers", workers);
        m.put("heap_used", (Long) m.get("heap_used") + gauge(r, "throng.prefork.worker.heap.used", null));
        m.put("heap_committed", (Long) m.get("heap_committed") + gauge(r, "throng.prefork.worker.heap.committed", null));
        m.put("heap_max", (Long) m.get("heap_max") + gauge(r, "throng.prefork.worker.heap.max", null));
        Long rss = (Long) m.get("rss");
        m.put("rss", (rss == null ? 0 : rss) + gauge(r, "throng.prefork.worker.rss", null));
        m.put("threads", (Long) m.get("threads") + gauge(r, "throng.prefork.worker.threads", null));
        return p;
    }

    private static double orZero(MeterRegistry r, String name, Tag tag) {
        Gauge g = r.find(name).tags(List.of(tag)).gauge();
        double v = g == null ? Double.NaN : g.value();
        return Double.isFinite(v) ? v : 0;
    }

    private static Map<String, Object> push(MeterRegistry r) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("subscribers", gauge(r, "throng.push.subscribers", null));
        p.put("channels", gauge(r, "throng.push.channels", null));
        p.put("subscriptions", gauge(r, "throng.push.subscriptions", null));
        p.put("published", counter(r, "throng.push.published"));
        p.put("delivered", counter(r, "throng.push.delivered"));
        p.put("dropped", counter(r, "throng.push.dropped"));
        p.put("slow_closes", counter(r, "throng.push.slow.closes"));
        return p;
    }

    /** Closes by reason, every reason in {@link CloseReason.Kind}'s order (zero included), summed over the servers. */
    private static Map<String, Object> closedByReason(MeterRegistry r) {
        Map<String, Object> sums = new LinkedHashMap<>();
        for (CloseReason.Kind kind : CloseReason.Kind.values()) {
            String reason = kind.name().toLowerCase(Locale.ROOT); // the tag ServerMeters gives
            double sum = 0;
            for (FunctionCounter c : r.find("throng.connections.closed").tag("reason", reason).functionCounters()) {
                sum += c.count();
            }
            sums.put(reason, Math.round(sum));
        }
        return sums;
    }

    /**
     * Every timer that publishes percentiles (an application's, on {@link ThrongMetrics#registry}),
     * in microseconds: the engine times nothing itself (that would cost the hot path), so this is
     * empty unless someone registered one.
     */
    private static List<Object> latency(MeterRegistry r) {
        List<Object> timers = new ArrayList<>();
        for (Meter meter : r.getMeters()) {
            if (!(meter instanceof Timer t)) {
                continue;
            }
            HistogramSnapshot s = t.takeSnapshot();
            if (s.percentileValues().length == 0) {
                continue;
            }
            Map<String, Object> percentiles = new LinkedHashMap<>();
            for (ValueAtPercentile v : s.percentileValues()) {
                percentiles.put("p" + percentileName(v.percentile()), Math.round(v.value(TimeUnit.MICROSECONDS)));
            }
            StringBuilder tags = new StringBuilder();
            for (Tag tag : t.getId().getTags()) {
                tags.append(tags.isEmpty() ? "" : ",").append(tag.getKey()).append('=').append(tag.getValue());
            }
            Map<String, Object> timer = new LinkedHashMap<>();
            timer.put("name", t.getId().getName());
            timer.put("tags", tags.toString());
            timer.put("count", s.count());
            timer.put("percentiles_us", percentiles);
            timers.add(timer);
        }
        return timers;
    }

    /** 0.5 -> "50", 0.99 -> "99", 0.999 -> "99.9". */
    static String percentileName(double q) {
        return BigDecimal.valueOf(q).movePointRight(2).stripTrailingZeros().toPlainString();
    }

    /** The sum over every meter of {@code name} (with {@code tag}, if given): one per server bound. */
    private static long gauge(MeterRegistry r, String name, Tag tag) {
        double sum = 0;
        for (Gauge g : (tag == null ? r.find(name) : r.find(name).tags(List.of(tag))).gauges()) {
            double v = g.value();
            if (Double.isFinite(v) && v > 0) { // a max that is undefined reads -1
                sum += v;
            }
        }
        return Math.round(sum);
    }

    /**
     * The largest of {@code name}'s time gauges over the servers (a lag is as bad as the worst loop's,
     * not a sum), in milliseconds to the microsecond; null when no server has event loops.
     */
    private static Double largestMillis(MeterRegistry r, String name) {
        double max = Double.NaN;
        for (TimeGauge g : r.find(name).timeGauges()) {
            double v = g.value(TimeUnit.MILLISECONDS);
            if (Double.isFinite(v) && (Double.isNaN(max) || v > max)) {
                max = v;
            }
        }
        return Double.isNaN(max) ? null : Math.round(max * 1000) / 1000.0;
    }

    private static long counter(MeterRegistry r, String name) {
        double sum = 0;
        for (FunctionCounter c : r.find(name).functionCounters()) {
            sum += c.count();
        }
        return Math.round(sum);
    }

    /** Milliseconds since the JVM started, by its monotonic clock. */
    static long uptimeMillis() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    /**
     * The resident set (VmRSS of /proc/self/status, a few hundred bytes to read), or null where
     * there is no procfs: what the machine gives the process, heap, native buffers and all.
     */
    static Long residentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).strip();
                    return Long.parseLong(kb.substring(0, kb.indexOf(' '))) * 1024; // "123456 kB"
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or a format this does not know: the page shows no RSS
        }
        return null;
    }
}
