package io.throng.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Registers a binder's gauges and function counters, each reading one figure of what its source
 * returns now (for {@link ServerMeters} and the like, the scrape's snapshot), all with the
 * binder's tags: the shape every throng binder has, written once.
 *
 * <pre>{@code
 * MeterSet<ServerStats> m = new MeterSet<>(registry, snapshots::get, tags);
 * m.counter("throng.connections.accepted", "Connections accepted", ServerStats::accepted);
 * }</pre>
 *
 * <p>Every meter holds the source strongly, through its function. Micrometer holds a meter's
 * state object weakly (a gauge reads NaN and a function counter stops counting once it is
 * collected), and a binder's source is a method reference or lambda nobody else keeps: this way
 * the meters keep working however the caller holds the binder.
 *
 * @param <S> what the source returns, e.g. {@link io.throng.core.ServerStats}
 */
public final class MeterSet<S> {
    private final MeterRegistry registry;
    private final Supplier<? extends S> source;
    private final Tags tags;

    /**
     * @param source called on every read of every meter (so it should be cheap, e.g. a snapshot
     *               taken once per scrape); never null
     * @param tags   tags for every meter
     */
    public MeterSet(MeterRegistry registry, Supplier<? extends S> source, Iterable<Tag> tags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.source = Objects.requireNonNull(source, "source");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    /** The same set with one more tag, for a family of meters split by it (closes by reason, workers by slot). */
    public MeterSet<S> tagged(String key, String value) {
        return new MeterSet<>(registry, source, tags.and(key, value));
    }

    /** A gauge: a level now (connections open, a queue's length). */
    public void gauge(String name, String description, ToDoubleFunction<? super S> figure) {
        gauge(name, null, description, figure);
    }

    /** A gauge in {@code baseUnit} (e.g. "bytes", which Prometheus appends to the name), or none if null. */
    public void gauge(String name, String baseUnit, String description, ToDoubleFunction<? super S> figure) {
        Gauge.builder(name, source, s -> figure.applyAsDouble(read())).tags(tags).baseUnit(baseUnit)
                .description(description).register(registry);
    }

    /** A gauge of a duration counted in {@code unit}; the registry shows it in its own (seconds for Prometheus). */
    public void timeGauge(String name, TimeUnit unit, String description, ToDoubleFunction<? super S> figure) {
        TimeGauge.builder(name, source, unit, s -> figure.applyAsDouble(read())).tags(tags).description(description)
                .register(registry);
    }

    /** A function counter: a count that only grows (Prometheus adds {@code _total} to the name). */
    public void counter(String name, String description, ToDoubleFunction<? super S> figure) {
        counter(name, null, description, figure);
    }

    /** A function counter in {@code baseUnit}, or none if null. */
    public void counter(String name, String baseUnit, String description, ToDoubleFunction<? super S> figure) {
        FunctionCounter.builder(name, source, s -> figure.applyAsDouble(read())).tags(tags).baseUnit(baseUnit)
                .description(description).register(registry);
    }

    /** Reads through this set, not the state Micrometer passes in: so each meter holds the source strongly. */
    private S read() {
        return source.get();
    }
}
