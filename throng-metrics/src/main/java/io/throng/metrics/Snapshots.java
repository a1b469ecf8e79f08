package io.throng.metrics;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * The latest snapshot of a set of counters, taken at most once per scrape: every meter of a binder
 * reads the same one, so the figures of one scrape agree with each other (the closes by reason add
 * up to the closes) and a snapshot is taken once per scrape, not once per meter. Nothing runs
 * between scrapes, so the engine's hot path never sees it. Any thread.
 */
final class Snapshots<T> {
    /**
     * How long a snapshot serves. A scrape reads a binder's two dozen meters well within a
     * millisecond, while scrapers come every 15 s by default (Prometheus's scrape_interval):
     * 100 ms covers one scrape with room for a GC pause and never hands one scrape's figures to
     * the next. {@link ThrongMetrics#scrape} also refreshes first, so /metrics is never stale.
     */
    static final long MAX_AGE_NANOS = 100_000_000L;

    private record Taken<T>(T value, long nanos) {
    }

    private final Supplier<T> source;
    private volatile Taken<T> last;

    Snapshots(Supplier<T> source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** The current snapshot: the last one if younger than {@link #MAX_AGE_NANOS}, else a new one. */
    T get() {
        Taken<T> t = last;
        long now = System.nanoTime();
        if (t == null || now - t.nanos() >= MAX_AGE_NANOS) {
            t = new Taken<>(Objects.requireNonNull(source.get(), "snapshot"), now);
            last = t; // two scrapes racing may both take one: harmless, each is a whole snapshot
        }
        return t.value();
    }

    /** Takes a new snapshot now (a scrape is about to start). */
    void refresh() {
        last = new Taken<>(Objects.requireNonNull(source.get(), "snapshot"), System.nanoTime());
    }
}
