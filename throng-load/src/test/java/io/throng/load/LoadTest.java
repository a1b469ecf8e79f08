package io.throng.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.net.Server;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.handler.TimestampEchoHandler;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against real servers: throng's, an independent JDK one, a corrupting one, none. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LoadTest {
    private final List<Progress> progress = new ArrayList<>();

    private static LoadOptions tiny(LoadMode mode, int port) {
        return LoadOptions.defaults(mode).withTarget("127.0.0.1", port).withTiming(0.3, 1.0).withLoops(1);
    }

    private static void assertSaneLatency(LoadResult r) {
        LoadResult.Latency l = r.latency();
        assertThat(l.count()).isEqualTo(r.responses());
        assertThat(l.p50()).isPositive();
        assertThat(l.p50()).isLessThanOrEqualTo(l.p90());
        assertThat(l.p90()).isLessThanOrEqualTo(l.p99());
        assertThat(l.p99()).isLessThanOrEqualTo(l.p999());
        assertThat(l.p999()).isLessThanOrEqualTo(l.p9999());
        assertThat(l.p9999()).isLessThanOrEqualTo(l.max());
        assertThat(l.max()).as("a loopback echo takes less than 10 s").isLessThan(10_000_000);
        assertThat(r.decodeHistogram().getTotalCount()).isEqualTo(r.responses());
    }

    @Test
    void pingpongAgainstAThrongServerCountsAddUp() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.SINGLE_REACTOR), echo)) {
            LoadResult r = Load.run(tiny(LoadMode.PINGPONG, server.port()).withConns(20).withPipeline(3), progress::add);
            assertThat(r.connectAttempts()).isEqualTo(20);
            assertThat(r.established()).isEqualTo(20);
            assertThat(r.openAtEnd()).isEqualTo(20);
            assertThat(r.connectFailures()).isEmpty();
            assertThat(r.disconnects()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.responses()).isPositive();
            assertThat(r.requestsPerSecond()).isCloseTo(r.responses() / r.windowSeconds(), org.assertj.core.data.Offset.offset(1.0));
            assertThat(echo.messages()).as("the server echoed at least what was counted").isGreaterThanOrEqualTo(r.responses());
            assertSaneLatency(r);
            assertThat(progress).extracting(Progress::phase).contains("connecting", "stopping");
            assertThat(Json.read(Json.write(r), LoadResult.class)).isEqualTo(r);
        }
    }

    @Test
    void pingpongAgainstAnIndependentJdkEchoServer() throws Exception {
        try (EchoServers server = new EchoServers(0)) {
            LoadResult r = Load.run(tiny(LoadMode.PINGPONG, server.port()).withConns(10), progress::add);
            assertThat(r.established()).isEqualTo(10);
            assertThat(r.mismatches()).isZero();
            assertThat(r.responses()).isPositive();
            assertSaneLatency(r);
        }
    }

    @Test
    void aCorruptingEchoServerIsCaught() throws Exception {
        try (EchoServers server = new EchoServers(10)) {
            LoadResult r = Load.run(tiny(LoadMode.PINGPONG, server.port()).withConns(5), progress::add);
            assertThat(r.mismatches()).isPositive();
            // about one in ten; only the good ones are counted as responses
            assertThat((double) r.mismatches()).isBetween(0.05 * (r.responses() + r.mismatches()),
                    0.15 * (r.responses() + r.mismatches()));
        }
    }

    @Test
    void anAbsentServerGivesConnectFailuresNotACrash() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free now, nobody listening once closed
        }
        LoadResult r = Load.run(tiny(LoadMode.PINGPONG, port).withConns(8), progress::add);
        assertThat(r.established()).isZero();
        assertThat(r.connectFailures()).isEqualTo(Map.of("connection refused", 8L));
        assertThat(r.responses()).isZero();
    }

    @Test
    void connrateCountsShortConnections() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR), echo)) {
            for (boolean linger0 : new boolean[] {false, true}) {
                LoadResult r = Load.run(tiny(LoadMode.CONNRATE, server.port()).withConcurrency(8).withLinger0(linger0),
                        progress::add);
                assertThat(r.responses()).isPositive();
                assertThat(r.mismatches()).isZero();
                assertThat(r.established()).isLessThanOrEqualTo(r.connectAttempts());
                assertThat(r.established()).isGreaterThanOrEqualTo(r.responses());
                assertSaneLatency(r);
            }
        }
    }

    @Test
    void holdKeepsConnectionsAliveAndEveryPingAnswered() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.WORKER_POOL), echo)) {
            LoadResult r = Load.run(tiny(LoadMode.HOLD, server.port()).withConns(50).withRate(500).withPingInterval(0.3)
                    .withTiming(0, 1.5), progress::add);
            assertThat(r.established()).isEqualTo(50);
            assertThat(r.openAtEnd()).isEqualTo(50);
            assertThat(r.pingFailures()).isZero();
            assertThat(r.mismatches()).isZero();
            assertThat(r.responses()).as("about 50 x 1.6 s / 0.3 s pings").isGreaterThan(50 * 3);
            assertSaneLatency(r);
        }
    }

    @Test
    void churnClosesTheOldestAndOpensOthersWithoutCountingThemLostAndTheServerSeesIt() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR), echo)) {
            LoadResult r = Load.run(tiny(LoadMode.HOLD, server.port()).withConns(30).withRate(300).withPingInterval(0.3)
                    .withTiming(0, 2.0).withChurn(10), progress::add);
            // 10 a second for 2 s: about 20 closed by us and as many opened (the 100 ms steps may lag one)
            assertThat(r.churned()).isBetween(15L, 20L);
            assertThat(r.connectAttempts()).isEqualTo(30 + r.churned());
            assertThat(r.established()).isEqualTo(30 + r.churned());
            assertThat(r.openAtEnd()).isEqualTo(30);
            assertThat(r.disconnects()).as("our own closes are not losses").isZero();
            assertThat(r.pingFailures()).isZero();
            assertThat(r.mismatches()).isZero();
            // the server saw every churned connection come and go (its closes land just after ours)
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (server.stats().accepted() - server.stats().connections() < r.churned() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(server.stats().accepted()).isEqualTo(30 + r.churned());
        }
    }

    @Test
    void churnIsOnlyForHold() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LoadOptions.defaults(LoadMode.PINGPONG).withChurn(1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only for hold");
    }

    @Test
    void aQuietRampPingsOnlyOnceTheHoldStartsAndEveryPingIsAccountedFor() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR), echo)) {
            AtomicLong echoedWhileConnecting = new AtomicLong(-1);
            LoadResult r = Load.run(tiny(LoadMode.HOLD, server.port()).withConns(40).withRate(80).withPingInterval(0.3)
                    .withQuietRamp(true).withTiming(0, 1.0), p -> {
                        progress.add(p);
                        if (p.phase().equals("connecting")) {
                            echoedWhileConnecting.accumulateAndGet(echo.messages(), Math::max);
                        }
                    });
            assertThat(r.established()).isEqualTo(40);
            assertThat(r.openAtEnd()).isEqualTo(40);
            assertThat(progress).extracting(Progress::phase).contains("connecting", "measure");
            assertThat(echoedWhileConnecting.get()).as("pings echoed during the 0.5 s ramp").isZero();
            assertThat(r.pingFailures()).isZero();
            assertThat(r.mismatches()).isZero();
            // each pings first within the hold's first 0.3 s, then every 0.3 s (timers have a 100 ms
            // wheel, so up to 0.4 s): at least twice in 1.0 s
            assertThat(r.responses()).isGreaterThanOrEqualTo(40 * 2);
            // the drain after the hold waits for the last pings: every ping the server saw was answered
            assertThat(r.responses()).isEqualTo(echo.messages());
            assertThat(r.silent()).isZero();
            assertSaneLatency(r);
        }
    }

    @Test
    void pingsStillUnansweredAfterTheHoldCountAsFailures() throws Exception {
        // a peer that reads every ping and answers none
        try (ServerSocket mute = new ServerSocket(0, 64, java.net.InetAddress.getLoopbackAddress())) {
            AtomicLong bytesRead = new AtomicLong();
            Thread.ofPlatform().daemon(true).start(() -> {
                while (!mute.isClosed()) {
                    try {
                        java.net.Socket s = mute.accept();
                        Thread.ofVirtual().start(() -> {
                            byte[] b = new byte[256];
                            try (s; java.io.InputStream in = s.getInputStream()) {
                                for (int n; (n = in.read(b)) >= 0; ) {
                                    bytesRead.addAndGet(n);
                                }
                            } catch (java.io.IOException e) {
                                // the load closed it
                            }
                        });
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            LoadResult r = Load.run(tiny(LoadMode.HOLD, mute.getLocalPort()).withConns(10).withRate(0).withPingInterval(0.3)
                    .withTiming(0, 0.5), progress::add);
            assertThat(r.established()).isEqualTo(10);
            assertThat(r.responses()).isZero();
            assertThat(r.openAtEnd()).isEqualTo(10);
            // each connection's last ping too, once the drain's 0.3 s have passed without an answer
            long pingsSent = bytesRead.get() / Wire.MESSAGE;
            assertThat(pingsSent).isGreaterThanOrEqualTo(10);
            assertThat(r.pingFailures()).isEqualTo(pingsSent);
            assertThat(r.silent()).as("open, and never a ping answered").isEqualTo(10);
        }
    }

    @Test
    void theRampStartsSoftlyThenKeepsTheRate() {
        // a million at 900/s: the rate grows over 20 s (9,000 connections), then 900 a second
        assertThat(LoadRun.rampOffsetSeconds(0, 1_000_000, 900)).isZero();
        assertThat(LoadRun.rampOffsetSeconds(2_250, 1_000_000, 900)).isCloseTo(10, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LoadRun.rampOffsetSeconds(9_000, 1_000_000, 900)).isCloseTo(20, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LoadRun.rampOffsetSeconds(18_000, 1_000_000, 900)).isCloseTo(30, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LoadRun.rampOffsetSeconds(999_999, 1_000_000, 900)).isCloseTo(1_000_000 / 900.0 + 10,
                org.assertj.core.data.Offset.offset(0.01));
        // a short ramp gives at most a quarter of itself to the soft start: 100 at 500/s take 0.225 s
        assertThat(LoadRun.rampOffsetSeconds(99, 100, 500)).isCloseTo(0.05 + (99 - 12.5) / 500,
                org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void severalProcessesAggregateIntoOneResult() throws Exception {
        TimestampEchoHandler echo = new TimestampEchoHandler();
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR), echo)) {
            LoadResult r = Load.run(tiny(LoadMode.PINGPONG, server.port()).withConns(11).withProcs(2), progress::add);
            assertThat(r.processes()).isEqualTo(2);
            assertThat(r.connectAttempts()).isEqualTo(11);
            assertThat(r.established()).isEqualTo(11);
            assertThat(r.mismatches()).isZero();
            assertThat(echo.messages()).isGreaterThanOrEqualTo(r.responses());
            assertSaneLatency(r);
        }
    }

    @Test
    void theLoadRunsOnIoUringToo() throws Exception {
        // the load's own engine on io_uring (its connects, short connections, held pings, children
        // told the transport through their JSON), against an epoll server
        TimestampEchoHandler echo = new TimestampEchoHandler();
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR)
                .withTransport(TransportKind.EPOLL);
        try (Server server = Server.start(config, echo)) {
            LoadOptions pingpong = tiny(LoadMode.PINGPONG, server.port()).withConns(11).withProcs(2)
                    .withTransport(TransportKind.IO_URING);
            assertThat(Json.read(Json.write(pingpong.shareOf(0)), LoadOptions.class).transport())
                    .isEqualTo(TransportKind.IO_URING);
            LoadResult r = Load.run(pingpong, progress::add);
            assertThat(r.established()).isEqualTo(11);
            assertThat(r.mismatches()).isZero();
            assertThat(r.responses()).isPositive();
            assertSaneLatency(r);

            r = Load.run(tiny(LoadMode.CONNRATE, server.port()).withConcurrency(8).withLinger0(true)
                    .withTransport(TransportKind.IO_URING), progress::add);
            assertThat(r.responses()).isPositive();
            assertThat(r.mismatches()).isZero();
            assertThat(r.connectFailures()).isEmpty();

            r = Load.run(tiny(LoadMode.HOLD, server.port()).withConns(50).withRate(500).withPingInterval(0.3)
                    .withTiming(0, 1.5).withTransport(TransportKind.IO_URING), progress::add);
            assertThat(r.openAtEnd()).isEqualTo(50);
            assertThat(r.pingFailures()).isZero();
            assertThat(r.responses()).isGreaterThan(50 * 3);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        LoadResult r = Load.run(tiny(LoadMode.PINGPONG, port).withConns(8).withTransport(TransportKind.IO_URING),
                progress::add);
        assertThat(r.connectFailures()).isEqualTo(Map.of("connection refused", 8L));
    }

    @Test
    void mergingAddsCountsAndHistograms() {
        org.HdrHistogram.Histogram a = new org.HdrHistogram.Histogram(100_000_000_000L, 3);
        org.HdrHistogram.Histogram b = new org.HdrHistogram.Histogram(100_000_000_000L, 3);
        for (int i = 1; i <= 100; i++) {
            a.recordValue(i * 1000L);
            b.recordValue(i * 1_000_000L);
        }
        LoadOptions o = LoadOptions.defaults(LoadMode.PINGPONG);
        LoadResult ra = new LoadResult(o, 1, 5, 5, 5, 0, Map.of("connection refused", 1L), 0.5, 2.0, 100, 50, 1, 0, 0, 0,
                LoadResult.Latency.of(a), LoadResult.encode(a));
        LoadResult rb = new LoadResult(o, 1, 6, 4, 3, 1, Map.of("connection refused", 2L, "connect timeout", 1L), 0.7,
                2.0, 100, 50, 0, 0, 0, 2, LoadResult.Latency.of(b), LoadResult.encode(b));
        LoadResult m = MultiProcessLoad.merge(o.withProcs(2), List.of(ra, rb));
        assertThat(m.processes()).isEqualTo(2);
        assertThat(m.connectAttempts()).isEqualTo(11);
        assertThat(m.established()).isEqualTo(9);
        assertThat(m.openAtEnd()).isEqualTo(8);
        assertThat(m.connectFailures()).isEqualTo(Map.of("connection refused", 3L, "connect timeout", 1L));
        assertThat(m.responses()).isEqualTo(200);
        assertThat(m.silent()).isEqualTo(2);
        assertThat(m.requestsPerSecond()).isEqualTo(100);
        assertThat(m.connectSeconds()).isEqualTo(0.7);
        assertThat(m.latency().count()).isEqualTo(200);
        assertThat(m.latency().p50()).isCloseTo(100, org.assertj.core.data.Offset.offset(1.0)); // 100 us: the 100th of 200
        assertThat(m.latency().max()).isCloseTo(100_000, org.assertj.core.data.Offset.offset(100.0));
    }
}
