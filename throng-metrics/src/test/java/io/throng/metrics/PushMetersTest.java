package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.throng.websocket.WebSocketStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PushMetersTest {

    /**
     * The connections refused with 503 at max-handshakes, and the handshakes evicted to admit newer
     * ones, are counted apart from the other refusals: under a slowloris they are nearly all of the
     * server's answers (docs/runs/fault-slowloris-*.md), and before these meters they were in no series.
     */
    @Test
    void theHandshakeOverloadAndEvictionsAreSeriesOfTheirOwn() throws Exception {
        WebSocketStats stats = new WebSocketStats(0, 4096, 10, 3, 2, 7, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        try (ThrongMetrics metrics = ThrongMetrics.withJvm().bind(new PushMeters(() -> stats, Tags.empty()))) {
            Map<String, Double> m = Exposition.parse(metrics.registry().scrape());
            assertThat(Exposition.value(m, "throng_push_overloaded_total")).isEqualTo(7);
            assertThat(Exposition.value(m, "throng_push_handshake_evictions_total")).isEqualTo(11);
            assertThat(Exposition.value(m, "throng_push_refused_total")).isEqualTo(3);
            assertThat(Exposition.value(m, "throng_push_handshake_timeouts_total")).isEqualTo(2);
            assertThat(Exposition.value(m, "throng_push_handshakes")).isEqualTo(4096);
        }
    }
}
