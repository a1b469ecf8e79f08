package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import java.net.Socket;
import java.nio.ByteBuffer;
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

    @Test
    void aHandlerThatHoldsItsLoopShowsOnTheLoopLagGaugesAndInTheDump() throws Exception {
        Handler sleepy = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                try {
                    Thread.sleep(300); // holds the single loop: what the gauge is for
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.write(in);
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.SINGLE_REACTOR);
        try (Server server = Server.start(config, sleepy);
             ThrongMetrics metrics = ThrongMetrics.withJvm().bind(ServerMeters.of(server));
             AdminServer admin = AdminServer.start(AdminConfig.defaults(), metrics, () -> "{}", n -> server.dump(n).toText());
             Socket s = new Socket()) {
            s.connect(server.address(), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(1);
            assertThat(s.getInputStream().read()).as("echoed after 300 ms").isEqualTo(1);

            Curl.Response scrape = Curl.run(admin.url() + "/metrics");
            assertThat(scrape.body()).contains("# TYPE throng_loop_lag_seconds gauge",
                    "# TYPE throng_loop_lag_max_seconds gauge");
            Map<String, Double> m = Exposition.parse(scrape.body());
            // the turn that ran the handler ended 300 ms after it began, at most 100 ms before its next tick
            assertThat(Exposition.value(m, "throng_loop_lag_max_seconds")).isBetween(0.2, 10.0);
            assertThat(Exposition.value(m, "throng_loop_lag_seconds")).isBetween(0.0, 10.0);
            assertThat(Curl.run(admin.url() + "/dump").body()).containsPattern("loop throng-loop-0: lag \\d+\\.\\d ms, max \\d+\\.\\d ms");
        }
    }

    @Test
    void aModelWithoutEventLoopsHasNoLagToShow() throws Exception {
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.VIRTUAL_THREADS);
        try (Server server = Server.start(config, new EchoHandler());
             ThrongMetrics metrics = ThrongMetrics.withJvm().bind(ServerMeters.of(server))) {
            Map<String, Double> m = Exposition.parse(metrics.registry().scrape());
            assertThat(Exposition.value(m, "throng_loop_lag_seconds")).isNaN();
            assertThat(Exposition.value(m, "throng_loop_lag_max_seconds")).isNaN();
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
