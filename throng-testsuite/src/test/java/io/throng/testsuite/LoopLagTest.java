package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The event loops' lag ({@code ServerStats.loopLagNanos}, {@code loopLagMaxNanos}, each loop's line
 * in the dump), with real sockets: a handler that holds its loop shows as lag of at least what it
 * held past the loop's next 100 ms tick, while it holds it and afterwards; an idle server's lag is
 * small; a model without loops reports none. The bounds are generous (200 ms for a 300 ms hold, 1 s
 * for idle) so a busy two-core machine cannot fail them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopLagTest {
    private static final long MS = 1_000_000L;
    /** A dump's loop line: "lag 0.1 ms, max 302.4 ms". */
    private static final Pattern DUMP_LAG = Pattern.compile("lag (\\d+\\.\\d) ms, max (\\d+\\.\\d) ms");

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Model.class, names = {"SINGLE_REACTOR", "MULTI_REACTOR", "WORKER_POOL"})
    void anIdleServersLoopsReportASmallLag(Model model) throws Exception {
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(2).withModel(model);
        try (Server server = Server.start(config, new EchoHandler()); SocketChannel ch = Net.connect(server.address())) {
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {7}));
            assertThat(Net.readFully(ch, 1)).containsExactly(7);
            Thread.sleep(1500); // past an idle poll's 1 s deadline: every loop has reached a due time
            ServerStats s = server.stats();
            System.out.printf("%s idle: lag %.3f ms, max %.3f ms%n", model, s.loopLagNanos() / 1e6, s.loopLagMaxNanos() / 1e6);
            assertThat(s.hasLoops()).isTrue();
            assertThat(s.loopLagNanos()).isBetween(0L, 1000 * MS);
            assertThat(s.loopLagMaxNanos()).isBetween(0L, 1000 * MS);
            String dump = server.dump(0).toText();
            assertThat(dump).contains("loop throng-loop-0: lag ");
        }
    }

    @Test
    void aHandlerThatSleeps300MsMakesALagOfAtLeast200Ms() throws Exception {
        Handler sleepy = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                try {
                    Thread.sleep(300); // what a reactor handler must never do: the loop is held
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.write(in);
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.SINGLE_REACTOR);
        try (Server server = Server.start(config, sleepy); SocketChannel ch = Net.connect(server.address())) {
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
            assertThat(Net.readFully(ch, 1)).containsExactly(1);
            // the turn that ran the handler ended 300 ms after it began, at most 100 ms before its next tick
            Net.await("the lag counted", Duration.ofSeconds(10), () -> server.stats().loopLagMaxNanos() >= 200 * MS);
            ServerStats s = server.stats();
            System.out.printf("after a 300 ms sleep in the handler: lag %.3f ms, max %.3f ms%n",
                    s.loopLagNanos() / 1e6, s.loopLagMaxNanos() / 1e6);
            assertThat(s.loopLagMaxNanos()).as("no more than what was held, and the wake-up after").isLessThan(10_000 * MS);
            Matcher m = DUMP_LAG.matcher(server.dump(0).toText());
            assertThat(m.find()).isTrue();
            assertThat(Double.parseDouble(m.group(2))).as("the dump's max").isGreaterThanOrEqualTo(200);
            // the loop is back: the lag at its next due times is small again, the max stays for 30 s at least
            Net.await("the lag now back under 200 ms", Duration.ofSeconds(10),
                    () -> server.stats().loopLagNanos() < 200 * MS);
            assertThat(server.stats().loopLagMaxNanos()).isGreaterThanOrEqualTo(200 * MS);
        }
    }

    @Test
    void aLoopHeldRightNowShowsItsLagGrowingBeforeTheHandlerReturns() throws Exception {
        try (HeldLoop held = new HeldLoop()) {
            Server server = held.server();
            held.hold();
            // the handler has not returned, so no turn has ended: the reader sees the lag going on
            Net.await("the held loop's lag past 500 ms", Duration.ofSeconds(10),
                    () -> server.stats().loopLagNanos() >= 500 * MS);
            assertThat(server.stats().loopLagMaxNanos()).isGreaterThanOrEqualTo(500 * MS);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Model.class, names = {"VIRTUAL_THREADS", "PLATFORM_THREADS"})
    void aModelWithoutEventLoopsReportsNone(Model model) throws Exception {
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(model);
        try (Server server = Server.start(config, new EchoHandler()); SocketChannel ch = Net.connect(server.address())) {
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {7}));
            assertThat(Net.readFully(ch, 1)).containsExactly(7);
            ServerStats s = server.stats();
            assertThat(s.hasLoops()).isFalse();
            assertThat(s.loopLagNanos()).isEqualTo(-1);
            assertThat(s.loopLagMaxNanos()).isEqualTo(-1);
            assertThat(server.dump(0).toText()).doesNotContain("lag ");
        }
    }
}
