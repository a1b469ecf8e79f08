package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerMetersTest {

    @Test
    void aConnectionClosedForIdlenessIsCountedUnderItsReason() throws Exception {
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1);
        config = config.withLimits(config.limits().withIdleTimeout(Duration.ofMillis(200)));
        try (Server server = Server.start(config, new EchoHandler());
             ThrongMetrics metrics = ThrongMetrics.withJvm().bind(new ServerMeters(server::stats, Tags.of("server", "echo")));
             Socket idle = new Socket()) {
            idle.connect(server.address(), 5000);
            idle.setSoTimeout(10_000);
            assertThat(idle.getInputStream().read()).as("closed by the server").isEqualTo(-1);
            Map<String, Double> m = awaitScrape(metrics, "throng_connections_open{server=\"echo\"}", 0);
            assertThat(Exposition.value(m, "throng_connections_closed_total{reason=\"idle_timeout\",server=\"echo\"}"))
                    .isEqualTo(1);
            assertThat(Exposition.value(m, "throng_connections_closed_total{reason=\"peer_closed\",server=\"echo\"}"))
                    .isZero();
        }
    }

    @Test
    void theMetersKeepWorkingWhenNobodyHoldsTheBinder() throws Exception {
        try (Server server = Server.start(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1),
                new EchoHandler());
             ThrongMetrics metrics = ThrongMetrics.withJvm()) {
            new ServerMeters(server::stats, Tags.empty()).bindTo(metrics.registry()); // not kept
            for (int i = 0; i < 3; i++) {
                System.gc(); // Micrometer holds a function counter's state weakly: it must survive this
            }
            try (Socket s = new Socket()) {
                s.connect(server.address(), 5000);
                awaitScrape(metrics, "throng_connections_accepted_total", 1);
            }
        }
    }

    /** Scrapes the registry (no snapshot refresh: the meters' own cache must expire) until {@code series} is {@code value}. */
    private static Map<String, Double> awaitScrape(ThrongMetrics metrics, String series, double value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Map<String, Double> m = Exposition.parse(metrics.registry().scrape());
            if (Exposition.value(m, series) == value) {
                return m;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(series + " is not " + value + " within 10 s: " + m.get(series));
            }
            Thread.sleep(50);
        }
    }
}
