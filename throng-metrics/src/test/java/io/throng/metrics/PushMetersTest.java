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

    /** The bus link's figures, tagged with the bus; up is 0 while a known node has not rejoined (publishes get 503). */
    @Test
    void theBusLinkIsASeriesPerBus() throws Exception {
        java.util.concurrent.atomic.AtomicReference<io.throng.websocket.bus.BusStats> stats = new java.util.concurrent.atomic.AtomicReference<>(
                new io.throng.websocket.bus.BusStats("nats://10.0.0.5:4222", io.throng.websocket.bus.BusStats.State.UP, null, 3, 2, 1,
                        100, 200, 4, 5, 6));
        try (ThrongMetrics metrics = ThrongMetrics.withJvm().bind(new BusMeters(stats::get, Tags.of("bus", "nats://10.0.0.5:4222")))) {
            Map<String, Double> m = Exposition.parse(new String(metrics.scrape(null).body(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(m).containsEntry("throng_push_bus_up{bus=\"nats://10.0.0.5:4222\"}", 1.0)
                    .containsEntry("throng_push_bus_channels{bus=\"nats://10.0.0.5:4222\"}", 3.0)
                    .containsEntry("throng_push_bus_nodes{bus=\"nats://10.0.0.5:4222\"}", 2.0)
                    .containsEntry("throng_push_bus_queued{bus=\"nats://10.0.0.5:4222\"}", 1.0)
                    .containsEntry("throng_push_bus_relayed_total{bus=\"nats://10.0.0.5:4222\"}", 100.0)
                    .containsEntry("throng_push_bus_received_total{bus=\"nats://10.0.0.5:4222\"}", 200.0)
                    .containsEntry("throng_push_bus_dropped_total{bus=\"nats://10.0.0.5:4222\"}", 4.0)
                    .containsEntry("throng_push_bus_refused_total{bus=\"nats://10.0.0.5:4222\"}", 5.0)
                    .containsEntry("throng_push_bus_reconnects_total{bus=\"nats://10.0.0.5:4222\"}", 6.0);
            stats.set(new io.throng.websocket.bus.BusStats("nats://10.0.0.5:4222", io.throng.websocket.bus.BusStats.State.UP,
                    "node x has not rejoined", 3, 2, 0, 100, 200, 4, 9, 7));
            m = Exposition.parse(new String(metrics.scrape(null).body(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(m).containsEntry("throng_push_bus_up{bus=\"nats://10.0.0.5:4222\"}", 0.0);
        }
    }
}
