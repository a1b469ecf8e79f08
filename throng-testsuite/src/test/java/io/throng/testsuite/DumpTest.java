package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Dump;
import io.throng.core.Handler;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.net.Server;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code Server.dump}: real connections counted where they live (each loop walks its own), the
 * counts adding up to what is open, at most N described per part, and a loop held by a handler
 * reported as not answering instead of hanging the dump.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DumpTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Model.class, names = {"SINGLE_REACTOR", "MULTI_REACTOR", "WORKER_POOL", "VIRTUAL_THREADS"})
    void everyOpenConnectionIsCountedOnceAndAtMostNAreDescribed(Model model) throws Exception {
        Handler quiet = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                // keeps a partial message: "inbound held" shows it where the loop owns the connection
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(2).withModel(model);
        List<SocketChannel> clients = new ArrayList<>();
        try (Server server = Server.start(config, quiet)) {
            for (int i = 0; i < 7; i++) {
                clients.add(Net.connect(server.address()));
            }
            Net.writeFully(clients.getFirst(), ByteBuffer.wrap(new byte[] {1, 2, 3}));
            Net.await("seven open and the bytes read", Duration.ofSeconds(10),
                    () -> server.stats().connections() == 7 && server.stats().bytesRead() == 3);
            Dump dump = server.dump(2);
            String text = dump.toText();
            assertThat(dump.name()).isEqualTo("server 127.0.0.1:" + server.port());
            assertThat(dump.facts()).contains("connections 7", "accepting");
            int counted = 0;
            for (Dump part : dump.children()) {
                for (String fact : part.facts()) {
                    if (fact.startsWith("connections ")) {
                        counted += Integer.parseInt(fact.substring("connections ".length()));
                    }
                }
                long described = part.children().stream().filter(c -> c.name().startsWith("connection ")).count();
                assertThat(described).as(part.name()).isLessThanOrEqualTo(2);
            }
            assertThat(counted).as(text).isEqualTo(7);
            assertThat(text).contains("buffers: lent").contains("OPEN").contains("first 2 shown");
            if (model != Model.VIRTUAL_THREADS && model != Model.WORKER_POOL) {
                assertThat(text).as("a loop's own connections show what they hold unread").contains("inbound held 3 B");
            }
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aLoopHeldByAHandlerIsReportedAndTheDumpStillReturns() throws Exception {
        try (HeldLoop held = new HeldLoop()) {
            Server server = held.server();
            held.hold();
            Net.await("the handler holding the loop", Duration.ofSeconds(10), () -> server.stats().reads() == 1);
            long start = System.nanoTime();
            String text = server.dump(10).toText();
            held.release();
            assertThat(text).contains("did not answer within 2000 ms");
            // read from the dumping thread: the loop has been held for the 2 s the dump waited, at least
            Matcher lag = Pattern.compile("holding it, lag (\\d+)\\.\\d ms").matcher(text);
            assertThat(lag.find()).as(text).isTrue();
            assertThat(Long.parseLong(lag.group(1))).isGreaterThanOrEqualTo(1900);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }
}
