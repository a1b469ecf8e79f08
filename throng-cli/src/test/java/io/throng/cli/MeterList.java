package io.throng.cli;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The meters a binder registers, one line each (name, tags, kind, base unit, description), to pin
 * against a list kept next to the test: dashboards and alerts are written against these. The same
 * lines as throng-metrics's MeterListTest writes.
 */
public final class MeterList {
    private MeterList() {
    }

    /** {@code binder}'s meters, sorted. */
    public static List<String> of(MeterBinder binder) {
        MeterRegistry registry = new SimpleMeterRegistry();
        binder.bindTo(registry);
        return registry.getMeters().stream().map(MeterList::line).sorted().toList();
    }

    /** The lines of resource {@code name} next to {@code test}. */
    public static List<String> pinned(Class<?> test, String name) {
        try (InputStream in = test.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name + " next to " + test.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(Meter m) {
        Meter.Id id = m.getId();
        String kind = m instanceof TimeGauge ? "time-gauge" : m instanceof Gauge ? "gauge"
                : m instanceof FunctionCounter ? "function-counter" : m instanceof Counter ? "counter"
                : m instanceof Timer ? "timer" : id.getType().name().toLowerCase(Locale.ROOT);
        String tags = id.getTags().stream().map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
        return id.getName() + "{" + tags + "} " + kind + (id.getBaseUnit() == null ? "" : " " + id.getBaseUnit())
                + ": " + id.getDescription();
    }
}
