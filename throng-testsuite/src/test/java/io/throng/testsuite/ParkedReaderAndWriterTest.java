package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Under thread-per-connection a connection's thread waits in read while another thread writes to
 * the same connection faster than the peer reads, so that both wait on one socket at once (on
 * epoll, in the parker: a reader slot and a writer slot). Neither may steal the other's wake-up:
 * the writer's bytes all arrive, and the reader still answers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ParkedReaderAndWriterTest {

    static List<Variant> variants() {
        return Variant.ALL.stream().filter(Variant::threadPerConnection).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aThreadWaitingToReadAndAnotherWaitingToWriteBothGetTheirTurn(Variant v) throws Exception {
        AtomicReference<Connection> conn = new AtomicReference<>();
        Handler h = new Handler() {
            @Override
            public void onOpen(Connection c) {
                conn.set(c);
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                // one reply byte per request byte: TCP may coalesce requests into one read
                c.write(new byte[in.remaining()]);
                in.position(in.limit());
            }
        };
        long total = 8L << 20;
        try (Server server = Server.start(v.config().withLimits(v.config().limits().withMaxQueuedBytes(64L << 20)), h);
             SocketChannel ch = Net.connect(server.address())) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 32 * 1024);
            Net.await("open", Duration.ofSeconds(5), () -> conn.get() != null);
            Connection c = conn.get();
            AtomicLong written = new AtomicLong();
            Thread publisher = Thread.ofVirtual().start(() -> {
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < total; sent += chunk.length) {
                    c.write(chunk);
                    c.flush(); // blocks in the parker as a writer while the client is slow
                    written.addAndGet(chunk.length);
                }
            });
            // Read slowly, and meanwhile talk to the connection's own thread (parked as a reader).
            ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
            long got = 0;
            int asked = 0;
            while (got < total) {
                buf.clear();
                int n = ch.read(buf);
                if (n < 0) {
                    throw new AssertionError("closed after " + got + " bytes");
                }
                got += n;
                if (got > asked * (1L << 20) && asked < 4) {
                    asked++;
                    Net.writeFully(ch, ByteBuffer.wrap(new byte[asked])); // the reply lands in the stream
                }
                Thread.sleep(1);
            }
            publisher.join(10_000);
            assertThat(written.get()).isEqualTo(total);
            // every byte of the publisher arrived, plus the connection thread's replies
            long extra = 0;
            ch.configureBlocking(false);
            long deadline = System.nanoTime() + 5_000_000_000L;
            long replies = (long) asked * (asked + 1) / 2; // requests of 1, 2, ... asked bytes
            while (extra + got < total + replies && System.nanoTime() < deadline) {
                buf.clear();
                int n = ch.read(buf);
                extra += Math.max(0, n);
                Thread.sleep(5);
            }
            assertThat(got + extra).as("publisher's bytes plus a reply byte per request byte").isEqualTo(total + replies);
        }
    }
}
