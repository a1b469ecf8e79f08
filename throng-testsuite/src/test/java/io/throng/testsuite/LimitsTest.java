package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.TimestampEchoHandler;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-connection limits, the callback contract and the seed's handler, under every model. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsTest {

    static List<Variant> variants() {
        return Variant.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aHandlerThatIgnoresBackpressureHitsMaxQueuedBytesAndIsClosed(Variant v) throws Exception {
        GreedyWriter greedy = new GreedyWriter();
        ConcurrentLinkedQueue<CloseReason> closes = greedy.closes;
        ServerConfig config = v.config().withLimits(v.config().limits().withMaxQueuedBytes(1 << 20));
        try (Server server = Server.start(config, greedy)) {
            long baseline = server.stats().lentBuffers(); // the idle server's own (loops, acceptor)
            SocketChannel ch = Net.connect(server.address());
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
            Net.await("the greedy connection closed", Duration.ofSeconds(10), () -> !closes.isEmpty());
            CloseReason reason = closes.peek();
            assertThat(reason.kind()).isEqualTo(CloseReason.Kind.WRITE_LIMIT);
            assertThat(reason.detail()).contains("over max-queued-bytes 1048576 B");
            assertThat(server.stats().writeLimitCloses()).isEqualTo(1);
            assertThat(server.stats().closedBy(CloseReason.Kind.WRITE_LIMIT)).isEqualTo(1);
            Net.await("its buffers back", Duration.ofSeconds(5), () -> server.stats().lentBuffers() == baseline);
            ch.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aHandlerThatNeverConsumesHitsMaxInboundBytesAndIsClosed(Variant v) throws Exception {
        ConcurrentLinkedQueue<CloseReason> closes = new ConcurrentLinkedQueue<>();
        Handler hoarder = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                // consumes nothing: waits for a message that never completes
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                closes.add(reason);
            }
        };
        ServerConfig config = v.config().withLimits(v.config().limits().withMaxInboundBytes(256 * 1024));
        try (Server server = Server.start(config, hoarder); SocketChannel ch = Net.connect(server.address())) {
            ch.configureBlocking(false);
            ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (closes.isEmpty() && System.nanoTime() < deadline) {
                junk.clear();
                try {
                    if (ch.write(junk) == 0) {
                        Thread.sleep(1);
                    }
                } catch (java.io.IOException reset) {
                    break;
                }
            }
            Net.await("the hoarding connection closed", Duration.ofSeconds(10), () -> !closes.isEmpty());
            assertThat(closes.peek().kind()).isEqualTo(CloseReason.Kind.READ_LIMIT);
            assertThat(closes.peek().detail()).contains("over max-inbound-bytes 262144 B");
            assertThat(server.stats().readLimitCloses()).isEqualTo(1);
            assertThat(server.stats().closedBy(CloseReason.Kind.READ_LIMIT)).isEqualTo(1);
        }
    }

    /**
     * Callbacks of one connection never overlap, even with another thread writing to it (which
     * makes onWritable run wherever the queue drains) and the peer sending all the while.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void callbacksOfOneConnectionNeverOverlap(Variant v) throws Exception {
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        Handler watcher = new Handler() {
            private void enter(Connection c) {
                AtomicBoolean inside = c.attachment();
                if (!inside.compareAndSet(false, true)) {
                    overlaps.incrementAndGet();
                }
                calls.incrementAndGet();
            }

            private void leave(Connection c) {
                ((AtomicBoolean) c.attachment()).set(false);
            }

            @Override
            public void onOpen(Connection c) {
                c.attach(new AtomicBoolean(true));
                Thread.ofVirtual().start(() -> {
                    byte[] big = new byte[48 * 1024];
                    while (c.isOpen()) {
                        // within the water marks: unbounded, a slow reader (a loaded machine, CI's
                        // run of 2026-12-07) let 64 MiB pile up and the reset ended the test
                        if (c.isWritable()) {
                            c.write(big);
                            c.flush();
                        }
                        Thread.onSpinWait();
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                leave(c);
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                enter(c);
                in.position(in.limit());
                c.write(new byte[32 * 1024]);
                Thread.yield();
                leave(c);
            }

            @Override
            public void onWritable(Connection c) {
                enter(c);
                Thread.yield();
                leave(c);
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                enter(c);
                leave(c);
            }
        };
        ServerConfig config = v.config().withLimits(v.config().limits().withMaxQueuedBytes(64L << 20));
        try (Server server = Server.start(config, watcher)) {
            SocketChannel[] peers = new SocketChannel[4];
            for (int i = 0; i < peers.length; i++) {
                peers[i] = Net.connect(server.address());
            }
            long end = System.nanoTime() + 1_500_000_000L;
            ByteBuffer in = ByteBuffer.allocate(256 * 1024);
            while (System.nanoTime() < end) {
                for (SocketChannel p : peers) {
                    Net.writeFully(p, ByteBuffer.wrap(new byte[100]));
                    p.configureBlocking(false);
                    in.clear();
                    p.read(in);
                    p.configureBlocking(true);
                }
            }
            for (SocketChannel p : peers) {
                p.close();
            }
            Net.await("closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
        }
        assertThat(calls.get()).isGreaterThan(10);
        assertThat(overlaps.get()).as("overlapping callbacks").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void timestampEchoReturnsWholeMessagesOnly(Variant v) throws Exception {
        TimestampEchoHandler handler = new TimestampEchoHandler();
        try (Server server = Server.start(v.config(), handler); SocketChannel ch = Net.connect(server.address())) {
            ByteBuffer msgs = ByteBuffer.allocate(8 * 5);
            for (long i = 0; i < 5; i++) {
                msgs.putLong(System.nanoTime() + i);
            }
            byte[] all = msgs.array();
            Net.writeFully(ch, ByteBuffer.wrap(all, 0, 3));     // part of a message: nothing comes back
            Thread.sleep(100);
            Net.writeFully(ch, ByteBuffer.wrap(all, 3, 18));    // completes two, starts a third
            assertThat(Net.readFully(ch, 16)).isEqualTo(java.util.Arrays.copyOfRange(all, 0, 16));
            Net.writeFully(ch, ByteBuffer.wrap(all, 21, 19));
            assertThat(Net.readFully(ch, 24)).isEqualTo(java.util.Arrays.copyOfRange(all, 16, 40));
            assertThat(handler.messages()).isEqualTo(5);
        }
    }
}
