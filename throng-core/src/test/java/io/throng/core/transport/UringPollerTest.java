package io.throng.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.throng.core.buffer.BufferPool;
import io.throng.core.config.SocketOptions;
import io.throng.core.linux.Uring;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The io_uring poller's hard cases over real loopback sockets, a plain {@link Socket} as the peer:
 * a close while a receive or a send is in flight, a peer's reset with its bytes still unread, a
 * pool of buffers the kernel has filled. Each ends with nothing in flight but the wake-up read and
 * every provided buffer back in the ring: the kernel writes into no memory that is given back.
 */
class UringPollerTest {
    private final BufferPool outboxes = new BufferPool(1 << 20);
    private final List<int[]> ready = new ArrayList<>();
    private final EpollScratch scratch = new EpollScratch(8);
    private UringPoller poller;
    private ListenSocket listener;

    @BeforeAll
    static void needsIoUring() {
        if (System.getenv("CI") != null && System.getProperty("os.name").startsWith("Linux")) {
            assertThat(Uring.unavailableReason()).isNull();
        }
        assumeTrue(Uring.available(), () -> "io_uring cannot run here: " + Uring.unavailableReason());
    }

    @BeforeEach
    void open() throws IOException {
        poller = new UringPoller(outboxes, false);
        listener = UringTransport.instance().listen(new InetSocketAddress("127.0.0.1", 0),
                SocketOptions.DEFAULT, false);
        poller.addListener(listener, -1);
    }

    @AfterEach
    void close() {
        listener.close();
        poller.close();
        outboxes.close();
    }

    /** Polls until {@code done} holds (5 s at most); readiness goes to {@link #ready} as (attachment, ops). */
    private void pollUntil(String what, BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + what).isNegative();
            poller.poll(scratch, 20, (a, ops) -> ready.add(new int[] {id(a), ops}));
        }
    }

    private boolean reported(int attachment, int op) {
        return ready.stream().anyMatch(r -> r[0] == attachment && (r[1] & op) != 0);
    }

    /** Accepts the peer's connection and registers it as attachment 1, waiting for {@code interest}. */
    private UringSocket accept(int interest) throws IOException {
        pollUntil("the accept", () -> reported(-1, Interest.READ));
        UringSocket s = (UringSocket) listener.accept(scratch);
        assertThat(s).isNotNull();
        poller.add(s, 1, interest);
        poller.poll(scratch, 0, (a, ops) -> ready.add(new int[] {id(a), ops}));
        return s;
    }

    /** An owner whose interest the test sets, as a connection's changes under its lock. */
    record Owner(int id, int[] now) implements InterestSource {
        @Override
        public int currentInterest() {
            return now[0];
        }
    }

    private static int id(Object attachment) {
        return attachment instanceof Owner o ? o.id() : (Integer) attachment;
    }

    private void assertSettled() throws IOException {
        pollUntil("every operation's last completion", () -> poller.inFlight() == 2); // the wake-up read, the accept
        assertThat(poller.buffers.held()).as("provided buffers not given back").isZero();
    }

    @Test
    void aSocketWhoseLoopClosedForgetsTheLoopAndItsBuffers() throws IOException {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            UringSocket s = accept(Interest.READ);
            assertThat(s.poller()).isSameAs(poller);
            peer.getOutputStream().write(new byte[100]);
            pollUntil("the bytes", () -> reported(1, Interest.READ));
            assertThat(s.available()).isEqualTo(100); // held in one of the loop's buffers
            int slot = poller.slot;
            assertThat(UringPoller.slot(slot)).isSameAs(poller);

            poller.close();

            // the socket names its loop by slot: once the loop is gone it names none, so a loop
            // that takes the slot later is never reached through it, and it holds none of the
            // closed loop's buffers
            assertThat(UringPoller.slot(slot)).isNull();
            assertThat(s.poller()).isNull();
            assertThat(s.available()).isZero();
            assertThat(s.setInterest(Interest.READ | Interest.WRITE)).isFalse();
            assertThatThrownBy(() -> s.write(scratch, ByteBuffer.wrap(new byte[8]), 0)).isInstanceOf(IOException.class);
            s.close(true); // released with the loop: nothing to do, and no number closed twice
            peer.setSoTimeout(5000);
            assertThat(peer.getInputStream().read()).isEqualTo(-1); // the loop's close reached the peer
            UringPoller next = new UringPoller(outboxes, false);
            try {
                assertThat(next.slot).as("a freed slot is taken again as late as possible").isNotEqualTo(slot);
            } finally {
                next.close();
            }
        }
    }

    @Test
    void anAcceptedSocketHasTcpNoDelayFromItsListener() throws IOException {
        assertThat(SocketOptions.DEFAULT.tcpNoDelay()).isTrue();
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            UringSocket s = accept(Interest.READ);
            // set on the listener only (one system call less a connection): Linux's accepted sockets inherit it
            assertThat(io.throng.core.linux.Linux.getInt(scratch.errno, s.fd(), io.throng.core.linux.Linux.IPPROTO_TCP,
                    io.throng.core.linux.Linux.TCP_NODELAY, scratch.small)).isEqualTo(1);
            s.close(false);
            assertSettled();
        }
    }

    @Test
    void anotherThreadsInterestChangeIsAppliedAsTheOwnerWantsItWhenTheLoopGetsToIt() throws Exception {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            pollUntil("the accept", () -> reported(-1, Interest.READ));
            UringSocket s = (UringSocket) listener.accept(scratch);
            int[] now = {Interest.READ};
            poller.add(s, new Owner(2, now), Interest.READ);
            poller.poll(scratch, 0, (a, ops) -> ready.add(new int[] {id(a), ops}));
            // another thread asks for READ only (its view then); before the loop's turn, the owner
            // comes to want WRITE too (the loop queued bytes and set it itself): the request,
            // applied late, must not take WRITE away
            Thread t = Thread.ofPlatform().start(() -> s.setInterest(Interest.READ));
            t.join();
            now[0] = Interest.READ | Interest.WRITE;
            s.setInterest(now[0]); // the loop's own change, applied at once
            pollUntil("the write readiness", () -> reported(2, Interest.WRITE));
            ready.clear();
            poller.poll(scratch, 10, (a, ops) -> ready.add(new int[] {id(a), ops}));
            assertThat(s.interest()).as("WRITE kept").isEqualTo(Interest.READ | Interest.WRITE);
            s.close(false);
            assertSettled();
        }
    }

    @Test
    void closingWhileAReceiveIsInFlightEndsItAndThePeerSeesTheEnd() throws IOException {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            UringSocket s = accept(Interest.READ);
            assertThat(s.flags & UringSocket.RECV_ARMED).as("a multishot receive armed").isNotZero();
            s.close(false);
            assertSettled();
            peer.setSoTimeout(5000);
            assertThat(peer.getInputStream().read()).as("end of stream").isEqualTo(-1);
        }
    }

    @Test
    void closingWhileASendIsInFlightWaitsForItUnlessReset() throws IOException {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            peer.setReceiveBufferSize(4096);
            UringSocket s = accept(Interest.READ | Interest.WRITE);
            // the peer reads nothing: writes fill its window and our buffer, then a send stays in flight
            ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
            long written = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((s.flags & UringSocket.SEND_IN_FLIGHT) == 0 || s.outboxHasRoom()) {
                assertThat(System.nanoTime() - deadline).isNegative();
                chunk.clear();
                written += s.write(scratch, chunk, 0);
                poller.poll(scratch, 1, (a, ops) -> { });
            }
            assertThat(written).isGreaterThan(64 * 1024);
            // a graceful close keeps the socket until its outbox drains: still in flight
            s.close(false);
            poller.poll(scratch, 50, (a, ops) -> { });
            assertThat(s.flags & UringSocket.SEND_IN_FLIGHT).isNotZero();
            // a reset cancels the send and closes at once
            s.close(true);
            assertSettled();
            InputStream in = peer.getInputStream();
            peer.setSoTimeout(5000);
            byte[] b = new byte[64 * 1024];
            assertThatThrownBy(() -> {
                while (in.read(b) >= 0) {
                    // what arrived before the reset, then the reset
                }
            }).isInstanceOf(SocketException.class).hasMessageContaining("reset");
        }
    }

    /**
     * Bytes written in place are sent from their own memory (no outbox chunk is taken), the socket
     * keeps their buffer until the kernel has sent them all, and what is written meanwhile goes out
     * behind them, copied.
     */
    @Test
    void aBufferWrittenInPlaceIsSentFromItsOwnMemoryAndWhatFollowsGoesBehindIt() throws Exception {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            UringSocket s = accept(Interest.READ);
            int big = 2 << 20;
            ByteBuffer frame = ByteBuffer.allocateDirect(big);
            for (int i = 0; i < big; i++) {
                frame.put(i, (byte) (i * 13));
            }
            ByteBuffer second = ByteBuffer.allocateDirect(3000);
            for (int i = 0; i < 3000; i++) {
                second.put(i, (byte) (i * 7 + 1));
            }
            long sendsBefore = poller.inPlaceSends;

            assertThat(s.writeInPlace(scratch, frame.duplicate(), 0)).isEqualTo(big);
            assertThat(poller.inPlaceSends - sendsBefore).isEqualTo(1);
            assertThat(outboxes.stats().lentBuffers()).as("no copy of the frame").isZero();
            assertThat(s.writeInPlace(scratch, second.duplicate(), 0)).as("behind a send in place: copied").isEqualTo(3000);
            assertThat(s.write(scratch, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0)).isEqualTo(3);
            assertThat(poller.inPlaceSends - sendsBefore).isEqualTo(1);
            assertThat(outboxes.stats().lentBuffers()).as("one chunk for what came behind").isEqualTo(1);

            java.util.concurrent.FutureTask<byte[]> read = new java.util.concurrent.FutureTask<>(
                    () -> peer.getInputStream().readNBytes(big + 3000 + 3));
            Thread.ofVirtual().start(read);
            pollUntil("everything sent", () -> s.outboxEmpty());
            byte[] got = read.get(5, java.util.concurrent.TimeUnit.SECONDS);
            for (int i = 0; i < big; i++) {
                if (got[i] != (byte) (i * 13)) {
                    throw new AssertionError("frame byte " + i + " differs");
                }
            }
            for (int i = 0; i < 3000; i++) {
                assertThat(got[big + i]).isEqualTo((byte) (i * 7 + 1));
            }
            assertThat(java.util.Arrays.copyOfRange(got, big + 3000, big + 3003)).containsExactly(1, 2, 3);
            assertThat(outboxes.stats().lentBuffers()).isZero();
            assertThat(s.io).as("nothing in flight: the in-flight state given back").isNull();

            // with nothing waiting, the next one goes in place again
            assertThat(s.writeInPlace(scratch, second.duplicate(), 0)).isEqualTo(3000);
            assertThat(poller.inPlaceSends - sendsBefore).isEqualTo(2);
            pollUntil("sent", () -> s.outboxEmpty());
            assertThat(peer.getInputStream().readNBytes(3000)).hasSize(3000);
            s.close(false);
            assertSettled();
        }
    }

    @Test
    void closingWhileAnInPlaceSendIsInFlightKeepsItsBufferUntilTheCancelLands() throws IOException {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            peer.setReceiveBufferSize(4096);
            UringSocket s = accept(Interest.READ);
            ByteBuffer frame = ByteBuffer.allocateDirect(32 << 20); // more than the socket buffers take
            s.writeInPlace(scratch, frame.duplicate(), 0);
            poller.poll(scratch, 50, (a, ops) -> { });
            assertThat(s.flags & UringSocket.SEND_IN_FLIGHT).as("the peer reads nothing: still sending").isNotZero();
            s.close(false);
            poller.poll(scratch, 20, (a, ops) -> { });
            assertThat(s.io.held).as("a graceful close waits for the send, holding its buffer").isNotNull();
            s.close(true);
            assertSettled();
            assertThat(s.io).as("the send's last completion arrived: buffer let go").isNull();
        }
    }

    @Test
    void aPeersResetWithItsBytesUnreadGivesTheBytesThenTheError() throws IOException {
        Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort());
        UringSocket s = accept(0); // not reading yet: what arrives waits in the kernel
        peer.getOutputStream().write(new byte[10_000]);
        peer.setSoLinger(true, 0);
        peer.close(); // RST behind the bytes
        s.setInterest(Interest.READ);
        pollUntil("the bytes and the reset", () -> reported(1, Interest.READ) && s.error() != 0
                || (s.flags & UringSocket.EOF) != 0);
        ByteBuffer dst = ByteBuffer.allocateDirect(64 * 1024);
        long read = 0;
        IOException failure = null;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (failure == null) {
            assertThat(System.nanoTime() - deadline).as("the reset, read").isNegative();
            try {
                dst.clear();
                int n = s.read(scratch, dst, 0);
                assertThat(n).as("a reset, not an orderly end").isNotNegative();
                read += n;
                if (n == 0) {
                    poller.poll(scratch, 10, (a, ops) -> { });
                }
            } catch (IOException e) {
                failure = e;
            }
        }
        // what was received before the reset can be read (Linux may drop it), then the error
        assertThat(read).isLessThanOrEqualTo(10_000);
        assertThat(failure).hasMessageContaining("reset");
        s.close(false);
        assertSettled();
    }

    @Test
    void aSocketNotReadStopsReceivingOnceItHoldsEightBuffers() throws IOException {
        try (Socket peer = new Socket("127.0.0.1", listener.localAddress().getPort())) {
            UringSocket s = accept(Interest.READ);
            peer.getOutputStream().write(new byte[256 * 1024]); // 64 buffers' worth, not read by us
            pollUntil("the receive to stop at eight buffers", () -> s.rxFull()
                    && (s.flags & UringSocket.RECV_ARMED) == 0);
            // the cancel goes in with the next enter, so a few more may land before it: not all 64
            assertThat(poller.buffers.held()).isBetween(UringIo.RX_HOLD, 40);
            // reading it all resumes the receive, and every byte arrives once
            ByteBuffer dst = ByteBuffer.allocateDirect(8192);
            long total = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (total < 256 * 1024) {
                assertThat(System.nanoTime() - deadline).isNegative();
                dst.clear();
                int n = s.read(scratch, dst, 0);
                total += n;
                if (n == 0) {
                    poller.poll(scratch, 10, (a, ops) -> { });
                }
            }
            assertThat(total).isEqualTo(256 * 1024);
            s.close(false);
            assertSettled();
        }
    }
}
