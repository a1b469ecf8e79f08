package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MeterSetTest {

    /**
     * Micrometer holds a function counter's state weakly and stops reading it once it is collected;
     * a set of counters alone (no gauge to hold the source) must keep counting all the same.
     */
    @Test
    void countersAloneKeepReadingTheirSourceWhenNobodyElseHoldsIt() {
        MeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong count = new AtomicLong();
        new MeterSet<Long>(registry, () -> count.get(), Tags.of("server", "s")).counter("c", "a count", Long::doubleValue);
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        count.set(42);
        assertThat(registry.get("c").tag("server", "s").functionCounter().count()).isEqualTo(42);
    }

    @Test
    void aTaggedSetAddsItsTagToTheSetsOwn() {
        MeterRegistry registry = new SimpleMeterRegistry();
        MeterSet<String> m = new MeterSet<>(registry, () -> "abc", Tags.of("server", "s"));
        m.tagged("kind", "x").gauge("g", "bytes", "a length", String::length);
        assertThat(registry.get("g").tags("server", "s", "kind", "x").gauge().value()).isEqualTo(3);
        assertThat(registry.get("g").gauge().getId().getBaseUnit()).isEqualTo("bytes");
    }
}
