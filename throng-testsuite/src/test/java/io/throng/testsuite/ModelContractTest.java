package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.ServerStats;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.WaterMarks;
import io.throng.core.handler.EchoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every model keeps, over real loopback sockets with plain JDK blocking sockets as the
 * peer. One parameterised suite: a model that passes it runs any handler the others run.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ModelContractTest {

    static List<Variant> variants() {
        return Variant.ALL;
    }

    private static Server start(Variant v, ServerConfig config, Handler handler) throws IOException {
        return Server.start(config, handler);
    }

    /** Lent buffers of a server with no connection: the loops' and workers' read buffers. */
    private static long idleBaseline(Server server) throws InterruptedException {
        Net.await("no connections", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
        return server.stats().lentBuffers();
    }

    // ------------------------------------------------------------------ data integrity

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void twoHundredClientsExchangeRandomFramesByteForByte(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = start(v, v.config(), handler);
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            long baseline = server.stats().lentBuffers();
            int clientCount = 200;
            AtomicLong framesChecked = new AtomicLong();
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < clientCount; i++) {
                long seed = 1000L + i;
                results.add(clients.submit(() -> exchangeFrames(server.address(), seed, 3, framesChecked, clients)));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(framesChecked.get()).isEqualTo(clientCount * 3L);
            assertThat(handler.frames.get()).isEqualTo(clientCount * 3L);
            Net.await("every connection closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
            // A connection's own thread gives its buffers back as it ends, just after the close.
            Net.await("pooled buffers back after the clients left", Duration.ofSeconds(10),
                    () -> server.stats().lentBuffers() == baseline);
            assertThat(server.stats().handlerErrors()).isZero();
        }
    }

    /**
     * Sends {@code count} frames of random sizes (1 B to 1 MiB, log-uniform, so small and large are
     * both common), written in random pieces with random pauses, while reading the echo in random
     * pieces on another thread and checking it byte for byte.
     */
    private static Void exchangeFrames(InetSocketAddress address, long seed, int count, AtomicLong checked,
                                       ExecutorService pool) throws Exception {
        Random random = new Random(seed);
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
            int size = (int) Math.min(1 << 20, Math.max(1, Math.exp(random.nextDouble() * Math.log(1 << 20))));
            byte[] payload = new byte[size];
            random.nextBytes(payload);
            frames[i] = payload;
        }
        try (SocketChannel ch = Net.connect(address)) {
            Future<?> writer = pool.submit(() -> {
                Random r = new Random(seed * 31);
                for (byte[] payload : frames) {
                    ByteBuffer b = Net.frame(payload);
                    while (b.hasRemaining()) {
                        int piece = Math.min(b.remaining(), 1 + r.nextInt(r.nextBoolean() ? 64 : 256 * 1024));
                        ByteBuffer slice = b.slice(b.position(), piece);
                        Net.writeFully(ch, slice);
                        b.position(b.position() + piece);
                        if (r.nextInt(20) == 0) {
                            Thread.sleep(1);
                        }
                    }
                }
                return null;
            });
            Random r = new Random(seed * 17);
            for (byte[] payload : frames) {
                ByteBuffer expected = Net.frame(payload);
                ByteBuffer got = ByteBuffer.allocate(expected.remaining());
                while (got.hasRemaining()) {
                    int piece = Math.min(got.remaining(), 1 + r.nextInt(r.nextBoolean() ? 100 : 128 * 1024));
                    ByteBuffer slice = got.slice(got.position(), piece);
                    while (slice.hasRemaining()) {
                        if (ch.read(slice) < 0) {
                            throw new AssertionError("end of stream inside a frame");
                        }
                    }
                    got.position(got.position() + piece);
                }
                if (!Arrays.equals(expected.array(), got.array())) {
                    throw new AssertionError("frame of " + payload.length + " B came back different");
                }
                checked.incrementAndGet();
            }
            writer.get();
        }
        return null;
    }

    // ------------------------------------------------------------------ closing

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void halfCloseFromTheClientGetsEveryReplyThenEndOfStream(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = start(v, v.config(), handler); SocketChannel ch = Net.connect(server.address())) {
            byte[] payload = new byte[300_000];
            new Random(7).nextBytes(payload);
            Net.writeFully(ch, Net.frame(payload));
            Net.writeFully(ch, Net.frame(new byte[] {1, 2, 3}));
            ch.shutdownOutput();
            byte[] first = Net.readFully(ch, 4 + payload.length);
            assertThat(Arrays.copyOfRange(first, 4, first.length)).isEqualTo(payload);
            assertThat(Net.readFully(ch, 7)).containsExactly(0, 0, 0, 3, 1, 2, 3);
            assertThat(Net.readToEnd(ch)).as("bytes after the replies").isZero();
            Net.await("close reported", Duration.ofSeconds(5), () -> !handler.closes.isEmpty());
            assertThat(handler.closes.peek().kind()).isEqualTo(CloseReason.Kind.PEER_CLOSED);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void serverSideCloseDeliversTheReplyThenEndOfStream(Variant v) throws Exception {
        ConcurrentLinkedQueue<CloseReason> closes = new ConcurrentLinkedQueue<>();
        Handler quitter = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == 'Q') {
                        c.write("BYE".getBytes());
                        c.close();
                        in.position(in.limit());
                        return;
                    }
                    c.write(new byte[] {b});
                }
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                closes.add(reason);
            }
        };
        try (Server server = start(v, v.config(), quitter)) {
            long baseline = idleBaseline(server);
            SocketChannel ch = Net.connect(server.address());
            Net.writeFully(ch, ByteBuffer.wrap("abcQ".getBytes()));
            assertThat(new String(Net.readFully(ch, 6))).isEqualTo("abcBYE");
            assertThat(Net.readToEnd(ch)).isZero();
            Net.await("close reported", Duration.ofSeconds(5), () -> !closes.isEmpty());
            assertThat(closes.peek().kind()).isEqualTo(CloseReason.Kind.LOCAL);
            Net.await("buffers back", Duration.ofSeconds(5), () -> server.stats().lentBuffers() == baseline);
            ch.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void clientResetInTheMiddleOfALargeWriteLeavesNothingBehind(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = start(v, v.config(), handler)) {
            long baseline = idleBaseline(server);
            try (SocketChannel ch = Net.connect(server.address())) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                // 4 MiB frames whose echo we never read: the server's queue and the sockets fill up
                // and the server stops reading; we stop when it takes nothing more for 300 ms.
                byte[] payload = new byte[4 << 20];
                ByteBuffer b = ByteBuffer.allocate(4 + payload.length);
                ch.configureBlocking(false);
                long lastProgress = System.nanoTime();
                while (System.nanoTime() - lastProgress < 300_000_000L) {
                    if (!b.hasRemaining() || b.position() == 0) {
                        b.clear();
                        b.putInt(payload.length).put(payload).flip();
                    }
                    if (ch.write(b) > 0) {
                        lastProgress = System.nanoTime();
                    } else {
                        Thread.sleep(2);
                    }
                }
                Net.await("the server busy writing", Duration.ofSeconds(10), () -> handler.frames.get() >= 1);
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            } // closes with RST
            // the open count drops as the close begins, before onClose runs: wait for both
            Net.await("the reset connection closed", Duration.ofSeconds(10),
                    () -> server.stats().connections() == 0 && !handler.closes.isEmpty());
            assertThat(handler.closes).hasSize(1);
            assertThat(handler.closes.peek().kind()).isIn(CloseReason.Kind.IO_ERROR, CloseReason.Kind.PEER_CLOSED);
            Net.await("buffers back", Duration.ofSeconds(5), () -> server.stats().lentBuffers() == baseline);
            // and the server still serves
            try (SocketChannel ch = Net.connect(server.address())) {
                Net.writeFully(ch, Net.frame("still here".getBytes()));
                assertThat(new String(Net.readFully(ch, 14), 4, 10)).isEqualTo("still here");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void idleTimeoutClosesTheIdleButNotTheActive(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        ServerConfig config = v.config().withLimits(v.config().limits().withIdleTimeout(Duration.ofMillis(400)));
        try (Server server = start(v, config, handler);
             SocketChannel idle = Net.connect(server.address());
             SocketChannel active = Net.connect(server.address())) {
            long start = System.nanoTime();
            for (int i = 0; i < 12; i++) {
                Net.writeFully(active, Net.frame(new byte[] {(byte) i}));
                assertThat(Net.readFully(active, 5)[4]).isEqualTo((byte) i);
                Thread.sleep(100);
            }
            assertThat(Net.closedByPeer(idle, Duration.ofSeconds(3))).as("idle connection closed").isTrue();
            double waited = (System.nanoTime() - start) / 1e9;
            assertThat(waited).as("seconds until the idle close").isLessThan(4.0);
            Net.writeFully(active, Net.frame(new byte[] {42}));
            assertThat(Net.readFully(active, 5)[4]).as("active connection still served").isEqualTo((byte) 42);
            Net.await("idle timeout counted", Duration.ofSeconds(3), () -> server.stats().idleTimeouts() >= 1);
            assertThat(handler.closes).extracting(CloseReason::kind).contains(CloseReason.Kind.IDLE_TIMEOUT);
        }
    }

    /**
     * At max-connections the server stops accepting (admission), so the excess waits in the
     * kernel's backlog, unserved but not refused, and is taken as soon as a place frees: nothing
     * is lost, and no descriptor or thread is spent on a connection the server cannot serve.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void maxConnectionsPausesAcceptingUntilThereIsRoom(Variant v) throws Exception {
        ServerConfig config = v.config().withLimits(v.config().limits().withMaxConnections(5));
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = start(v, config, handler)) {
            List<SocketChannel> admitted = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                SocketChannel ch = Net.connect(server.address());
                admitted.add(ch);
                Net.writeFully(ch, Net.frame(new byte[] {(byte) i}));
                assertThat(Net.readFully(ch, 5)[4]).isEqualTo((byte) i);
            }
            List<SocketChannel> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                SocketChannel extra = Net.connect(server.address()); // completed by the kernel, in the backlog
                waiting.add(extra);
                Net.writeFully(extra, Net.frame(new byte[] {(byte) (20 + i)}));
            }
            for (SocketChannel extra : waiting) {
                assertThat(Net.closedByPeer(extra, Duration.ofMillis(700))).as("excess connection neither served nor closed")
                        .isFalse();
            }
            assertThat(server.stats().connections()).isEqualTo(5);
            assertThat(server.stats().rejected()).as("nothing accepted only to be closed").isZero();
            assertThat(server.stats().acceptPauses()).as("admission closed").isGreaterThanOrEqualTo(1);
            for (SocketChannel ch : admitted) {
                Net.writeFully(ch, Net.frame(new byte[] {9}));
                assertThat(Net.readFully(ch, 5)[4]).as("admitted connections unaffected").isEqualTo((byte) 9);
            }

            admitted.removeFirst().close(); // a place frees: one waiting connection is taken and served
            Net.await("a waiting connection accepted", Duration.ofSeconds(5), () -> server.stats().accepted() == 6);
            for (SocketChannel ch : admitted) {
                ch.close();
            }
            for (int i = 0; i < waiting.size(); i++) {
                byte[] echo = Net.readFully(waiting.get(i), 5);
                assertThat(echo[4]).as("what the waiting connection sent, echoed once admitted").isEqualTo((byte) (20 + i));
                waiting.get(i).close();
            }
            Net.await("room again", Duration.ofSeconds(5), () -> server.stats().connections() == 0);
            try (SocketChannel ch = Net.connect(server.address())) {
                Net.writeFully(ch, Net.frame(new byte[] {7}));
                assertThat(Net.readFully(ch, 5)[4]).isEqualTo((byte) 7);
            }
        }
    }

    // ------------------------------------------------------------------ backpressure

    /** Writes a numbered byte pattern for as long as the connection is writable, up to a total. */
    static final class Firehose implements Handler {
        static final int CHUNK = 16 * 1024;
        final long total;
        final AtomicLong sent = new AtomicLong();
        final AtomicInteger unwritableSeen = new AtomicInteger();
        final AtomicInteger writableCallbacks = new AtomicInteger();
        final AtomicLong maxQueued = new AtomicLong();
        volatile Connection connection;
        private final byte[] chunk = new byte[CHUNK];

        Firehose(long total) {
            this.total = total;
        }

        @Override
        public void onOpen(Connection c) {
            connection = c;
            pump(c);
        }

        @Override
        public void onData(Connection c, ByteBuffer in) {
            in.position(in.limit());
        }

        @Override
        public void onWritable(Connection c) {
            writableCallbacks.incrementAndGet();
            pump(c);
        }

        private void pump(Connection c) {
            while (c.isWritable() && sent.get() < total) {
                long s = sent.get();
                int n = (int) Math.min(CHUNK, total - s);
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) ((s + i) % 251);
                }
                c.write(chunk, 0, n);
                sent.addAndGet(n);
                maxQueued.accumulateAndGet(c.queuedBytes(), Math::max);
            }
            if (!c.isWritable()) {
                unwritableSeen.incrementAndGet();
            }
            if (sent.get() >= total) {
                c.close();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aClientThatStopsReadingMakesTheConnectionUnwritableAndMemoryStopsGrowing(Variant v) throws Exception {
        long total = 24L << 20;
        Firehose firehose = new Firehose(total);
        ServerConfig config = v.config().withWaterMarks(new WaterMarks(32 * 1024, 64 * 1024));
        try (Server server = start(v, config, firehose); SocketChannel ch = Net.connect(server.address())) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024);
            Net.await("the connection to turn unwritable", Duration.ofSeconds(10),
                    () -> firehose.unwritableSeen.get() > 0);
            // The kernel's send buffer grows (autotuning, up to net.ipv4.tcp_wmem's max) for a while
            // before the server must stop: wait until production stalls, within 30 s.
            long deadline = System.nanoTime() + 30_000_000_000L;
            long before = -1;
            long sent1 = firehose.sent.get();
            while (sent1 != before && System.nanoTime() < deadline) {
                before = sent1;
                Thread.sleep(400);
                sent1 = firehose.sent.get();
            }
            assertThat(sent1).as("production stalled while the client does not read").isEqualTo(before);
            long lent1 = server.stats().lentBytes();
            Thread.sleep(500);
            long sent2 = firehose.sent.get();
            long lent2 = server.stats().lentBytes();
            assertThat(sent2).as("production stays stalled").isEqualTo(sent1);
            assertThat(lent2).as("server memory stopped growing").isEqualTo(lent1);
            assertThat(firehose.connection.isWritable()).isFalse();
            assertThat(firehose.maxQueued.get()).as("queue bounded by the high water mark plus one chunk")
                    .isLessThanOrEqualTo(64 * 1024 + Firehose.CHUNK);
            // now read everything and check the pattern
            ByteBuffer b = ByteBuffer.allocate(256 * 1024);
            long got = 0;
            for (int n; (n = ch.read(b)) >= 0; b.clear()) {
                for (int i = 0; i < n; i++) {
                    if (b.get(i) != (byte) ((got + i) % 251)) {
                        throw new AssertionError("byte " + (got + i) + " is wrong");
                    }
                }
                got += n;
            }
            assertThat(got).isEqualTo(total);
            assertThat(firehose.writableCallbacks.get()).as("writable callbacks").isPositive();
        }
    }

    // ------------------------------------------------------------------ shutdown

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void gracefulShutdownLosesNoReplyToARequestAlreadyReceived(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        if (v.model().handlerMayBlock()) {
            handler.delayMillis = 200; // requests in the middle of being handled when shutdown starts
        }
        int clients = 20;
        Server server = start(v, v.config(), handler);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<SocketChannel> channels = new ArrayList<>();
            byte[] payload = new byte[1 << 20];
            new Random(3).nextBytes(payload);
            for (int i = 0; i < clients; i++) {
                SocketChannel ch = Net.connect(server.address());
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 32 * 1024);
                channels.add(ch);
            }
            List<Future<?>> writes = new ArrayList<>();
            for (SocketChannel ch : channels) {
                writes.add(pool.submit(() -> {
                    Net.writeFully(ch, Net.frame(payload));
                    return null;
                }));
            }
            for (Future<?> w : writes) {
                w.get(20, TimeUnit.SECONDS);
            }
            Net.await("every request received", Duration.ofSeconds(20), () -> handler.frames.get() == clients);
            AtomicBoolean clean = new AtomicBoolean();
            Future<?> shutdown = pool.submit(() -> clean.set(server.shutdown(Duration.ofSeconds(20))));
            // Replies are 1 MiB each and the clients read slowly: most of them is still queued.
            List<Future<Long>> reads = new ArrayList<>();
            for (SocketChannel ch : channels) {
                reads.add(pool.submit(() -> {
                    byte[] reply = Net.readFully(ch, 4 + payload.length);
                    if (!Arrays.equals(Arrays.copyOfRange(reply, 4, reply.length), payload)) {
                        throw new AssertionError("reply differs");
                    }
                    return Net.readToEnd(ch);
                }));
            }
            for (Future<Long> r : reads) {
                assertThat(r.get(30, TimeUnit.SECONDS)).as("bytes after the reply").isZero();
            }
            shutdown.get(30, TimeUnit.SECONDS);
            assertThat(clean).as("shutdown finished within its timeout").isTrue();
            for (SocketChannel ch : channels) {
                ch.close();
            }
        } finally {
            server.close();
        }
    }

    // ------------------------------------------------------------------ memory

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void idleConnectionsHoldNoPooledBuffer(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = start(v, v.config(), handler)) {
            long baseline = idleBaseline(server);
            int n = 100;
            List<SocketChannel> channels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SocketChannel ch = Net.connect(server.address());
                channels.add(ch);
                // a full frame, and the first half of another: the server keeps 3 bytes for a while
                Net.writeFully(ch, Net.frame(new byte[] {(byte) i}));
                Net.writeFully(ch, ByteBuffer.wrap(new byte[] {0, 0, 0}));
            }
            for (SocketChannel ch : channels) {
                Net.readFully(ch, 5);
            }
            // A loop keeps a partial message in a small pooled buffer; a connection's own thread
            // keeps it in the read buffer it holds anyway (one per connection, by nature).
            long perConnection = v.threadPerConnection() ? 1 : 0;
            Net.await("partial frames kept", Duration.ofSeconds(5),
                    () -> server.stats().lentBuffers() == baseline + n);
            for (SocketChannel ch : channels) {
                Net.writeFully(ch, ByteBuffer.wrap(new byte[] {1, 7}));
                assertThat(Net.readFully(ch, 5)[4]).isEqualTo((byte) 7);
            }
            Net.await("partial frames consumed, buffers back", Duration.ofSeconds(5),
                    () -> server.stats().lentBuffers() == baseline + n * perConnection);
            assertThat(server.stats().connections()).isEqualTo(n);
            for (SocketChannel ch : channels) {
                ch.close();
            }
            Net.await("all back", Duration.ofSeconds(10), () -> server.stats().lentBuffers() == baseline
                    && server.stats().connections() == 0);
            ServerStats s = server.stats();
            assertThat(s.closed()).isEqualTo(n);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void plainEchoHandlesABidirectionalStream(Variant v) throws Exception {
        try (Server server = start(v, v.config(), new EchoHandler());
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
             SocketChannel ch = Net.connect(server.address())) {
            byte[] data = new byte[8 << 20];
            new Random(11).nextBytes(data);
            Future<?> writer = pool.submit(() -> {
                Net.writeFully(ch, ByteBuffer.wrap(data));
                ch.shutdownOutput();
                return null;
            });
            byte[] back = Net.readFully(ch, data.length);
            writer.get(30, TimeUnit.SECONDS);
            assertThat(back).isEqualTo(data);
            assertThat(Net.readToEnd(ch)).isZero();
        }
    }
}
