package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Per-connection timers and shared (fan-out) writes, under every model. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionApiTest {

    static List<Variant> variants() {
        return Variant.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void theTimerFiresInTheConnectionsContextAndCanBeRearmedOrCancelled(Variant v) throws Exception {
        AtomicInteger fired = new AtomicInteger();
        Handler ticking = new Handler() {
            @Override
            public void onOpen(Connection c) {
                c.setTimer(Duration.ofMillis(150));
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                byte b = in.get();
                if (b == 'x') {
                    c.cancelTimer();
                    c.write(new byte[] {'x'});
                } else if (b == 'f') {
                    // set from another thread
                    Thread.ofVirtual().start(() -> c.setTimer(Duration.ofMillis(100)));
                }
            }

            @Override
            public void onTimer(Connection c) {
                int n = fired.incrementAndGet();
                c.write(new byte[] {(byte) ('0' + n)});
                if (n < 3) {
                    c.setTimer(Duration.ofMillis(150));
                }
            }
        };
        try (Server server = Server.start(v.config(), ticking); SocketChannel ch = Net.connect(server.address())) {
            long start = System.nanoTime();
            assertThat(new String(Net.readFully(ch, 3))).isEqualTo("123");
            assertThat((System.nanoTime() - start) / 1e6).as("ms for three 150 ms timers").isBetween(300.0, 3000.0);
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {'f'}));
            assertThat(new String(Net.readFully(ch, 1))).isEqualTo("4");
            assertThat(fired.get()).isEqualTo(4);
        }
        // cancel: no tick after 'x'
        fired.set(0);
        try (Server server = Server.start(v.config(), ticking); SocketChannel ch = Net.connect(server.address())) {
            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {'x'}));
            assertThat(new String(Net.readFully(ch, 1))).isEqualTo("x");
            Thread.sleep(500);
            assertThat(fired.get()).isZero();
        }
    }

    /**
     * A shared frame written from another thread, with no flush after it (a WebSocket broadcast),
     * larger than the socket takes at once: the rest goes out as the peer reads, with no further
     * write to push it. (It waited for the connection's next write: the interest was set while the
     * queue was still empty. A broadcast on io_uring, where another thread's write is all queued,
     * took a second, its interval, to reach half the subscribers.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aSharedFrameFromAnotherThreadGoesOutWithoutAFlush(Variant v) throws Exception {
        Queue<Connection> connections = new ConcurrentLinkedQueue<>();
        Handler collect = collecting(connections);
        int size = 8 << 20; // well past what loopback's socket buffers hold
        ByteBuffer frame = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            frame.put(i, (byte) (i * 31));
        }
        try (Server server = Server.start(v.config(), collect); SocketChannel peer = Net.connect(server.address())) {
            Net.await("open", Duration.ofSeconds(10), () -> connections.size() == 1);
            Connection c = connections.peek();
            Thread writer = Thread.ofPlatform().start(() -> c.writeShared(frame));
            writer.join();
            java.util.concurrent.FutureTask<byte[]> read = new java.util.concurrent.FutureTask<>(() -> Net.readFully(peer, size));
            Thread.ofVirtual().start(read);
            byte[] got;
            try {
                got = read.get(15, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("the rest of the frame never went out: its bytes waited in the queue");
            }
            for (int i = 0; i < size; i++) {
                if (got[i] != (byte) (i * 31)) {
                    throw new AssertionError("byte " + i + " differs");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void oneBufferWrittenToManyConnectionsFromManyThreadsReachesEachIntact(Variant v) throws Exception {
        Queue<Connection> connections = new ConcurrentLinkedQueue<>();
        Handler collect = collecting(connections);
        int n = 40;
        int rounds = 20;
        ByteBuffer frame = ByteBuffer.allocateDirect(20_000);
        for (int i = 0; i < frame.capacity(); i++) {
            frame.put(i, (byte) (i * 7));
        }
        frame.position(10).limit(19_990);
        try (Server server = Server.start(v.config(), collect)) {
            List<SocketChannel> peers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                peers.add(Net.connect(server.address()));
            }
            Net.await("all open", Duration.ofSeconds(10), () -> connections.size() == n);
            List<Thread> publishers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                boolean immutable = t == 1; // the frame never changes: one publisher says so
                publishers.add(Thread.ofPlatform().start(() -> {
                    for (int r = 0; r < rounds / 2; r++) {
                        for (Connection c : connections) {
                            if (immutable) {
                                c.writeImmutable(frame);
                            } else {
                                c.writeShared(frame);
                            }
                        }
                        for (Connection c : connections) {
                            c.flush();
                        }
                    }
                }));
            }
            List<Thread> readers = new ArrayList<>();
            AtomicInteger good = new AtomicInteger();
            for (SocketChannel p : peers) {
                readers.add(Thread.ofVirtual().start(() -> {
                    try {
                        byte[] all = Net.readFully(p, rounds * 19_980);
                        for (int r = 0; r < rounds; r++) {
                            for (int i = 0; i < 19_980; i++) {
                                if (all[r * 19_980 + i] != (byte) ((i + 10) * 7)) {
                                    return;
                                }
                            }
                        }
                        good.incrementAndGet();
                    } catch (java.io.IOException e) {
                        // counted as not good
                    }
                }));
            }
            for (Thread t : publishers) {
                t.join();
            }
            for (Thread t : readers) {
                t.join(20_000);
            }
            assertThat(good.get()).as("connections that got every frame intact").isEqualTo(n);
            assertThat(frame.position()).isEqualTo(10);
            assertThat(frame.limit()).isEqualTo(19_990);
            for (SocketChannel p : peers) {
                p.close();
            }
        }
    }

    /**
     * Immutable frames ({@code writeImmutable}: kept by reference, and on io_uring sent from their
     * own memory) interleaved with plain writes from another thread reach the peer in the order
     * they were written, whole, with no flush after the last: the frame is 6 MB, more than the
     * socket buffers hold, so most of it waits as a view in the queue and goes out as the peer reads.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void immutableFramesAndPlainWritesFromAnotherThreadArriveWholeAndInOrder(Variant v) throws Exception {
        Queue<Connection> connections = new ConcurrentLinkedQueue<>();
        Handler collect = collecting(connections);
        int small = 3000;
        int big = 6 << 20; // under the default max-queued-bytes (8 MiB) with the rest
        int rounds = 50;
        ByteBuffer frame = ByteBuffer.allocateDirect(small);
        for (int i = 0; i < small; i++) {
            frame.put(i, (byte) (i * 11));
        }
        ByteBuffer last = ByteBuffer.allocateDirect(big);
        for (int i = 0; i < big; i++) {
            last.put(i, (byte) (i * 31 + 5));
        }
        try (Server server = Server.start(v.config(), collect); SocketChannel peer = Net.connect(server.address())) {
            Net.await("open", Duration.ofSeconds(10), () -> connections.size() == 1);
            Connection c = connections.peek();
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int r = 0; r < rounds; r++) {
                    c.writeImmutable(frame);
                    c.write(ByteBuffer.allocate(4).putInt(0, r));
                    if (r % 10 == 9) {
                        c.flush();
                    }
                }
                c.writeImmutable(last); // no flush after it
            });
            writer.join();
            assertThat(frame.position()).isZero();
            assertThat(frame.limit()).isEqualTo(small);
            java.util.concurrent.FutureTask<byte[]> read = new java.util.concurrent.FutureTask<>(
                    () -> Net.readFully(peer, rounds * (small + 4) + big));
            Thread.ofVirtual().start(read);
            byte[] got;
            try {
                got = read.get(20, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("not everything went out: bytes waited in the queue");
            }
            int at = 0;
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < small; i++, at++) {
                    if (got[at] != (byte) (i * 11)) {
                        throw new AssertionError("round " + r + ": frame byte " + i + " differs");
                    }
                }
                assertThat(ByteBuffer.wrap(got, at, 4).getInt()).as("the write after frame %d", r).isEqualTo(r);
                at += 4;
            }
            for (int i = 0; i < big; i++, at++) {
                if (got[at] != (byte) (i * 31 + 5)) {
                    throw new AssertionError("last frame byte " + i + " differs");
                }
            }
        }
    }

    /**
     * A handler that takes one message at a time and suspends reads until another thread has
     * answered it: the messages that arrived together with the first wait in the engine's leftover
     * buffer, and resuming reads hands them over again without waiting for more bytes from the
     * peer (which sent everything and waits for the answers).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    @Timeout(value = 5, unit = TimeUnit.SECONDS)
    void resumingReadsHandsOverWhatWasLeftUnreadWithoutNewBytes(Variant v) throws Exception {
        Handler oneAtATime = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                if (in.remaining() < 4) {
                    return;
                }
                int n = in.getInt();
                c.suspendReads();
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                    c.write(ByteBuffer.allocate(4).putInt(0, n + 1000));
                    c.flush();
                    c.resumeReads();
                });
            }
        };
        try (Server server = Server.start(v.config(), oneAtATime); SocketChannel ch = Net.connect(server.address())) {
            ByteBuffer all = ByteBuffer.allocate(4 * 10);
            for (int i = 0; i < 10; i++) {
                all.putInt(i);
            }
            Net.writeFully(ch, all.flip()); // one write: the messages arrive together
            ByteBuffer back = ByteBuffer.wrap(Net.readFully(ch, 4 * 10));
            for (int i = 0; i < 10; i++) {
                assertThat(back.getInt()).isEqualTo(i + 1000);
            }
        }
    }

    /** A handler that keeps every connection it opens and drops what they send. */
    private static Handler collecting(Queue<Connection> connections) {
        return new Handler() {
            @Override
            public void onOpen(Connection c) {
                connections.add(c);
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
            }
        };
    }
}
