package io.throng.core.transport;

import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import io.throng.core.linux.Uring;
import io.throng.core.linux.UringBufferRing;
import io.throng.core.linux.UringException;
import io.throng.core.linux.UringRing;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A loop's io_uring: the completion transport behind the readiness seam. Each {@link #poll} makes
 * <em>one</em> {@code io_uring_enter}, which submits everything the previous turn prepared (sends,
 * receives to arm, cancels, closes) and waits for completions, then turns the completions into the
 * readiness the engine understands: bytes arrived (READ, the bytes already in a provided buffer),
 * room to write (WRITE, the outbox drained), a connection to accept (READ on the listener, the
 * descriptor already accepted by a multishot accept). With nothing prepared and no time to wait it
 * makes none.
 *
 * <p>The user data of every operation names its socket by descriptor, the generation of its
 * registration and the operation's kind, so a completion arriving after its socket was closed and
 * its number reused is recognised and dropped (its buffer given back).
 *
 * <p><b>Threads.</b> The ring is single-issuer: only the loop's thread (the first to poll) touches
 * it. Other threads' registrations, interest changes and closes are queued and run at the start of
 * the loop's next turn; {@link #wakeup} (an eventfd the ring reads) ends a wait early.
 */
public final class UringPoller extends Poller implements UringRing.Completions {
    /** The largest outbox chunk: a write bigger than this goes out in pieces. */
    static final int MAX_OUTBOX = 64 * 1024;
    /** Submission entries: a turn's sends and re-arms; more just submit early. */
    static final int SQ_ENTRIES = Integer.getInteger("throng.uring.sq-entries", 1024);
    /** Completion entries: a multishot receive posts many per submission. */
    static final int CQ_ENTRIES = Integer.getInteger("throng.uring.cq-entries", 8192);
    /**
     * Provided buffers per loop, and their size: what arrives in one turn on all the loop's
     * connections before it is read (each is copied out and given back within the turn). 512 x
     * 4 KiB = 2 MiB a loop; when they run out a receive ends with ENOBUFS and is re-armed next turn.
     */
    static final int BUFFERS = Integer.getInteger("throng.uring.buffers", 512);
    static final int BUFFER_SIZE = Integer.getInteger("throng.uring.buffer-size", 4096);
    private static final int GROUP = 0;
    /**
     * Batched waits. A wait asks for as many completions as the previous turn reaped (at most
     * {@link #MAX_BATCH}), for at most {@link #BATCH_WAIT_MICROS} beyond the first (Linux 6.12's
     * {@code min_wait_usec}; older kernels wait for the first only). A loop serving many busy
     * connections then takes its completions in fuller turns, one system call each; one serving a
     * single request at a time reaps two a turn (its send's and the next receive's), so it waits
     * for no more than will come. Measured at 1,000 echo connections (perf on the server, commands
     * in docs/bench/2026-12-06-io-uring/README.md): 0.44 enters a request waking at each completion, 0.16
     * asking for the last turn's count with 50 us, 0.10 with 200 us; one connection's p50 stayed
     * under 40 us.
     */
    static final int MAX_BATCH = Integer.getInteger("throng.uring.batch", 64);
    static final int BATCH_WAIT_MICROS = Integer.getInteger("throng.uring.batch-wait-us", 50);
    /** The longest a batched wait lasts (see poll). */
    static final long BATCH_CAP_NANOS = 4L * BATCH_WAIT_MICROS * 1000;

    private static final int K_WAKE = 1;
    private static final int K_RECV = 2;
    private static final int K_SEND = 3;
    private static final int K_ACCEPT = 4;
    private static final int K_CONNECT = 5;
    private static final int K_CANCEL = 6;
    private static final int K_CLOSE = 7;

    private static final VarHandle WAITING;
    private static final java.util.concurrent.atomic.AtomicBoolean SET_UP_LOGGED = new java.util.concurrent.atomic.AtomicBoolean();

    static {
        try {
            WAITING = MethodHandles.lookup().findVarHandle(UringPoller.class, "waiting", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final UringRing ring;
    final UringBufferRing buffers;
    /** Outbox chunks: the loop's own lock-free cache in front of the transport's pool (the loop's thread only). */
    private final BufferCache pool;
    /** The transport's pool itself, for a worker's outbox (thread-safe). */
    private final BufferPool shelf;
    private final MemorySegment err = Linux.newErrnoSegment();
    private final int wakeFd;
    private final MemorySegment wakeBuf;
    private final ConcurrentLinkedQueue<Runnable> foreign = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Object> reports = new ArrayDeque<>();
    private final ArrayList<UringSocket> starved = new ArrayList<>();
    private volatile Thread loop;
    @SuppressWarnings("unused") // through WAITING
    private volatile boolean waiting;
    private boolean closed;
    /** Every socket of the table has forgotten this loop's slot ({@link #close}). */
    private boolean slotFree;

    /**
     * The table: descriptor -> its socket or listener (descriptors are small dense integers, as for
     * epoll's table). A completion carries the descriptor and the generation of the registration
     * it belongs to; a number reused by the kernel before a late completion of its previous socket
     * arrives has a new generation, and the late one is dropped.
     */
    private Object[] items = new Object[64];
    private int nextGen;
    /** Free bytes-in-flight states (a socket holds one only while bytes are in flight). */
    private UringIo freeIo;
    private int freeIoCount;
    /**
     * The most free states kept: a turn of a busy loop has at most a few hundred connections with
     * bytes in flight, while a broadcast to a loop's 20,000 subscribers has all of them at once;
     * kept, those would stay on the heap for good (~80 B each). 1,024 is 80 KiB a loop.
     */
    static final int FREE_IO = 1024;
    /** Operations whose last completion has not arrived (they may still touch our memory). */
    private int inFlight;
    private ReadySink sink;
    /** Sends made from the caller's memory rather than a copy ({@link UringSocket#writeInPlace}); the loop's thread. */
    long inPlaceSends;
    /** Completions the last turn reaped: sets how many the next wait asks for. */
    private int lastReaped;
    private final boolean minWaitSupported;
    /**
     * The worker pool's loops (one-shot): a socket is disarmed as it is reported, and the worker
     * that claims it then reads and writes it from its own thread. Its received buffers and outbox
     * are then guarded by the socket's monitor (on the loop too), the buffers a worker has read are
     * given back to the ring by the loop (the ring is the loop's), and a worker's send is queued for
     * the loop to submit. Reactor loops (not shared) take no lock.
     */
    final boolean shared;
    /** Shared loops: guards {@link #returned} and the free list of in-flight states, which workers touch too. */
    private final Object sharedLock = new Object();
    /** Provided buffers workers have read, for the loop to give back to the ring (shared only). */
    private int[] returned = new int[64];
    private int returnedCount;

    /**
     * The loops alive now, by slot: a socket names its loop by this number (9 bits of its flags)
     * rather than by a reference, which keeps an idle socket at 24 bytes. Slot 0 is "none". A slot
     * is taken round the table, so a freed one is taken again as late as possible, and freed only
     * once no socket names it any more ({@link #close}).
     */
    private static final UringPoller[] SLOTS = new UringPoller[UringSocket.SLOT_LIMIT];
    private static int slotCursor;
    /** This loop's slot in {@link #SLOTS}. */
    final int slot;

    /**
     * The loop in {@code slot}. A plain read, on the hot paths: whoever holds a socket naming a slot
     * got it, through the hand-offs that gave it the socket, after the loop was put in its slot (in
     * its constructor); a stale read after a release finds the closed loop, as a reference would.
     */
    static UringPoller slot(int slot) {
        return SLOTS[slot];
    }

    private static synchronized int claimSlot(UringPoller p) throws IOException {
        for (int i = 0; i < UringSocket.SLOT_LIMIT - 1; i++) {
            int s = 1 + (slotCursor + i) % (UringSocket.SLOT_LIMIT - 1);
            if (SLOTS[s] == null) {
                SLOTS[s] = p;
                slotCursor = s;
                return s;
            }
        }
        throw new IOException("io_uring: " + (UringSocket.SLOT_LIMIT - 1) + " loops are open in this process, the most"
                + " it runs at once; use the epoll transport for more");
    }

    private static synchronized void releaseSlot(int slot) {
        SLOTS[slot] = null;
    }

    UringPoller(BufferPool pool, boolean shared) throws IOException {
        this.slot = claimSlot(this);
        this.shared = shared;
        this.pool = pool.newCache();
        this.shelf = pool;
        try {
            this.ring = UringRing.open(err, SQ_ENTRIES, CQ_ENTRIES);
        } catch (UringException e) {
            releaseSlot(slot);
            throw new IOException("io_uring: " + e.getMessage(), e);
        }
        try {
            this.buffers = ring.registerBuffers(GROUP, BUFFERS, BUFFER_SIZE);
            this.wakeFd = EpollTransport.check(Linux.eventfd(err), "eventfd");
        } catch (UringException | IOException e) {
            ring.close();
            releaseSlot(slot);
            throw new IOException("io_uring: " + e.getMessage(), e);
        }
        this.wakeBuf = Arena.ofAuto().allocate(8, 8);
        this.minWaitSupported = (ring.features() & Uring.FEAT_MIN_TIMEOUT) != 0;
    }

    boolean onLoop() {
        return Thread.currentThread() == loop;
    }

    /** Operations whose last completion has not arrived (tests). */
    int inFlight() {
        return inFlight;
    }

    /** The ring's set-up, for the transport's log line. */
    String describe() {
        return ring.setupDescription() + ", " + BUFFERS + " provided buffers of " + BUFFER_SIZE + " B";
    }

    /** Runs {@code task} (another thread's call on a socket) on the loop's thread at its next turn. */
    void later(Runnable task) {
        foreign.add(task);
        if ((boolean) WAITING.getVolatile(this) && WAITING.compareAndSet(this, true, false)) {
            wakeup();
        }
    }

    // ---- the table -------------------------------------------------------------------------

    private void put(int fd, Object item) {
        if (fd >= items.length) {
            items = Arrays.copyOf(items, Math.max(fd + 1, items.length * 2));
        }
        items[fd] = item;
    }

    /**
     * The generation of a new registration of {@code fd}: one past that of the number's previous
     * socket or listener if the table still holds it (it does while any of its operations is in
     * flight, so its late completions carry another generation), else the next of a counter.
     */
    private int genFor(int fd) {
        Object old = fd < items.length ? items[fd] : null;
        int g = old instanceof UringSocket o ? o.gen() + 1 : old instanceof UringListenSocket l ? l.gen + 1 : ++nextGen;
        return g & UringSocket.genMask();
    }

    private static long userData(UringSocket s, int kind) {
        return (long) s.fd << 32 | (long) s.gen() << 8 | kind;
    }

    private static long userData(UringListenSocket l, int kind) {
        return (long) l.fd << 32 | (long) l.gen << 8 | kind;
    }

    UringIo takeIo() {
        if (shared) {
            synchronized (sharedLock) {
                return takeIo0();
            }
        }
        return takeIo0();
    }

    private UringIo takeIo0() {
        UringIo x = freeIo;
        if (x == null) {
            return new UringIo();
        }
        freeIo = x.next;
        freeIoCount--;
        x.next = null;
        return x;
    }

    void giveIo(UringIo x) {
        if (shared) {
            synchronized (sharedLock) {
                giveIo0(x);
            }
        } else {
            giveIo0(x);
        }
    }

    private void giveIo0(UringIo x) {
        x.sendQueued = false;
        x.rxBid = -1;
        x.rxMore = null;
        x.rxMoreCount = 0;
        x.out = null;
        x.sent = x.submitted = 0;
        x.held = null;
        if (freeIoCount < FREE_IO) {
            x.next = freeIo;
            freeIo = x;
            freeIoCount++;
        } // else dropped: a broadcast had every connection's bytes in flight at once; keep no more than a turn's worth
    }

    /** Gives a read buffer back to the ring: now on the loop, at its next turn from a worker. */
    void recycle(int bid) {
        if (onLoop()) {
            buffers.recycle(bid);
            return;
        }
        synchronized (sharedLock) {
            if (returnedCount == returned.length) {
                returned = Arrays.copyOf(returned, returned.length * 2); // at most the ring's count
            }
            returned[returnedCount++] = bid;
        }
    }

    private void recycleReturned() {
        synchronized (sharedLock) {
            for (int i = 0; i < returnedCount; i++) {
                buffers.recycle(returned[i]);
            }
            returnedCount = 0;
        }
    }

    // ---- registration ----------------------------------------------------------------------

    @Override
    public void add(TransportSocket socket, Object attachment, int interest) {
        UringSocket s = (UringSocket) socket;
        s.poller(slot);
        if (!onLoop()) {
            later(() -> add(s, attachment, interest));
            return;
        }
        if ((s.flags & UringSocket.CLOSED) != 0) {
            return;
        }
        register(s, attachment);
        interest(s, interest);
    }

    @Override
    public void addListener(ListenSocket listener, Object attachment) {
        UringListenSocket l = (UringListenSocket) listener;
        l.poller = this;
        if (!onLoop()) {
            later(() -> addListener(l, attachment));
            return;
        }
        l.gen = genFor(l.fd);
        l.attachment = attachment;
        put(l.fd, l);
        l.wanted = true;
        armAccept(l);
    }

    @Override
    public void addConnecting(TransportSocket socket, Object attachment) {
        UringSocket s = (UringSocket) socket;
        s.poller(slot);
        if (!onLoop()) {
            later(() -> addConnecting(s, attachment));
            return;
        }
        register(s, attachment);
        s.flags |= UringSocket.CONNECTING;
        inFlight++;
        ring.prepPoll(s.fd, Linux.POLLOUT, false, userData(s, K_CONNECT));
    }

    @Override
    public void connected(TransportSocket socket, Object attachment, int interest) {
        UringSocket s = (UringSocket) socket;
        if (!onLoop()) {
            later(() -> connected(s, attachment, interest));
            return;
        }
        if (!s.registered() || (s.flags & UringSocket.CLOSED) != 0) {
            return;
        }
        s.attachment = attachment;
        interest(s, interest);
    }

    private void register(UringSocket s, Object attachment) {
        s.gen(genFor(s.fd));
        s.flags |= UringSocket.REGISTERED;
        s.attachment = attachment;
        put(s.fd, s);
    }

    // ---- operations (the loop's thread) ----------------------------------------------------

    void armRecv(UringSocket s) {
        assert onLoop();
        s.flags |= UringSocket.RECV_ARMED;
        inFlight++;
        ring.prepRecvMultishot(s.fd, GROUP, userData(s, K_RECV));
    }

    /**
     * Arms the multishot accept unless one is armed, the engine does not want connections, or a
     * failure waits to be reported: the engine's back-off then re-arms it after its pause.
     */
    void armAccept(UringListenSocket l) {
        if (l.armed || !l.wanted || !l.isOpen() || l.error != 0) {
            return;
        }
        l.armed = true;
        inFlight++;
        ring.prepAcceptMultishot(l.fd, userData(l, K_ACCEPT));
    }

    void acceptInterest(UringListenSocket l, boolean on) {
        if (!onLoop()) {
            later(() -> acceptInterest(l, on));
            return;
        }
        l.wanted = on;
        if (on) {
            armAccept(l);
            if (l.pendingCount() > 0 || l.error != 0) {
                queueReport(l); // accepted before the pause, or a failure not told yet: now
            }
        } else if (l.armed) {
            ring.prepCancel(userData(l, K_ACCEPT), false, userData(l, K_CANCEL));
            ring.skipSuccess();
        }
    }

    /** The engine's interest in {@code s} changed. */
    void interest(UringSocket s, int ops) {
        if (shared) {
            synchronized (s) {
                interest0(s, ops);
            }
        } else {
            interest0(s, ops);
        }
    }

    private void interest0(UringSocket s, int ops) {
        s.interest(ops);
        if ((s.flags & UringSocket.CLOSED) != 0 || !s.registered()) {
            return;
        }
        if ((ops & Interest.READ) != 0) {
            if (s.hasRx() || s.error() != 0 || (s.flags & UringSocket.EOF) != 0) {
                queueReport(s, Interest.READ);
            }
            if ((s.flags & UringSocket.RECV_ARMED) == 0 && s.error() == 0 && (s.flags & UringSocket.EOF) == 0
                    && !s.rxFull()) {
                armRecv(s); // behind what waits to be read, if anything does
            }
        } else if ((s.flags & (UringSocket.RECV_ARMED | UringSocket.CANCEL_SENT)) == UringSocket.RECV_ARMED) {
            // reading suspended: stop receiving, so a paused connection holds no buffers of the loop
            s.flags |= UringSocket.CANCEL_SENT;
            ring.prepCancel(userData(s, K_RECV), false, userData(s, K_CANCEL));
            ring.skipSuccess();
        }
        if ((ops & Interest.WRITE) != 0 && s.outboxHasRoom()) {
            queueReport(s, Interest.WRITE);
        }
    }

    private void queueReport(UringListenSocket l) {
        if (!l.reportQueued) {
            l.reportQueued = true;
            reports.add(l);
        }
    }

    private void queueReport(UringSocket s, int bits) {
        s.addReport(bits);
        if ((s.flags & UringSocket.REPORT_QUEUED) == 0) {
            s.flags |= UringSocket.REPORT_QUEUED;
            reports.add(s);
        }
    }

    /** Sends what waits in {@code s}'s outbox, bytes held in place first (no send in flight). */
    void send(UringSocket s) {
        UringIo x = s.io;
        if (x.held != null) {
            if (x.heldSent == 0) {
                inPlaceSends++;
            }
            s.flags |= UringSocket.SEND_IN_FLIGHT;
            inFlight++;
            ring.prepSend(s.fd, x.heldAddr + x.heldSent, x.heldLen - x.heldSent, userData(s, K_SEND));
            return;
        }
        int limit = x.out.buffer().limit();
        x.submitted = limit;
        s.flags |= UringSocket.SEND_IN_FLIGHT;
        inFlight++;
        ring.prepSend(s.fd, x.out.address() + x.sent, limit - x.sent, userData(s, K_SEND));
    }

    /** A worker staged bytes on {@code s} with no send in flight: send them (shared only). */
    void sendStaged(UringSocket s) {
        synchronized (s) {
            UringIo x = s.io;
            if (x == null || !x.sendQueued) {
                return;
            }
            x.sendQueued = false;
            if ((s.flags & (UringSocket.SEND_IN_FLIGHT | UringSocket.CLOSED)) == 0 && !s.outboxEmpty()) {
                send(s);
            }
        }
    }

    PooledBuffer chunk(int bytes) {
        return onLoop() ? pool.acquire(Math.max(bytes, 256)) : shelf.acquire(Math.max(bytes, 256));
    }

    /** Closes {@code s}: after its outbox drains unless {@code reset}. The loop's thread. */
    void close(UringSocket s, boolean reset) {
        if (shared) {
            synchronized (s) {
                close0(s, reset);
            }
        } else {
            close0(s, reset);
        }
    }

    private void close0(UringSocket s, boolean reset) {
        int f = s.flags;
        if ((f & UringSocket.CLOSED) != 0) {
            if (reset && (f & (UringSocket.CLOSE_WHEN_DRAINED | UringSocket.FD_RELEASED)) == UringSocket.CLOSE_WHEN_DRAINED) {
                s.flags &= ~UringSocket.CLOSE_WHEN_DRAINED;
                s.flags |= UringSocket.RESET;
                Linux.setLinger(err, s.fd, true, 0, wakeBuf);
                releaseDescriptor(s);
            }
            return;
        }
        s.flags = f | UringSocket.CLOSED;
        if (!s.registered()) {
            synchronized (s) {
                s.flags |= UringSocket.FD_RELEASED;
            }
            Linux.close(err, s.fd);
            return;
        }
        s.dropRx();
        if (reset) {
            s.flags |= UringSocket.RESET;
            Linux.setLinger(err, s.fd, true, 0, wakeBuf);
        } else if ((f & UringSocket.SEND_IN_FLIGHT) != 0) {
            s.flags |= UringSocket.CLOSE_WHEN_DRAINED; // the bytes the engine counts as written go first
            return;
        }
        releaseDescriptor(s);
    }

    /**
     * Cancels what is in flight on {@code s} and closes its descriptor, in that order (hard links:
     * the close runs even when a cancel finds nothing), all without a completion unless they fail.
     *
     * <p>Each operation is cancelled by its user data, not all of the descriptor's at once: the
     * kernel finds a request by user data in one bucket of the ring's cancel table, but by
     * descriptor only by walking every armed request of the ring. A loop closing its own
     * connections (an idle timeout, a WebSocket server after the close handshake) walked all of
     * them once per close: 18,000 connections closed by the server cost 446-451 us of CPU each,
     * 14-18 us on epoll; by user data (the bucket's few) 19-22 us (scripts/close-cost.sh, before
     * and after one after the other; a million subscribers' teardown kept both cores busy for
     * minutes).
     */
    private void releaseDescriptor(UringSocket s) {
        if ((s.flags & UringSocket.SEND_IN_FLIGHT) == 0) {
            dropOutbox(s);
        }
        int armed = s.flags & (UringSocket.RECV_ARMED | UringSocket.SEND_IN_FLIGHT | UringSocket.CONNECTING);
        if (armed != 0) {
            ring.reserve(Integer.bitCount(armed) + 1); // the linked chain must go in one submission
            if ((armed & UringSocket.RECV_ARMED) != 0) {
                cancelLinked(s, K_RECV);
            }
            if ((armed & UringSocket.SEND_IN_FLIGHT) != 0) {
                cancelLinked(s, K_SEND);
            }
            if ((armed & UringSocket.CONNECTING) != 0) {
                cancelLinked(s, K_CONNECT);
            }
        }
        ring.prepClose(s.fd, userData(s, K_CLOSE));
        ring.skipSuccess();
        synchronized (s) {
            s.flags |= UringSocket.FD_RELEASED;
        }
        maybeRelease(s);
    }

    /** Cancels {@code s}'s operation of {@code kind}, linked to the entry prepared next. */
    private void cancelLinked(UringSocket s, int kind) {
        ring.prepCancel(userData(s, kind), false, userData(s, K_CANCEL));
        ring.skipSuccess();
        ring.hardLink();
    }

    private void maybeRelease(UringSocket s) {
        if ((s.flags & (UringSocket.FD_RELEASED | UringSocket.RECV_ARMED | UringSocket.SEND_IN_FLIGHT
                | UringSocket.CONNECTING)) == UringSocket.FD_RELEASED && s.registered()) {
            s.flags &= ~UringSocket.REGISTERED;
            s.attachment = null;
            if (s.fd < items.length && items[s.fd] == s) {
                items[s.fd] = null; // unless the number already serves a newer socket
            }
        }
    }

    // ---- polling ---------------------------------------------------------------------------

    @Override
    public int poll(Scratch scratch, long timeoutMillis, ReadySink sink) throws IOException {
        if (loop == null) {
            start();
        }
        assert onLoop() : "polled by " + Thread.currentThread() + ", the ring is " + loop + "'s";
        runForeign();
        if (shared) {
            recycleReturned();
        }
        if (!starved.isEmpty()) {
            rearmStarved();
        }
        boolean now = timeoutMillis == 0 || !reports.isEmpty();
        int r;
        if (now) {
            // one enter only when there is something to submit or completions to collect
            r = ring.pending() > 0 || ring.taskWorkPending() ? ring.submit() : 0;
        } else {
            WAITING.setVolatile(this, true);
            if (!foreign.isEmpty()) {
                r = ring.submit();
            } else {
                int batch = Math.min(MAX_BATCH, lastReaped);
                // A batched wait is also a short one: with deferred task work the kernel wakes a
                // waiter only once `batch` completions are pending, even after the minimum wait has
                // passed, so a lone wake-up (another thread's write) or arrival after a burst would
                // sleep out the whole timeout (a broadcast's deliveries took 1 s). Capped, the turn
                // after a burst ends within BATCH_CAP, and the next waits for any one.
                r = batch > 1 && minWaitSupported
                        ? ring.submitAndWait(Math.min(timeoutMillis * 1_000_000L, BATCH_CAP_NANOS), batch, BATCH_WAIT_MICROS)
                        : ring.submitAndWait(timeoutMillis * 1_000_000L);
            }
            WAITING.setVolatile(this, false);
        }
        if (r < 0) {
            throw Errno.exception("io_uring_enter", -r);
        }
        this.sink = sink;
        int n;
        try {
            n = ring.reap(this);
            lastReaped = n;
            n += report();
        } finally {
            this.sink = null;
        }
        return n;
    }

    private void start() throws IOException {
        loop = Thread.currentThread();
        try {
            ring.enable();
        } catch (UringException e) {
            throw new IOException("io_uring: " + e.getMessage(), e);
        }
        if (!SET_UP_LOGGED.getAndSet(true)) {
            // once a process: which set-up the kernel granted (a fallback from deferred task work shows here)
            Transport.LOG.log(Level.INFO, "io_uring: " + describe());
        }
        armWake();
    }

    private void armWake() {
        inFlight++;
        ring.prepRead(wakeFd, wakeBuf.address(), 8, K_WAKE);
    }

    private void runForeign() {
        Runnable r;
        while ((r = foreign.poll()) != null) {
            r.run();
        }
    }

    private void rearmStarved() {
        if (buffers.held() >= buffers.count()) {
            return; // every buffer waits to be read: a receive armed now would end at once
        }
        for (int i = 0; i < starved.size(); i++) {
            UringSocket s = starved.get(i);
            s.flags &= ~UringSocket.STARVED;
            if ((s.flags & (UringSocket.CLOSED | UringSocket.RECV_ARMED)) == 0 && s.wants(Interest.READ)
                    && s.registered()) {
                armRecv(s);
            }
        }
        starved.clear();
    }

    private int report() {
        int n = 0;
        int count = reports.size(); // what is queued again while reporting waits for the next turn
        for (int i = 0; i < count; i++) {
            Object o = reports.poll();
            if (o instanceof UringListenSocket l) {
                l.reportQueued = false;
                if (l.isOpen() && l.wanted && (l.pendingCount() > 0 || l.error != 0)) {
                    sink.ready(l.attachment, Interest.READ);
                    n++;
                    if (l.wanted && (l.pendingCount() > 0 || l.error != 0)) {
                        // it takes a batch an event, as on epoll: the rest next turn, and a failure
                        // behind them (it ended the multishot, which only the engine's back-off re-arms)
                        queueReport(l);
                    }
                }
                continue;
            }
            UringSocket s = (UringSocket) o;
            s.flags &= ~UringSocket.REPORT_QUEUED;
            int bits = s.takeReport() & s.interest();
            if (bits != 0 && s.registered() && (s.flags & UringSocket.CLOSED) == 0) {
                sink.ready(s.attachment, bits);
                n++;
                if (s.registered() && s.hasRx() && s.wants(Interest.READ) && (s.flags & UringSocket.CLOSED) == 0) {
                    queueReport(s, Interest.READ);
                }
            }
        }
        return n;
    }

    @Override
    public void complete(long userData, int result, int cqeFlags) {
        int kind = (int) (userData & 0xFF);
        if (kind == K_WAKE) {
            inFlight--;
            if (!closed) {
                armWake();
            }
            return;
        }
        int fd = (int) (userData >>> 32);
        int gen = (int) (userData >>> 8) & 0xFFFFFF;
        Object item = fd < items.length ? items[fd] : null;
        if (item instanceof UringSocket s ? s.gen() != gen : item instanceof UringListenSocket l && l.gen != gen) {
            item = null; // a late completion of the number's previous socket
        }
        switch (kind) {
            case K_RECV -> {
                UringSocket s = (UringSocket) item;
                boolean deliver;
                if (shared && s != null) {
                    // the engine is told outside the monitor: its threads take their connection's
                    // lock and then the socket's (a write), so the loop must not hold them the other way
                    synchronized (s) {
                        deliver = onRecv(s, result, cqeFlags);
                    }
                } else {
                    deliver = onRecv(s, result, cqeFlags);
                }
                if (deliver) {
                    deliverRead(s);
                }
            }
            case K_SEND -> {
                if (shared && item != null) {
                    synchronized (item) {
                        onSend((UringSocket) item, result);
                    }
                } else {
                    onSend((UringSocket) item, result);
                }
            }
            case K_ACCEPT -> onAccept((UringListenSocket) item, result, cqeFlags);
            case K_CONNECT -> onConnect((UringSocket) item, result);
            default -> {
                // a cancel or close that failed: ENOENT/EALREADY for a cancel that found its target
                // done; anything else is worth a line
                if (result != -Errno.ENOENT && result != -Errno.EALREADY && result != -Errno.ECANCELED) {
                    Transport.LOG.log(Level.DEBUG, "io_uring " + (kind == K_CLOSE ? "close" : "cancel") + ": "
                            + Errno.message(-result));
                }
            }
        }
    }

    /** Takes in a receive's completion; true if the engine should be told (bytes, their end or an error). */
    private boolean onRecv(UringSocket s, int res, int cqeFlags) {
        boolean more = (cqeFlags & Uring.CQE_F_MORE) != 0;
        int bid = (cqeFlags & Uring.CQE_F_BUFFER) != 0 ? cqeFlags >>> Uring.CQE_BUFFER_SHIFT : -1;
        if (bid >= 0) {
            buffers.taken(bid);
        }
        if (!more) {
            inFlight--;
        }
        if (s == null) {
            if (bid >= 0) {
                buffers.recycle(bid);
            }
            return false;
        }
        if (!more) {
            s.flags &= ~(UringSocket.RECV_ARMED | UringSocket.CANCEL_SENT);
        }
        if ((s.flags & UringSocket.CLOSED) != 0) {
            if (bid >= 0) {
                buffers.recycle(bid);
            }
            maybeRelease(s);
            return false;
        }
        boolean deliver = false;
        if (res > 0) {
            s.io(this).push(bid, res);
            if (more && s.rxFull() && (s.flags & UringSocket.CANCEL_SENT) == 0) {
                // a worker holds the connection and its peer keeps sending: stop taking the
                // loop's buffers for it until it has read these (the socket's buffer holds the rest)
                s.flags |= UringSocket.CANCEL_SENT;
                ring.prepCancel(userData(s, K_RECV), false, userData(s, K_CANCEL));
                ring.skipSuccess();
            }
            deliver = true;
        } else if (res == 0) {
            s.flags |= UringSocket.EOF;
            deliver = true;
        } else if (res == -Errno.ENOBUFS) {
            if ((s.flags & UringSocket.STARVED) == 0) {
                s.flags |= UringSocket.STARVED;
                starved.add(s); // the ring ran dry this turn: wait again at the next
            }
        } else if (res == -Errno.ECANCELED) {
            if (s.wants(Interest.READ) && !s.rxFull()) {
                armRecv(s); // interest came back before the cancel landed
            }
        } else {
            s.error(-res);
            deliver = true;
        }
        if (!more && res > 0 && (s.flags & (UringSocket.CLOSED | UringSocket.RECV_ARMED)) == 0
                && s.wants(Interest.READ) && !s.rxFull()) {
            armRecv(s);
        }
        return deliver;
    }

    /** Bytes (or their end) for {@code s}: tell the engine now if it is reading. */
    private void deliverRead(UringSocket s) {
        if (!s.wants(Interest.READ)) {
            return; // kept until reading resumes
        }
        if ((s.flags & UringSocket.REPORT_QUEUED) != 0) {
            s.addReport(Interest.READ);
            return;
        }
        sink.ready(s.attachment, Interest.READ);
        if (s.registered() && s.hasRx() && s.wants(Interest.READ) && (s.flags & UringSocket.CLOSED) == 0) {
            queueReport(s, Interest.READ); // the engine stopped short (its read budget): the rest next turn
        }
    }

    private void onSend(UringSocket s, int res) {
        inFlight--;
        if (s == null) {
            return;
        }
        s.flags &= ~UringSocket.SEND_IN_FLIGHT;
        UringIo x = s.io;
        if (res < 0) {
            if ((s.flags & UringSocket.CLOSED) == 0) {
                s.error(-res);
            }
            dropOutbox(s);
        } else {
            boolean more;
            if (x.held != null) {
                x.heldSent += res;
                if (x.heldSent == x.heldLen) {
                    x.held = null; // sent: the kernel has done with its memory
                }
                more = x.held != null || x.out != null;
            } else {
                x.sent += res;
                more = x.sent < x.out.buffer().limit();
            }
            if (more && (s.flags & UringSocket.RESET) == 0) {
                send(s); // a short send, or bytes appended while it was in flight
                return;
            }
            dropOutbox(s);
            s.drained();
        }
        if ((s.flags & UringSocket.CLOSED) != 0) {
            if ((s.flags & UringSocket.CLOSE_WHEN_DRAINED) != 0) {
                s.flags &= ~UringSocket.CLOSE_WHEN_DRAINED;
                releaseDescriptor(s);
            } else {
                maybeRelease(s);
            }
            return;
        }
        if (res < 0) {
            queueReport(s, Interest.READ | Interest.WRITE);
        } else if (s.wants(Interest.WRITE)) {
            queueReport(s, Interest.WRITE);
        }
    }

    private void dropOutbox(UringSocket s) {
        UringIo x = s.io;
        if (x == null) {
            return;
        }
        if (x.out != null) {
            x.out.buffer().clear();
            pool.release(x.out);
            x.out = null;
        }
        x.sent = x.submitted = 0;
        x.held = null;
        s.tidy(this);
    }

    private void onAccept(UringListenSocket l, int res, int cqeFlags) {
        boolean more = (cqeFlags & Uring.CQE_F_MORE) != 0;
        if (!more) {
            inFlight--;
        }
        if (l == null) {
            if (res >= 0) {
                Linux.close(err, res);
            }
            return;
        }
        if (!more) {
            l.armed = false;
        }
        if (res >= 0) {
            if (!l.isOpen()) {
                Linux.close(err, res);
                return;
            }
            l.push(res);
        } else if (res != -Errno.ECANCELED && !transientAcceptError(-res)) {
            l.error = -res; // EMFILE, ENFILE, ENOBUFS: told to the engine, whose back-off re-arms
        }
        if (l.isOpen() && (l.pendingCount() > 0 || l.error != 0)) {
            queueReport(l);
        }
        if (!l.armed) {
            // the multishot ended: a cancel (re-armed if accepting resumed meanwhile), an accept the
            // completion queue had no room for, or a transient failure; not while a failure waits
            armAccept(l);
        }
    }

    /**
     * Failures of one accept that say nothing of the next (as accept4 on epoll, which returns no
     * socket for them and waits for the next readiness): the multishot is re-armed at once. Telling
     * the engine would be of no use: its accept has nothing to return, and it would not re-arm.
     */
    private static boolean transientAcceptError(int errno) {
        return errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ECONNABORTED;
    }

    private void onConnect(UringSocket s, int res) {
        inFlight--;
        if (s == null) {
            return;
        }
        s.flags &= ~UringSocket.CONNECTING;
        if ((s.flags & UringSocket.CLOSED) != 0) {
            maybeRelease(s);
            return;
        }
        sink.ready(s.attachment, Interest.WRITE);
    }

    // ---- the rest --------------------------------------------------------------------------

    @Override
    public void wakeup() {
        EpollTransport.signal(wakeFd);
    }

    @Override
    public boolean interestNeedsWakeup() {
        return true; // another thread's change is queued for the loop's next turn
    }

    @Override
    public boolean oneShot() {
        return shared;
    }

    @Override
    public void forEachAttachment(Consumer<Object> action) {
        for (Object o : items) {
            if (o instanceof UringSocket s && s.attachment != null) {
                action.accept(s.attachment);
            } else if (o instanceof UringListenSocket l && l.attachment != null) {
                action.accept(l.attachment);
            }
        }
    }

    /** Listener closes: forget it (its descriptor is the listener's to close). */
    void forget(UringListenSocket l) {
        if (!onLoop()) {
            later(() -> forget(l));
            return;
        }
        l.dropPending(); // accepted and never handed out
        if (!l.armed && l.fd < items.length && items[l.fd] == l) {
            items[l.fd] = null;
        }
    }

    /**
     * Releases the ring: what is still in flight is cancelled and waited for (up to a second), so
     * that the kernel writes into no buffer after it is freed; sockets still open are closed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (loop == null || onLoop()) {
            if (loop != null) {
                runForeign();
                for (int i = 0; i < items.length; i++) {
                    if (items[i] instanceof UringSocket s) {
                        if ((s.flags & UringSocket.FD_RELEASED) == 0) {
                            s.flags |= UringSocket.CLOSED;
                            releaseDescriptor(s);
                        }
                        // it no longer names this loop (whose slot another may take): it holds
                        // none of its buffers, and calls on it find it closed
                        s.dropRx();
                        s.poller(0);
                    }
                }
                slotFree = true;
                ring.prepCancelAny(K_CANCEL);
                ring.skipSuccess();
                long deadline = System.nanoTime() + 1_000_000_000L;
                ReadySink none = (a, r) -> { };
                this.sink = none;
                while (inFlight > 0 && System.nanoTime() < deadline) {
                    ring.submitAndWait(10_000_000L);
                    ring.reap(this);
                }
                this.sink = null;
                if (inFlight > 0) {
                    Transport.LOG.log(Level.WARNING, "io_uring: " + inFlight + " operations still in flight after"
                            + " a second; their buffers are left allocated");
                }
            }
        }
        if (inFlight == 0 || loop == null) {
            ring.unregisterBuffers(buffers);
        }
        Linux.close(err, wakeFd);
        ring.close();
        pool.drain();
        if (slotFree || loop == null) {
            // (a loop that never ran registered no socket; one closed from another thread while
            // running keeps its slot, which its sockets may still name)
            releaseSlot(slot);
        }
    }
}
