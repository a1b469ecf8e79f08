package io.throng.core.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The io_uring ring on its own, against this kernel: set-up, submission and completion, timed
 * waits, a queue fuller than its entries, and multishot accept and receive with provided buffers
 * over real loopback sockets, a plain {@link Socket} on the other end.
 */
class UringRingTest {
    private final MemorySegment err = Linux.newErrnoSegment();
    private final List<long[]> done = new ArrayList<>();
    private UringRing ring;

    @BeforeAll
    static void needsIoUring() {
        // CI and the project's machine run Linux with io_uring on: there this must not skip
        if (System.getenv("CI") != null && System.getProperty("os.name").startsWith("Linux")) {
            assertThat(Uring.unavailableReason()).isNull();
        }
        assumeTrue(Uring.available(), () -> "io_uring cannot run here: " + Uring.unavailableReason());
    }

    @BeforeEach
    void open() throws UringException {
        ring = UringRing.open(err, 8, 0);
        ring.enable();
    }

    @AfterEach
    void close() {
        ring.close();
    }

    private int reap() {
        return ring.reap((ud, res, flags) -> done.add(new long[] {ud, res, flags}));
    }

    /** Waits (up to 5 s) until {@code n} completions have been reaped in all. */
    private void awaitCompletions(int n) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (done.size() < n && System.nanoTime() < deadline) {
            assertThat(ring.submitAndWait(100_000_000L)).isGreaterThanOrEqualTo(0);
            reap();
        }
        assertThat(done).as("completions").hasSizeGreaterThanOrEqualTo(n);
    }

    @Test
    void setsUpTheCheapestModeThisKernelHas() {
        // Linux 6.18 here: single issuer with deferred task work, no SQ array, the ring registered
        assertThat(ring.setupFlags() & Uring.SETUP_DEFER_TASKRUN).isNotZero();
        assertThat(ring.setupDescription()).contains("single issuer, deferred task work").contains("registered ring");
        assertThat(ring.sqEntries()).isEqualTo(8);
        assertThat(ring.cqEntries()).isEqualTo(16);
        assertThat(ring.features() & Uring.FEAT_NODROP).isNotZero();
    }

    @Test
    void aNopCompletesWithItsUserData() {
        ring.prepNop(42);
        assertThat(ring.pending()).isEqualTo(1);
        assertThat(ring.submitAndWait(-1)).isEqualTo(1);
        assertThat(ring.pending()).isZero();
        assertThat(reap()).isEqualTo(1);
        assertThat(done.get(0)).containsExactly(42, 0, 0);
        assertThat(ring.hasCompletions()).isFalse();
    }

    @Test
    void aTimedWaitReturnsWhenNothingCompletes() {
        long t0 = System.nanoTime();
        assertThat(ring.submitAndWait(50_000_000L)).isZero();
        long waited = System.nanoTime() - t0;
        assertThat(waited).isGreaterThanOrEqualTo(40_000_000L).isLessThan(2_000_000_000L);
        assertThat(reap()).isZero();
        assertThat(ring.enters()).isEqualTo(1);
    }

    @Test
    void moreSubmissionsThanEntriesAllComplete() {
        // 8 SQ and 16 CQ entries: preparing the 9th submits the first 8, and the kernel keeps the
        // completions the CQ has no room for (FEAT_NODROP) until they are reaped
        for (int i = 0; i < 100; i++) {
            ring.prepNop(i);
        }
        awaitCompletions(100);
        assertThat(done).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(done.get(i)[0]).isEqualTo(i);
        }
        assertThat(ring.overflow()).isZero();
    }

    @Test
    void theProbeFindsTheNetworkOpcodesAndNotAnUnknownOne() throws UringException {
        assertThat(ring.missingOpcodes(Uring.OP_ACCEPT, Uring.OP_RECV, Uring.OP_SEND, Uring.OP_CLOSE)).isNull();
        assertThat(ring.missingOpcodes((byte) 250)).isEqualTo("opcode 250");
    }

    @Test
    void multishotAcceptAndReceiveWithProvidedBuffersEchoOverLoopback() throws Exception {
        int listener = listen();
        UringBufferRing buffers = ring.registerBuffers(1, 4, 64);
        try {
            int port = SockAddrPort.of(err, listener);
            ring.prepAcceptMultishot(listener, 1);
            ring.submit();
            try (Socket a = new Socket("127.0.0.1", port); Socket b = new Socket("127.0.0.1", port)) {
                awaitCompletions(2); // one accept completion per connection, the accept staying armed
                int fdA = (int) done.get(0)[1];
                int fdB = (int) done.get(1)[1];
                assertThat(fdA).isPositive();
                assertThat(fdB).isPositive().isNotEqualTo(fdA);
                assertThat(done.get(0)[2] & Uring.CQE_F_MORE).isNotZero();
                done.clear();

                ring.prepRecvMultishot(fdA, 1, 10);
                ring.prepRecvMultishot(fdB, 1, 11);
                ring.submit();
                assertThat(buffers.held()).isZero(); // waiting for bytes holds no buffer
                OutputStream out = a.getOutputStream();
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                awaitCompletions(1);
                long[] c = done.get(0);
                assertThat(c[0]).isEqualTo(10);
                assertThat(c[1]).isEqualTo(5);
                assertThat(c[2] & Uring.CQE_F_BUFFER).isNotZero();
                assertThat(c[2] & Uring.CQE_F_MORE).as("the receive stays armed").isNotZero();
                int bid = (int) (c[2] >>> Uring.CQE_BUFFER_SHIFT);
                buffers.taken(bid);
                byte[] got = buffers.segment(bid, 5).toArray(ValueLayout.JAVA_BYTE);
                assertThat(new String(got, StandardCharsets.US_ASCII)).isEqualTo("hello");
                assertThat(buffers.held()).isEqualTo(1);

                // send the same bytes back from the buffer they arrived in, then give it back
                ring.prepSend(fdA, buffers.address(bid), 5, 20);
                done.clear();
                awaitCompletions(1);
                assertThat(done.get(0)).containsExactly(20, 5, 0);
                buffers.recycle(bid);
                assertThat(buffers.held()).isZero();
                InputStream in = a.getInputStream();
                assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");

                // more arrivals than buffers: each completion takes one, recycled as it is read
                done.clear();
                for (int i = 0; i < 10; i++) {
                    b.getOutputStream().write(new byte[] {(byte) i});
                    b.getOutputStream().flush();
                    awaitCompletions(i + 1);
                    long[] r = done.get(i);
                    assertThat(r[0]).isEqualTo(11);
                    int id = (int) (r[2] >>> Uring.CQE_BUFFER_SHIFT);
                    buffers.taken(id);
                    assertThat(buffers.segment(id, (int) r[1]).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) i);
                    buffers.recycle(id);
                }

                // the peer closes: a last completion of 0 bytes, without F_MORE
                done.clear();
                a.close();
                awaitCompletions(1);
                assertThat(done.get(0)[0]).isEqualTo(10);
                assertThat(done.get(0)[1]).isZero();
                assertThat(done.get(0)[2] & Uring.CQE_F_MORE).isZero();

                // cancelling the other receive ends it with ECANCELED; the cancel itself succeeds
                done.clear();
                ring.prepCancel(11, false, 30);
                awaitCompletions(2);
                assertThat(done).anySatisfy(r -> assertThat(r).containsExactly(11, -Errno.ECANCELED, 0));
                assertThat(done).anySatisfy(r -> assertThat(r).containsExactly(30, 0, 0));
                assertThat(buffers.held()).isZero();
                Linux.close(err, fdA);
                Linux.close(err, fdB);
            }
        } finally {
            ring.unregisterBuffers(buffers);
            Linux.close(err, listener);
        }
    }

    private int listen() throws Exception {
        int fd = Linux.socket(err, SockAddr.AF_INET);
        assertThat(fd).isPositive();
        MemorySegment addr = Arena.ofAuto().allocate(SockAddr.SIZE, 8);
        int len = SockAddr.encode(new InetSocketAddress("127.0.0.1", 0), addr);
        assertThat(Linux.bind(err, fd, addr, len)).isZero();
        assertThat(Linux.listen(err, fd, 16)).isZero();
        return fd;
    }

    /** The port a socket is bound to. */
    private static final class SockAddrPort {
        static int of(MemorySegment err, int fd) {
            MemorySegment addr = Arena.ofAuto().allocate(SockAddr.SIZE, 8);
            MemorySegment len = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
            assertThat(Linux.socketName(err, fd, false, addr, len)).isZero();
            return SockAddr.decode(addr).getPort();
        }
    }
}
