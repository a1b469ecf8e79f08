package io.throng.metrics;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The meters of one process in a Prometheus registry: the JVM's and the process's (memory, GC,
 * threads, CPU, open files, uptime) and whatever throng binders are added, scraped as Prometheus
 * text or OpenMetrics. The admin port serves {@link #scrape}; an application with a registry of
 * its own binds {@link ServerMeters} to that instead. Thread-safe.
 */
public final class ThrongMetrics implements AutoCloseable {
    /** The Prometheus text format, version 0.0.4: what every scraper reads. */
    public static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0, for a scraper that asks for it (Prometheus does, first). */
    public static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final List<SnapshotMeters> snapshotMeters = new CopyOnWriteArrayList<>();

    private ThrongMetrics(PrometheusMeterRegistry registry, JvmGcMetrics gc) {
        this.registry = registry;
        this.gc = gc;
    }

    /** A registry with the JVM's and the process's meters. */
    public static ThrongMetrics withJvm() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        // a server that holds many connections runs out of descriptors before anything else
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return new ThrongMetrics(registry, gc);
    }

    /** Adds {@code binder}'s meters; a {@link SnapshotMeters} is refreshed before every scrape. */
    public ThrongMetrics bind(MeterBinder binder) {
        binder.bindTo(registry);
        if (binder instanceof SnapshotMeters s) {
            snapshotMeters.add(s);
        }
        return this;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** A scrape's body and its media type. */
    public record Scrape(String contentType, byte[] body) {
    }

    /**
     * Every meter now, as OpenMetrics if {@code accept} (a request's Accept header, or null) asks
     * for it, else as Prometheus text 0.0.4.
     */
    public Scrape scrape(String accept) {
        refreshSnapshots();
        String type = wantsOpenMetrics(accept) ? OPENMETRICS : TEXT_004;
        return new Scrape(type, registry.scrape(type).getBytes(StandardCharsets.UTF_8));
    }

    /** New snapshots for every {@link SnapshotMeters}, so that what is read next is no older than now. */
    void refreshSnapshots() {
        for (SnapshotMeters s : snapshotMeters) {
            s.refresh();
        }
    }

    /** Whether an Accept header lists OpenMetrics without refusing it ({@code q=0}). */
    static boolean wantsOpenMetrics(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            if (!parts[0].strip().equalsIgnoreCase("application/openmetrics-text")) {
                continue;
            }
            boolean refused = false;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip().toLowerCase(Locale.ROOT);
                if (p.startsWith("q=")) {
                    try {
                        refused = Double.parseDouble(p.substring(2)) <= 0;
                    } catch (NumberFormatException e) {
                        refused = true; // a malformed weight: fall back to the format everyone reads
                    }
                }
            }
            if (!refused) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        gc.close(); // its GC notification listeners
        registry.close();
    }
}
