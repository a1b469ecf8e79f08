package io.throng.core.transport;

import io.throng.core.buffer.PooledBuffer;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A socket of the io_uring transport. The kernel does its reading and writing, and this object
 * keeps what a readiness engine expects to see:
 *
 * <ul>
 *   <li><b>Memory.</b> 24 bytes while idle, as much as an epoll socket: descriptor, flags (state,
 *       interest, readiness to report, the loop's slot and the generation packed in one int), the
 *       attachment, and a {@link UringIo} only while bytes are in flight (or an error waits to be
 *       thrown). The loop is named by its slot in {@link UringPoller#slot} rather than by a
 *       reference, and the error lives in the {@code UringIo}: each saves the 4 bytes that,
 *       rounded to 8, made the socket 32.</li>
 *   <li><b>Reading.</b> While the engine wants bytes, one multishot receive is armed; each arrival
 *       lands in a buffer of the loop's provided-buffer ring and is held here until {@link #read}
 *       copies it out and gives the buffer back. So a connection waiting for bytes holds no buffer,
 *       and one whose reading is suspended stops receiving (the receive is cancelled).</li>
 *   <li><b>Writing.</b> {@link #write} copies what it is given into one outbox chunk and sends it
 *       with one SEND entry, which the loop submits with its next {@code io_uring_enter}. One send
 *       is in flight per socket (two on one socket can reach the wire out of order); bytes written
 *       meanwhile are appended to the chunk behind the part in flight and go out when it completes.
 *       The chunk is the bound: what does not fit is refused (a return short of the whole, as a
 *       full socket buffer is), and the engine keeps it under its water marks. The chunk goes back
 *       to the pool when the outbox empties. Bytes that never change ({@link #writeInPlace}: a
 *       broadcast frame) are not copied when the outbox is empty: the send is made from their own
 *       memory, whose buffer the socket keeps until the send completes.</li>
 *   <li><b>Closing.</b> The kernel holds the socket while an operation on it is in flight, so the
 *       descriptor is closed after its operations are cancelled (a cancel hard-linked to a close,
 *       both on the ring), and after the outbox has drained unless the close is a reset. The
 *       kernel may give the number to a new connection before the last completion for the old
 *       one is read: the generation in every completion's user data tells them apart.</li>
 * </ul>
 *
 * <p><b>Threads.</b> The ring is the loop's: the engine's calls from other threads (a close, an
 * interest change) are queued for it. On a reactor's loop a write from another thread refuses
 * (returns 0): the engine queues those bytes and asks for writability, which the loop then
 * reports. On the worker pool's loops ({@link UringPoller#shared}) the claiming worker reads and
 * stages writes itself, under this socket's monitor, and the loop submits the send.
 */
public final class UringSocket extends TransportSocket {
    // flags: the state bits, then the engine's interest, the readiness to report, the generation
    static final int RECV_ARMED = 1;
    static final int SEND_IN_FLIGHT = 1 << 1;
    static final int CONNECTING = 1 << 2;
    static final int CLOSED = 1 << 3;
    static final int CLOSE_WHEN_DRAINED = 1 << 4;
    static final int RESET = 1 << 5;
    static final int FIN_WHEN_DRAINED = 1 << 6;
    static final int EOF = 1 << 7;
    static final int FD_RELEASED = 1 << 8;
    static final int REPORT_QUEUED = 1 << 9;
    static final int CANCEL_SENT = 1 << 10;
    static final int STARVED = 1 << 11;
    /** In its poller's table (the table is indexed by descriptor). */
    static final int REGISTERED = 1 << 12;
    private static final int WANTS_READ = 1 << 13;
    private static final int WANTS_WRITE = 1 << 14;
    private static final int REPORT_READ = 1 << 15;
    private static final int REPORT_WRITE = 1 << 16;
    /** The loop's slot ({@link UringPoller#slot}), 0 for none: 9 bits, so at most 511 loops at once. */
    private static final int SLOT_SHIFT = 17;
    static final int SLOT_LIMIT = 1 << 9;
    private static final int SLOT_MASK = (SLOT_LIMIT - 1) << SLOT_SHIFT;
    /**
     * The generation, 6 bits: a registration of a descriptor number takes the generation of the
     * number's previous socket plus one ({@link UringPoller}), so a late completion of that socket
     * is told apart unless the number was reused 64 times while it was still on its way.
     */
    private static final int GEN_SHIFT = 26;

    /** All of memory, for copies between two native addresses with no segment object for either. */
    private static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    final int fd;
    int flags;
    /** Bytes in flight (received, or staged to send), or an error to throw; else null. */
    UringIo io;
    /** The engine's attachment (its connection). */
    Object attachment;

    UringSocket(int fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /** The engine's interest ({@link Interest} bits). */
    int interest() {
        return ((flags & WANTS_READ) != 0 ? Interest.READ : 0) | ((flags & WANTS_WRITE) != 0 ? Interest.WRITE : 0);
    }

    void interest(int ops) {
        flags = flags & ~(WANTS_READ | WANTS_WRITE) | ((ops & Interest.READ) != 0 ? WANTS_READ : 0)
                | ((ops & Interest.WRITE) != 0 ? WANTS_WRITE : 0);
    }

    boolean wants(int op) {
        return (flags & (op == Interest.READ ? WANTS_READ : WANTS_WRITE)) != 0;
    }

    void addReport(int bits) {
        flags |= ((bits & Interest.READ) != 0 ? REPORT_READ : 0) | ((bits & Interest.WRITE) != 0 ? REPORT_WRITE : 0);
    }

    /** The readiness queued for reporting, cleared. */
    int takeReport() {
        int r = ((flags & REPORT_READ) != 0 ? Interest.READ : 0) | ((flags & REPORT_WRITE) != 0 ? Interest.WRITE : 0);
        flags &= ~(REPORT_READ | REPORT_WRITE);
        return r;
    }

    /** The generation: which registration of this descriptor number a completion belongs to. */
    int gen() {
        return flags >>> GEN_SHIFT;
    }

    void gen(int g) {
        flags = flags & ((1 << GEN_SHIFT) - 1) | g << GEN_SHIFT;
    }

    static int genMask() {
        return (1 << (32 - GEN_SHIFT)) - 1;
    }

    /** Its loop, or null before it is added to one and after that loop has closed. Any thread. */
    UringPoller poller() {
        int slot = (flags & SLOT_MASK) >>> SLOT_SHIFT;
        return slot == 0 ? null : UringPoller.slot(slot);
    }

    /** Names its loop (0: none). The adding thread before the socket is queued for the loop, or the loop. */
    void poller(int slot) {
        flags = flags & ~SLOT_MASK | slot << SLOT_SHIFT;
    }

    /** A failure the kernel reported (errno), thrown by the next read or write; 0 for none. */
    int error() {
        UringIo x = io;
        return x == null ? 0 : x.error;
    }

    /** Records a failure (errno) for the next read or write; the in-flight state holds it. The loop. */
    void error(int errno) {
        io().error = errno;
    }

    boolean registered() {
        return (flags & REGISTERED) != 0;
    }

    /** The bytes-in-flight state, taken from the loop's free list if there is none. */
    UringIo io() {
        return io(poller());
    }

    /** The same, its loop {@code p} already at hand (the hot paths). */
    UringIo io(UringPoller p) {
        UringIo x = io;
        if (x == null) {
            io = x = p != null ? p.takeIo() : new UringIo();
        }
        return x;
    }

    /** Gives the bytes-in-flight state back once both directions are empty. */
    void tidy() {
        UringIo x = io;
        if (x != null && x.idle()) {
            tidy(poller());
        }
    }

    /** The same, its loop {@code p} already at hand (the hot paths). */
    void tidy(UringPoller p) {
        UringIo x = io;
        if (x != null && x.idle()) {
            io = null;
            if (p != null) {
                p.giveIo(x);
            }
        }
    }

    boolean onLoop() {
        UringPoller p = poller();
        return p != null && p.onLoop();
    }

    // ---- reading ---------------------------------------------------------------------------

    boolean hasRx() {
        UringIo x = io; // read once: a worker may give it back meanwhile (shared loops)
        return x != null && x.rxBid >= 0;
    }

    /** Holding as many received buffers as one socket may: receive no more until some are read. */
    boolean rxFull() {
        UringIo x = io;
        return x != null && x.held() >= UringIo.RX_HOLD;
    }

    /** Gives back every buffer still held (closing). */
    void dropRx() {
        UringIo x = io;
        if (x == null) {
            return;
        }
        UringPoller p = poller();
        while (x.rxBid >= 0) {
            if (p != null) {
                p.buffers.recycle(x.rxBid);
            }
            x.pop();
        }
        tidy();
    }

    @Override
    public int read(Scratch scratch, ByteBuffer dst, long dstBase) throws IOException {
        UringPoller p = poller();
        if (p != null && p.shared) {
            synchronized (this) { // a worker reads what the loop received
                return read0(p, dst, dstBase);
            }
        }
        assert p == null || p.onLoop() : "io_uring sockets are read on their loop";
        return read0(p, dst, dstBase);
    }

    private int read0(UringPoller p, ByteBuffer dst, long dstBase) throws IOException {
        int total = 0;
        UringIo x = io;
        if (p != null && x != null && x.rxBid >= 0) { // (a socket whose loop closed holds no buffer: see UringPoller#close)
            boolean direct = dst.isDirect();
            long base = dstBase != 0 || !direct ? dstBase : MemorySegment.ofBuffer(dst).address() - dst.position();
            while (x.rxBid >= 0 && dst.hasRemaining()) {
                int n = Math.min(dst.remaining(), x.rxLen - x.rxOff);
                long src = p.buffers.address(x.rxBid) + x.rxOff;
                if (direct) {
                    MemorySegment.copy(NATIVE, src, NATIVE, base + dst.position(), n);
                } else {
                    MemorySegment.copy(NATIVE, src, MemorySegment.ofBuffer(dst), 0, n);
                }
                dst.position(dst.position() + n);
                x.rxOff += n;
                total += n;
                if (x.rxOff == x.rxLen) {
                    p.recycle(x.rxBid);
                    x.pop();
                }
            }
            tidy(p);
        }
        if (!hasRx() && (flags & (RECV_ARMED | CLOSED | EOF)) == 0 && error() == 0 && wants(Interest.READ)
                && p != null && p.onLoop()) {
            // the receive ended (the ring ran dry, or it held too much and was cancelled): wait again
            p.armRecv(this);
        }
        if (total > 0) {
            return total;
        }
        int e = error();
        if (e != 0) {
            io.error = 0;
            tidy(p);
            throw Errno.exception("recv", e);
        }
        if ((flags & EOF) != 0) {
            return -1;
        }
        return 0;
    }

    // ---- writing ---------------------------------------------------------------------------

    @Override
    public long write(Scratch scratch, ByteBuffer src, long srcBase) throws IOException {
        UringPoller p = poller();
        if (p != null && p.shared) {
            synchronized (this) {
                return stage(null, 0, 0, src);
            }
        }
        return stage(null, 0, 0, src);
    }

    @Override
    public long write(Scratch scratch, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        UringPoller p = poller();
        if (p != null && p.shared) {
            synchronized (this) { // a worker writes: staged here, sent by the loop
                return stage(srcs, offset, length, null);
            }
        }
        return stage(srcs, offset, length, null);
    }

    @Override
    public boolean sendsInPlace() {
        return true;
    }

    /**
     * Sends {@code src} (direct, never to change) from its own memory if nothing waits in the
     * outbox, keeping {@code src} until the kernel has sent it all; else copies it behind what
     * waits, as {@link #write}. Returns what was taken: all of it, or what the outbox had room for.
     */
    @Override
    public long writeInPlace(Scratch scratch, ByteBuffer src, long srcBase) throws IOException {
        if (!src.isDirect()) {
            return write(scratch, src, srcBase);
        }
        UringPoller p = poller();
        if (p != null && p.shared) {
            synchronized (this) {
                return stageInPlace(src, srcBase);
            }
        }
        return stageInPlace(src, srcBase);
    }

    private long stageInPlace(ByteBuffer src, long srcBase) throws IOException {
        UringPoller p = submitter();
        int n = src.remaining();
        if (p == null || n == 0) {
            return 0;
        }
        UringIo x = io;
        if (x != null && (x.held != null || x.out != null)) {
            return stage(null, 0, 0, src); // behind bytes that wait: copied, in order
        }
        x = io(p);
        x.held = src;
        x.heldAddr = (srcBase != 0 ? srcBase : MemorySegment.ofBuffer(src).address() - src.position()) + src.position();
        x.heldLen = n;
        x.heldSent = 0;
        src.position(src.limit());
        startSend(p, x);
        return n;
    }

    /** No send in flight: send now from the loop's thread, or queue the send for it from a worker. */
    private void startSend(UringPoller p, UringIo x) {
        if ((flags & SEND_IN_FLIGHT) == 0) {
            if (p.onLoop()) {
                p.send(this);
            } else if (!x.sendQueued) {
                x.sendQueued = true;
                p.later(() -> p.sendStaged(this));
            }
        }
    }

    /**
     * The loop that may submit a send of this socket's from the calling thread: null if none may
     * now (another thread's write on a reactor's loop: the engine queues it and asks for
     * writability); throws if the socket failed or closed.
     */
    private UringPoller submitter() throws IOException {
        int e = error();
        if (e != 0) {
            throw Errno.exception("send", e);
        }
        if ((flags & CLOSED) != 0) {
            throw Errno.exception("send", Errno.EPIPE);
        }
        UringPoller p = poller();
        if (p == null || !registered() || !p.shared && !p.onLoop()) {
            return null;
        }
        return p;
    }

    /**
     * Copies {@code srcs[offset, offset+length)}, or {@code single}, into the outbox and starts its
     * send if none is in flight: submitted by the loop's thread itself, queued for it from a worker.
     */
    private long stage(ByteBuffer[] srcs, int offset, int length, ByteBuffer single) throws IOException {
        UringPoller p = submitter();
        if (p == null) {
            return 0;
        }
        long want = 0;
        if (single != null) {
            want = single.remaining();
        } else {
            for (int i = offset; i < offset + length; i++) {
                want += srcs[i].remaining();
            }
        }
        if (want == 0) {
            return 0;
        }
        UringIo x = io(p);
        if (x.out == null) {
            x.out = p.chunk((int) Math.min(want, UringPoller.MAX_OUTBOX));
            x.sent = x.submitted = 0;
            x.out.buffer().clear().limit(0);
        }
        ByteBuffer b = x.out.buffer();
        int limit = b.limit();
        long copied = 0;
        b.limit(b.capacity()).position(limit);
        if (single != null) {
            copied = copy(single, b);
        } else {
            for (int i = offset; i < offset + length && b.hasRemaining(); i++) {
                copied += copy(srcs[i], b);
            }
        }
        b.limit(b.position());
        startSend(p, x);
        return copied;
    }

    private static int copy(ByteBuffer s, ByteBuffer b) {
        int n = Math.min(s.remaining(), b.remaining());
        if (n == s.remaining()) {
            b.put(s);
        } else {
            int l = s.limit();
            s.limit(s.position() + n);
            b.put(s);
            s.limit(l);
        }
        return n;
    }

    /** Whether the outbox takes more bytes now. */
    boolean outboxHasRoom() {
        return io == null || io.out == null || io.out.buffer().limit() < io.out.capacity();
    }

    boolean outboxEmpty() {
        UringIo x = io;
        return x == null || x.out == null && x.held == null;
    }

    // ---- the rest of the contract ----------------------------------------------------------

    @Override
    public void shutdownOutput() throws IOException {
        UringPoller p = poller();
        if (p != null && !p.onLoop()) {
            p.later(this::shutdownOutputOnLoop);
            return;
        }
        shutdownOutputOnLoop();
    }

    private void shutdownOutputOnLoop() {
        if ((flags & (CLOSED | FD_RELEASED)) != 0) {
            return;
        }
        if (!outboxEmpty()) {
            flags |= FIN_WHEN_DRAINED;
            return;
        }
        Linux.shutdown(EpollScratch.of(null).errno, fd, Linux.SHUT_WR);
    }

    void drained() {
        if ((flags & FIN_WHEN_DRAINED) != 0) {
            flags &= ~FIN_WHEN_DRAINED;
            shutdownOutputOnLoop();
        }
    }

    @Override
    public void shutdownToWake(boolean graceful, boolean reset) {
        // no thread ever blocks on an io_uring socket: nothing to wake
    }

    @Override
    public void close(boolean reset) {
        UringPoller p = poller();
        if (p == null) {
            synchronized (this) {
                if ((flags & CLOSED) != 0) {
                    return;
                }
                flags |= CLOSED | FD_RELEASED;
            }
            EpollScratch s = EpollScratch.of(null);
            if (reset) {
                Linux.setLinger(s.errno, fd, true, 0, s.small);
            }
            Linux.close(s.errno, fd);
            return;
        }
        if (!p.onLoop()) {
            p.later(() -> close(reset));
            return;
        }
        p.close(this, reset);
    }

    @Override
    public boolean setInterest(int ops) {
        UringPoller p = poller();
        if (p == null || (flags & CLOSED) != 0) {
            return false;
        }
        if (!p.onLoop()) {
            // applied at the loop's next turn, as the owner wants it then (see InterestSource)
            p.later(() -> setInterest(attachment instanceof InterestSource src ? src.currentInterest() : ops));
            return true;
        }
        if (ops == interest() && !p.shared) {
            return false; // (on a shared loop, disarmed() cleared the interest but left the receive armed)
        }
        p.interest(this, ops);
        return true;
    }

    /** A one-shot report disarmed this socket: no more reports until the engine re-arms it. The loop's thread. */
    @Override
    public void disarmed() {
        interest(0); // the receive stays armed: what arrives meanwhile is held (up to RX_HOLD buffers)
    }

    @Override
    public int available() {
        UringPoller p = poller();
        if (p != null && p.shared) {
            synchronized (this) {
                return io == null ? 0 : io.available();
            }
        }
        return io == null ? 0 : io.available();
    }

    @Override
    public SocketAddress remoteAddress() {
        return name(true);
    }

    @Override
    public SocketAddress localAddress() {
        return name(false);
    }

    private synchronized SocketAddress name(boolean peer) {
        return (flags & FD_RELEASED) != 0 ? null : EpollTransport.socketName(fd, peer);
    }

    @Override
    public boolean finishConnect() throws IOException {
        EpollTransport.finishConnect(fd);
        return true;
    }

    @Override
    public void makeBlocking(Parker parker) throws IOException {
        throw new IOException("io_uring sockets do not block: thread-per-connection models run on epoll or nio");
    }

    @Override
    public boolean isBlocking() {
        return false;
    }

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
