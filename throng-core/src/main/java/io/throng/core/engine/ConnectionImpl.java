package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.buffer.PooledBuffer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * The engine's side of a connection: the bytes a handler left unconsumed, the write queue, the
 * close protocol and the handler calls. The transport below (a subclass) moves bytes; the model
 * above (the {@link Owner}) decides which thread runs what.
 *
 * <p>Thread rules. The <em>serial context</em> (a loop, the worker holding the connection, or the
 * connection's own thread) runs every handler callback and owns the unconsumed-bytes buffer and the
 * timer links. The write queue and {@link #flags} are guarded by this object's monitor, so that any
 * thread may write, flush and close. Decisions taken outside the serial context (a failed write, a
 * limit, a close) are recorded under the monitor and carried out in the serial context.
 *
 * <p>Memory. An idle connection holds this object, its transport's socket object and nothing else:
 * no buffer, no queue node, no timer object.
 */
public abstract class ConnectionImpl implements Connection {
    /** Interest bits; the values of {@code SelectionKey.OP_READ} and {@code OP_WRITE}. */
    static final int READ = 1;
    static final int WRITE = 4;

    /** Task bits, requested from any thread and run in the serial context. */
    static final int T_OPEN = 1;
    static final int T_CLOSE = 2;
    static final int T_WRITABLE = 4;
    static final int T_SHUTDOWN = 8;
    static final int T_DEADLINE = 16;
    static final int T_RETIME = 32;
    static final int T_REDELIVER = 64;

    /** State bits in {@link #flags}. */
    static final int CLOSED = 1;
    static final int CLOSING = 1 << 1;
    static final int OUTPUT_SHUT = 1 << 2;
    static final int INPUT_CLOSED = 1 << 3;
    static final int SUSPENDED = 1 << 4;
    static final int UNWRITABLE = 1 << 5;
    static final int FLUSHING = 1 << 6;
    static final int FIRE_WRITABLE = 1 << 7;
    static final int OPENED = 1 << 8;
    static final int PEER_CLOSED_FIRST = 1 << 9;
    static final int SHUTDOWN_REQUESTED = 1 << 10;
    /** Reads were resumed: what the handler left is handed to it again without waiting for new bytes. */
    static final int RESUMED = 1 << 11;

    /** Reads per dispatch before other connections get their turn (nbio uses 3, we read bigger). */
    private static final int MAX_READS_PER_DISPATCH = 16;
    /** How many times one dispatch calls onWritable before yielding the loop to others. */
    private static final int MAX_WRITABLE_ROUNDS = 4;
    /**
     * A direct buffer at least this big is written straight from the caller's memory when it can be
     * (gathered behind what is queued), and only the part the socket refuses is copied. Below it,
     * copying into the queue is cheaper than the extra system call it would take.
     */
    static final int WRITE_THROUGH_BYTES = 8 * 1024;
    private static final int MAX_CHUNK = 64 * 1024;

    private static final VarHandle TASKS;

    static {
        try {
            TASKS = MethodHandles.lookup().findVarHandle(ConnectionImpl.class, "tasks", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    final Engine engine;
    final Owner owner;
    private Object attachment;

    // ---- serial context ----
    private PooledBuffer inbound;
    private IoContext dispatching;
    /** System.nanoTime() of the last read or write progress; written racily, read by timers. */
    long lastActivity;
    /** When the handler's timer goes off (System.nanoTime()), or 0 for none. */
    private volatile long timerAt;
    ConnectionImpl wheelNext;
    ConnectionImpl wheelPrev;
    int wheelSlot = -1;
    /** The owning loop's list of its connections (for shutdown). */
    ConnectionImpl listNext;
    ConnectionImpl listPrev;
    /** The owning loop's stack of connections with tasks. */
    ConnectionImpl nextScheduled;
    /** Worker pool: whether a worker holds the connection. Guarded by this. */
    boolean busy;
    /** Per-model state (the thread-per-connection model's lock and thread). */
    Object modelState;

    @SuppressWarnings("unused") // through TASKS
    private volatile int tasks;

    // ---- guarded by this (flags is volatile for lock-free reads) ----
    private volatile int flags;
    private PooledBuffer outHead;
    private PooledBuffer outTail;
    /** Blocking flush: the last queued buffer a flush in progress is writing, which must not grow. */
    private PooledBuffer sealedTail;
    private long queued;
    /** A close decided outside the serial context, or by a failure; carried out in it. */
    private volatile CloseReason failure;

    protected ConnectionImpl(Engine engine, Owner owner) {
        this.id = engine.nextId();
        this.engine = engine;
        this.owner = owner;
        this.lastActivity = System.nanoTime();
    }

    // ================================================================ transport

    // The transport gets the calling thread's context (null for a thread without one) and the native
    // address of each buffer's index 0 where the engine knows it (0 where it does not): the native
    // transport then needs no MemorySegment per call.

    /** Reads into {@code dst}, advancing its position; -1 at end of stream, 0 if nothing is there. */
    abstract int readSocket(IoContext ctx, ByteBuffer dst, long dstBase) throws IOException;

    /** Writes from {@code src}, advancing its position; returns the bytes written. */
    abstract long writeSocket(IoContext ctx, ByteBuffer src, long srcBase) throws IOException;

    /** One gathering write of {@code srcs[offset .. offset+length)}, advancing their positions. */
    abstract long writeSocket(IoContext ctx, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException;

    abstract void shutdownOutputSocket() throws IOException;

    /** Closes the socket; with {@code reset} the peer gets RST instead of FIN. Never throws. */
    abstract void closeSocket(boolean reset);

    /**
     * A blocking flush stopped writing (FLUSHING is clear): a transport that deferred closing the
     * socket past it does so now. Any thread, outside the monitor.
     */
    void flushEnded() {
    }

    /**
     * Thread-per-connection: makes the connection's thread leave a blocking read, to close
     * gracefully (its read then sees end of stream) or not (it sees an error). Any thread; must not
     * release the descriptor, which the connection's own thread closes.
     */
    void wakeReader(boolean graceful, boolean reset) {
        throw new UnsupportedOperationException();
    }

    /** Bytes that arrived and were not read yet (thread-per-connection shutdown). */
    int available() {
        return 0;
    }

    /**
     * Sets the readiness interest ({@link #READ}, {@link #WRITE}, or 0) of a non-blocking socket;
     * any thread. Returns true if it changed.
     */
    abstract boolean setInterest(int ops);

    // ================================================================ Connection API

    @Override
    public long id() {
        return id;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public boolean isOpen() {
        return (flags & (CLOSED | CLOSING)) == 0 && failure == null;
    }

    @Override
    public boolean isWritable() {
        return (flags & UNWRITABLE) == 0;
    }

    @Override
    public synchronized long queuedBytes() {
        return queued;
    }

    @Override
    public boolean write(ByteBuffer src) {
        int n = src.remaining();
        IoContext ctx = currentContext();
        boolean closeNeeded;
        synchronized (this) {
            if (!acceptsWritesLocked()) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            if (n >= WRITE_THROUGH_BYTES && src.isDirect() && !owner.blocking()) {
                flushLocked(ctx, src);
                int left = src.remaining();
                if (left > 0 && failure == null) {
                    appendLocked(src, null, 0, left, ctx);
                    queuedLocked(left);
                }
            } else {
                appendLocked(src, null, 0, n, ctx);
                queuedLocked(n);
            }
            closeNeeded = failure != null;
        }
        if (closeNeeded && ctx == null) {
            requestTasks(T_CLOSE);
        }
        return !closeNeeded;
    }

    @Override
    public boolean write(byte[] src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        IoContext ctx = currentContext();
        boolean closeNeeded;
        synchronized (this) {
            if (!acceptsWritesLocked()) {
                return false;
            }
            if (length == 0) {
                return true;
            }
            appendLocked(null, src, offset, length, ctx);
            queuedLocked(length);
            closeNeeded = failure != null;
        }
        if (closeNeeded && ctx == null) {
            requestTasks(T_CLOSE);
        }
        return !closeNeeded;
    }

    @Override
    public boolean writeShared(ByteBuffer src) {
        int n = src.remaining();
        IoContext ctx = currentContext();
        boolean closeNeeded;
        synchronized (this) {
            if (!acceptsWritesLocked()) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            ByteBuffer view = src.duplicate();
            if (!owner.blocking()) {
                flushLocked(ctx, view);
            }
            int left = view.remaining();
            if (left > 0 && failure == null) {
                appendLocked(view, null, 0, left, ctx);
                queuedLocked(left);
            }
            closeNeeded = failure != null;
        }
        int followUp = closeNeeded ? T_CLOSE : 0;
        if (ctx == null) {
            if (!closeNeeded && owner.blocking()) {
                flushBlocking(null);
            }
            followUp |= followUpTasks();
            if (followUp != 0) {
                requestTasks(followUp);
            }
        }
        return !closeNeeded;
    }

    @Override
    public void setTimer(java.time.Duration delay) {
        long at = System.nanoTime() + Math.max(1, delay.toNanos());
        timerAt = at == 0 ? 1 : at;
        retime();
    }

    @Override
    public void cancelTimer() {
        timerAt = 0;
    }

    private void retime() {
        if (currentContext() != null) {
            owner.deadlineChanged(this);
        } else {
            requestTasks(T_RETIME);
        }
    }

    /** Takes the timer if it is due at {@code now}: it fires once. */
    final boolean takeTimerIfDue(long now) {
        long at = timerAt;
        if (at != 0 && now - at >= 0) {
            timerAt = 0;
            return true;
        }
        return false;
    }

    final void fireTimer() {
        try {
            engine.handler.onTimer(this);
        } catch (Throwable t) {
            handlerFailed("onTimer", t);
        }
    }

    @Override
    public void flush() {
        IoContext ctx = currentContext();
        if (ctx != null) {
            // In a callback: the epilogue flushes when it returns; flushing now as well is harmless.
            if (!owner.blocking()) {
                synchronized (this) {
                    flushLocked(ctx, null);
                }
            }
            return;
        }
        int followUp;
        if (owner.blocking()) {
            flushBlocking(null);
            followUp = followUpTasks();
        } else {
            synchronized (this) {
                flushLocked(null, null);
            }
            followUp = followUpTasks();
        }
        if (followUp != 0) {
            requestTasks(followUp);
        }
    }

    /** After a flush outside the serial context: what the serial context must now do. */
    private int followUpTasks() {
        int fl = flags;
        if ((fl & CLOSED) != 0) {
            return 0;
        }
        synchronized (this) {
            if (failure != null) {
                return T_CLOSE;
            }
        }
        return (fl & FIRE_WRITABLE) != 0 ? T_WRITABLE : 0;
    }

    @Override
    public void suspendReads() {
        synchronized (this) {
            if ((flags & SUSPENDED) != 0) {
                return;
            }
            flags |= SUSPENDED;
            updateInterestLocked();
        }
    }

    @Override
    public void resumeReads() {
        synchronized (this) {
            if ((flags & SUSPENDED) == 0) {
                return;
            }
            flags = (flags & ~SUSPENDED) | RESUMED;
            updateInterestLocked();
            if (owner.blocking()) {
                notifyAll();
                return; // the connection's thread looks at RESUMED when it wakes
            }
        }
        // Bytes the handler left while suspended (whole messages it put off) would otherwise wait
        // for the peer's next bytes, which may never come: the peer waits for their answers.
        requestTasks(T_REDELIVER);
    }

    /**
     * Reads were resumed: hands the handler what it left unconsumed, without reading (the socket
     * may have nothing more). Serial context.
     */
    final void redeliver(IoContext ctx) {
        PooledBuffer keep = inbound;
        synchronized (this) {
            int fl = flags;
            flags = fl & ~RESUMED;
            if ((fl & RESUMED) == 0 || keep == null || (fl & (CLOSED | CLOSING | SUSPENDED)) != 0 || failure != null) {
                return;
            }
        }
        ByteBuffer b = keep.buffer();
        if (!b.hasRemaining()) {
            return;
        }
        try {
            engine.handler.onData(this, b);
        } catch (Throwable t) {
            handlerFailed("onData", t);
        }
        if ((flags & CLOSED) == 0 && inbound == keep && !b.hasRemaining()) {
            inbound = null;
            release(keep, ctx);
        }
    }

    /** Whether reads were resumed since the connection's thread last looked (thread-per-connection). */
    final boolean resumedWithLeftover() {
        synchronized (this) {
            if (inbound == null) {
                flags &= ~RESUMED; // nothing was left: the next read is all there is
            }
            return (flags & RESUMED) != 0;
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            int fl = flags;
            if ((fl & (CLOSED | CLOSING)) != 0) {
                return;
            }
            flags = fl | CLOSING;
            updateInterestLocked();
            if (owner.blocking()) {
                notifyAll();
            }
        }
        if (currentContext() == null) {
            requestTasks(T_CLOSE);
        }
    }

    @Override
    public void abort() {
        fail(CloseReason.ABORTED);
    }

    /** Records a close with {@code reason} and has the serial context carry it out. Any thread. */
    void fail(CloseReason reason) {
        synchronized (this) {
            if ((flags & CLOSED) != 0 || failure != null) {
                return;
            }
            failure = reason;
            if (owner.blocking()) {
                notifyAll();
            }
        }
        if (currentContext() == null) {
            requestTasks(T_CLOSE);
        }
    }

    @Override
    public String toString() {
        return "connection " + id + " (" + remoteAddress() + ")";
    }

    // ================================================================ serial context: entry points

    /** The connection is registered: run onOpen and flush. */
    final void open(IoContext ctx) {
        enter(ctx);
        doOpen();
        epilogue(ctx);
        exit();
    }

    /** Readiness to read (or to write, which the epilogue handles). Non-blocking sockets. */
    final void onReady(IoContext ctx) {
        enter(ctx);
        readLoop(ctx);
        epilogue(ctx);
        exit();
    }

    /** Runs the tasks requested from other threads. */
    final void runTasks(IoContext ctx) {
        int t = (int) TASKS.getAndSet(this, 0);
        if (t == 0 || (flags & CLOSED) != 0) {
            return;
        }
        enter(ctx);
        if ((t & T_OPEN) != 0) {
            doOpen();
        }
        if ((t & T_DEADLINE) != 0) {
            checkDeadline(ctx);
        } else if ((t & T_RETIME) != 0) {
            owner.deadlineChanged(this);
        }
        if ((t & T_SHUTDOWN) != 0) {
            shutdownGracefully(ctx);
        }
        if ((t & T_REDELIVER) != 0) {
            redeliver(ctx);
        }
        // T_CLOSE and T_WRITABLE: the epilogue carries out failures, closes and writability.
        epilogue(ctx);
        exit();
    }

    final boolean hasTasks() {
        return tasks != 0;
    }

    /** Asks for tasks to run in the serial context; any thread. */
    final void requestTasks(int bits) {
        int before = (int) TASKS.getAndBitwiseOr(this, bits);
        if (before == 0) {
            owner.schedule(this);
        }
    }

    /** Takes the requested task bits (thread-per-connection runs them itself). */
    final int takeTasks() {
        return (int) TASKS.getAndSet(this, 0);
    }

    final void enter(IoContext ctx) {
        dispatching = ctx;
    }

    final void exit() {
        dispatching = null;
    }

    /** The I/O context of the current thread if it is this connection's serial context now. */
    final IoContext currentContext() {
        IoContext d = dispatching;
        return d != null && d.thread == Thread.currentThread() ? d : null;
    }

    final int flags() {
        return flags;
    }

    /**
     * The socket reported an error or a hang-up. A connection that is going to read finds out what
     * happened by reading (data may still be waiting before the end); one that is not reading would
     * otherwise hear the same report forever from a level-triggered set, so it is closed.
     */
    final void hangUp(boolean error) {
        int fl = flags;
        if ((fl & CLOSED) != 0) {
            return;
        }
        boolean reads = (fl & INPUT_CLOSED) == 0 && ((fl & SUSPENDED) == 0 || (fl & CLOSING) != 0);
        if (!reads) {
            fail(error ? CloseReason.ioError(new IOException("socket error reported by epoll"))
                    : (fl & CLOSING) != 0 ? CloseReason.LOCAL : CloseReason.PEER_CLOSED);
        }
    }

    /** Shutdown asked this connection to close once it has handled what arrived. Under the monitor. */
    final void markShutdownRequested() {
        flags |= SHUTDOWN_REQUESTED;
    }

    final synchronized CloseReason failure() {
        return failure;
    }

    // ================================================================ reading

    private void readLoop(IoContext ctx) {
        for (int i = 0; i < MAX_READS_PER_DISPATCH; i++) {
            int fl = flags;
            if ((fl & (CLOSED | INPUT_CLOSED)) != 0 || ((fl & SUSPENDED) != 0 && (fl & CLOSING) == 0)) {
                return;
            }
            if (failure != null) {
                return;
            }
            int n;
            try {
                n = readOnce(ctx);
            } catch (IOException e) {
                readFailed(e);
                return;
            }
            if (n < 0) {
                endOfStream();
                return;
            }
            if (n == 0 || !ctx.lastReadFilled) {
                return;
            }
        }
    }

    /**
     * Reads once (blocking or not, as the socket is) and hands the bytes to the handler, preceded by
     * what it left last time. Returns the bytes read, 0 if none, -1 at end of stream.
     */
    final int readOnce(IoContext ctx) throws IOException {
        ByteBuffer dst = readPhase(ctx);
        int n = ctx.lastRead;
        if (dst != null) {
            deliverPhase(ctx, dst, n);
        }
        return n;
    }

    /**
     * The read half of {@link #readOnce}: fills and flips the buffer the handler will see, or
     * returns null when closing (the bytes were discarded). The bytes read, or -1, go to
     * {@code ctx.lastRead}. Thread-per-connection calls this without holding the handler lock.
     */
    final ByteBuffer readPhase(IoContext ctx) throws IOException {
        if ((flags & CLOSING) != 0) {
            ctx.lastRead = discardOnce(ctx);
            return null;
        }
        ByteBuffer dst = prepareReadBuffer(ctx);
        try {
            ctx.lastRead = readSocket(ctx, dst, dst == ctx.readBuffer ? ctx.readAddress : inbound.address());
        } finally {
            ctx.lastReadFilled = !dst.hasRemaining();
            dst.flip();
        }
        return dst;
    }

    /** The dispatch half of {@link #readOnce}: onData, then keep what the handler left. */
    final void deliverPhase(IoContext ctx, ByteBuffer dst, int n) {
        if (n > 0) {
            lastActivity = ctx.now;
            ctx.countRead(n);
            try {
                engine.handler.onData(this, dst);
            } catch (Throwable t) {
                handlerFailed("onData", t);
            }
        }
        keepLeftover(dst, ctx);
    }

    /** Closing: read and drop what the peer still sends, waiting for its FIN. */
    private int discardOnce(IoContext ctx) throws IOException {
        ByteBuffer dst = ctx.readBuffer;
        dst.clear();
        int n = readSocket(ctx, dst, ctx.readAddress);
        ctx.lastReadFilled = !dst.hasRemaining();
        dst.clear();
        if (n > 0) {
            ctx.countRead(n);
        }
        return n;
    }

    /**
     * The buffer the next read goes into. Without leftover bytes: the context's read buffer. With a
     * small leftover: the leftover is moved to the front of the read buffer (one big read follows
     * it). With a big one (a large message being assembled): the leftover's own buffer, grown when
     * full, so big messages are not copied at every read.
     */
    private ByteBuffer prepareReadBuffer(IoContext ctx) {
        PooledBuffer keep = inbound;
        ByteBuffer rb = ctx.readBuffer;
        rb.clear();
        if (keep == null) {
            return rb;
        }
        ByteBuffer kb = keep.buffer();
        if (kb.remaining() <= rb.capacity() / 2) {
            rb.put(kb);
            inbound = null;
            ctx.cache.release(keep);
            return rb;
        }
        kb.compact();
        if (!kb.hasRemaining()) {
            PooledBuffer bigger = ctx.cache.acquire(Math.max(kb.capacity() * 2, kb.capacity() + rb.capacity()));
            kb.flip();
            bigger.buffer().put(kb);
            ctx.cache.release(keep);
            inbound = bigger;
            return bigger.buffer();
        }
        return kb;
    }

    /** After onData: keep what the handler left, in a pooled buffer just big enough. */
    private void keepLeftover(ByteBuffer in, IoContext ctx) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        int left = in.remaining();
        if (in == ctx.readBuffer) {
            if (left == 0) {
                return;
            }
            if (!checkInboundLimit(left)) {
                return;
            }
            PooledBuffer b = ctx.cache.acquire(left);
            b.buffer().put(in).flip();
            inbound = b;
        } else if (left == 0) {
            PooledBuffer b = inbound;
            inbound = null;
            ctx.cache.release(b);
        } else {
            checkInboundLimit(left);
        }
    }

    private boolean checkInboundLimit(int left) {
        if (left <= engine.limits.maxInboundBytes()) {
            return true;
        }
        engine.metrics.readLimitCloses.increment();
        String why = "handler left " + left + " B unconsumed, over max-inbound-bytes "
                + engine.limits.maxInboundBytes() + " B";
        engine.log.log(Level.INFO, this + " closed: " + why);
        fail(new CloseReason(CloseReason.Kind.READ_LIMIT, why, null));
        return false;
    }

    final void endOfStream() {
        boolean closing;
        synchronized (this) {
            int fl = flags;
            closing = (fl & CLOSING) != 0;
            flags = fl | INPUT_CLOSED | (closing ? 0 : PEER_CLOSED_FIRST);
            updateInterestLocked();
        }
        if (!closing) {
            try {
                engine.handler.onInputClosed(this);
            } catch (Throwable t) {
                handlerFailed("onInputClosed", t);
            }
        }
    }

    final void readFailed(IOException e) {
        engine.metrics.ioErrors.increment();
        fail(CloseReason.ioError(e));
    }

    private void doOpen() {
        synchronized (this) {
            if ((flags & (OPENED | CLOSED)) != 0) {
                return;
            }
            flags |= OPENED;
        }
        try {
            engine.handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
    }

    private void handlerFailed(String callback, Throwable t) {
        engine.metrics.handlerErrors.increment();
        engine.log.log(Level.WARNING, this + ": handler " + callback + " threw " + t + "; closing");
        fail(CloseReason.handlerError(t));
    }

    // ================================================================ writing

    private boolean acceptsWritesLocked() {
        return (flags & (CLOSED | CLOSING)) == 0 && failure == null;
    }

    /** Copies {@code length} bytes (from {@code buf} or {@code arr}) to the end of the queue. */
    private void appendLocked(ByteBuffer buf, byte[] arr, int arrOffset, int length, IoContext ctx) {
        int done = 0;
        while (done < length) {
            PooledBuffer tail = outTail;
            ByteBuffer tb;
            int room;
            if (tail != null && tail != sealedTail && (room = (tb = tail.buffer()).capacity() - tb.limit()) > 0) {
                int k = Math.min(room, length - done);
                int at = tb.limit();
                tb.limit(at + k);
                if (buf != null) {
                    tb.put(at, buf, buf.position(), k);
                    buf.position(buf.position() + k);
                } else {
                    tb.put(at, arr, arrOffset + done, k);
                }
                done += k;
                continue;
            }
            int want = Math.min(MAX_CHUNK, Math.max(length - done, tail == null ? 256 : tail.capacity() * 2));
            PooledBuffer b = ctx != null ? ctx.cache.acquire(want) : engine.pool.acquire(want);
            b.buffer().limit(0);
            if (tail == null) {
                outHead = b;
            } else {
                tail.next(b);
            }
            outTail = b;
        }
    }

    private void queuedLocked(long n) {
        queued += n;
        int fl = flags;
        if ((fl & UNWRITABLE) == 0 && queued > engine.waterMarks.high()) {
            flags = (fl | UNWRITABLE) & ~FIRE_WRITABLE;
            engine.metrics.unwritable.increment();
        }
        if (queued > engine.limits.maxQueuedBytes()) {
            engine.metrics.writeLimitCloses.increment();
            String why = queued + " B queued, over max-queued-bytes " + engine.limits.maxQueuedBytes() + " B";
            engine.log.log(Level.INFO, this + " closed: " + why);
            failure = new CloseReason(CloseReason.Kind.WRITE_LIMIT, why, null);
            if ((flags & FLUSHING) == 0) {
                releaseChain(detachQueueLocked(), currentContext());
            }
        }
    }

    /**
     * Writes the queue, then {@code extra} if given, with one gathering write, as far as the
     * non-blocking socket takes it. Under the monitor.
     */
    private void flushLocked(IoContext ctx, ByteBuffer extra) {
        if ((flags & CLOSED) != 0 || failure != null || (outHead == null && extra == null)) {
            return;
        }
        long written;
        int extraBefore = extra == null ? 0 : extra.position();
        try {
            if (outHead == null) {
                written = writeSocket(ctx, extra, 0);
            } else if (outHead.next() == null && extra == null) {
                written = writeSocket(ctx, outHead.buffer(), outHead.address());
            } else {
                int size = Math.min(EpollScratch.FOREIGN_IOV, countQueuedLocked() + 1);
                ByteBuffer[] iov = ctx != null ? ctx.iov : new ByteBuffer[size];
                long[] bases = ctx != null ? ctx.iovBase : new long[size];
                int count = 0;
                PooledBuffer b = outHead;
                for (; b != null && count < iov.length; b = b.next()) {
                    bases[count] = b.address();
                    iov[count++] = b.buffer();
                }
                boolean withExtra = extra != null && b == null && count < iov.length;
                if (withExtra) {
                    bases[count] = 0;
                    iov[count++] = extra;
                }
                written = writeSocket(ctx, iov, bases, 0, count);
                if (withExtra) {
                    iov[count - 1] = null;
                }
            }
        } catch (IOException e) {
            engine.metrics.ioErrors.increment();
            failure = CloseReason.ioError(e);
            return;
        }
        if (ctx != null) {
            if (written > 0) {
                lastActivity = ctx.now;
            }
            ctx.countWrite(written);
        } else {
            if (written > 0) {
                lastActivity = System.nanoTime();
            }
            engine.metrics.countForeignWrite(written);
        }
        queued -= written - (extra == null ? 0 : extra.position() - extraBefore);
        releaseWrittenLocked(ctx);
        afterDrainLocked();
    }

    private int countQueuedLocked() {
        int n = 0;
        for (PooledBuffer b = outHead; b != null; b = b.next()) {
            n++;
        }
        return n;
    }

    private void releaseWrittenLocked(IoContext ctx) {
        PooledBuffer b = outHead;
        while (b != null && !b.buffer().hasRemaining() && b != sealedTail) {
            PooledBuffer next = b.next();
            release(b, ctx);
            b = next;
        }
        outHead = b;
        if (b == null) {
            outTail = null;
        }
    }

    /** Queue shrank: writability and interest. */
    private void afterDrainLocked() {
        int fl = flags;
        if ((fl & UNWRITABLE) != 0 && queued <= engine.waterMarks.low()) {
            flags = (fl & ~UNWRITABLE) | FIRE_WRITABLE;
        }
        updateInterestLocked();
    }

    /**
     * Flushes a blocking socket. Only one thread writes at a time; the others append and leave, and
     * the writer goes on until the queue is empty. Returns when the queue is empty or another thread
     * is writing it.
     */
    final void flushBlocking(IoContext ctx) {
        for (;;) {
            ByteBuffer[] iov;
            long[] bases;
            int count = 0;
            synchronized (this) {
                if ((flags & (FLUSHING | CLOSED)) != 0 || failure != null || outHead == null) {
                    return;
                }
                flags |= FLUSHING;
                int size = Math.min(EpollScratch.FOREIGN_IOV, countQueuedLocked());
                iov = ctx != null ? ctx.iov : new ByteBuffer[size];
                bases = ctx != null ? ctx.iovBase : new long[size];
                PooledBuffer b = outHead;
                for (; b != null && count < iov.length; b = b.next()) {
                    bases[count] = b.address();
                    iov[count++] = b.buffer();
                    sealedTail = b;
                }
            }
            long written = 0;
            IOException error = null;
            try {
                for (int first = 0; first < count; ) {
                    written += writeSocket(ctx, iov, bases, first, count - first);
                    while (first < count && !iov[first].hasRemaining()) {
                        first++;
                    }
                }
            } catch (IOException e) {
                error = e;
            }
            PooledBuffer orphans = null;
            synchronized (this) {
                flags &= ~FLUSHING;
                sealedTail = null;
                if (written > 0) {
                    lastActivity = System.nanoTime();
                }
                if (ctx != null) {
                    ctx.countWrite(written);
                } else {
                    engine.metrics.countForeignWrite(written);
                }
                if ((flags & CLOSED) != 0 || failure != null) {
                    // Closed meanwhile: the queue is ours to give back.
                    orphans = detachQueueLocked();
                } else if (error != null) {
                    engine.metrics.ioErrors.increment();
                    failure = CloseReason.ioError(error);
                    orphans = detachQueueLocked();
                } else {
                    queued -= written;
                    releaseWrittenLocked(ctx);
                    afterDrainLocked();
                }
            }
            flushEnded();
            if (orphans != null) {
                releaseChain(orphans, ctx);
                return;
            }
        }
    }

    private PooledBuffer detachQueueLocked() {
        PooledBuffer head = outHead;
        outHead = null;
        outTail = null;
        queued = 0;
        return head;
    }

    private void releaseChain(PooledBuffer b, IoContext ctx) {
        while (b != null) {
            PooledBuffer next = b.next();
            release(b, ctx);
            b = next;
        }
    }

    private void release(PooledBuffer b, IoContext ctx) {
        if (ctx != null) {
            ctx.cache.release(b);
        } else {
            engine.pool.release(b);
        }
    }

    // ================================================================ interest

    private void updateInterestLocked() {
        if (!owner.blocking()) {
            owner.interestChanged(this, desiredInterestLocked());
        }
    }

    /** What readiness this connection waits for now. Under the monitor. */
    final int desiredInterestLocked() {
        int fl = flags;
        if ((fl & CLOSED) != 0 || failure != null) {
            return 0;
        }
        int ops = 0;
        if ((fl & INPUT_CLOSED) == 0 && ((fl & SUSPENDED) == 0 || (fl & CLOSING) != 0)) {
            ops = READ;
        }
        if (outHead != null) {
            ops |= WRITE;
        }
        return ops;
    }

    // ================================================================ after callbacks

    /**
     * Runs after every batch of callbacks in the serial context: flushes what they wrote, calls
     * onWritable when the queue drained, and moves a close forward.
     */
    final void epilogue(IoContext ctx) {
        boolean blocking = owner.blocking();
        for (int round = 0; ; round++) {
            boolean fire;
            if (blocking) {
                flushBlocking(ctx);
            }
            synchronized (this) {
                if (!blocking) {
                    flushLocked(ctx, null);
                }
                int fl = flags;
                fire = (fl & FIRE_WRITABLE) != 0 && (fl & CLOSED) == 0 && failure == null;
                if (fire) {
                    flags = fl & ~FIRE_WRITABLE;
                }
            }
            if (!fire) {
                break;
            }
            if (!blocking && round == MAX_WRITABLE_ROUNDS) {
                // Let the loop's other connections run; the callback comes on the next turn.
                synchronized (this) {
                    flags |= FIRE_WRITABLE;
                }
                requestTasks(T_WRITABLE);
                break;
            }
            fireWritable();
        }
        progressClose(ctx);
    }

    final void fireWritable() {
        if ((flags & (UNWRITABLE | CLOSED)) != 0) {
            return;
        }
        try {
            engine.handler.onWritable(this);
        } catch (Throwable t) {
            handlerFailed("onWritable", t);
        }
    }

    private void progressClose(IoContext ctx) {
        CloseReason f;
        int fl;
        boolean drained;
        synchronized (this) {
            fl = flags;
            f = failure;
            drained = outHead == null;
        }
        if ((fl & CLOSED) != 0) {
            return;
        }
        if (f != null) {
            closeNow(ctx, f);
            return;
        }
        if ((fl & CLOSING) == 0 || !drained) {
            return;
        }
        if ((fl & OUTPUT_SHUT) == 0) {
            synchronized (this) {
                flags |= OUTPUT_SHUT;
            }
            try {
                shutdownOutputSocket();
            } catch (IOException e) {
                closeNow(ctx, (fl & PEER_CLOSED_FIRST) != 0 ? CloseReason.PEER_CLOSED : CloseReason.LOCAL);
                return;
            }
            lastActivity = System.nanoTime();
            owner.deadlineChanged(this);
        }
        if ((fl & INPUT_CLOSED) != 0) {
            closeNow(ctx, (fl & PEER_CLOSED_FIRST) != 0 ? CloseReason.PEER_CLOSED : CloseReason.LOCAL);
        }
        // Otherwise linger: discard what the peer sends until its FIN or the linger deadline, so
        // that closing with unread bytes does not reset the connection and lose our last replies.
    }

    /** Closes now, whatever is queued. Serial context; idempotent. */
    final void closeNow(IoContext ctx, CloseReason reason) {
        PooledBuffer q;
        synchronized (this) {
            int fl = flags;
            if ((fl & CLOSED) != 0) {
                return;
            }
            flags = fl | CLOSED;
            // A blocking flush in progress gives the queue back itself when it returns.
            q = (fl & FLUSHING) != 0 ? null : detachQueueLocked();
            if (owner.blocking()) {
                notifyAll();
            }
        }
        releaseChain(q, ctx);
        PooledBuffer in = inbound;
        if (in != null) {
            inbound = null;
            release(in, ctx);
        }
        owner.closed(this);
        CloseReason.Kind kind = reason.kind();
        closeSocket(resets(reason));
        engine.metrics.connections.decrementAndGet();
        engine.metrics.closed.increment();
        if (kind == CloseReason.Kind.IDLE_TIMEOUT) {
            engine.metrics.idleTimeouts.increment();
        }
        IoContext previous = dispatching;
        enter(ctx);
        try {
            engine.handler.onClose(this, reason);
        } catch (Throwable t) {
            engine.metrics.handlerErrors.increment();
            engine.log.log(Level.WARNING, this + ": handler onClose threw " + t);
        }
        dispatching = previous;
    }

    // ================================================================ timers and shutdown

    /** When this connection must be looked at (its timer, or closed if nothing happens), or Long.MAX_VALUE. */
    final long deadlineNanos() {
        int fl = flags;
        if ((fl & CLOSED) != 0) {
            return Long.MAX_VALUE;
        }
        long close = closeDeadlineNanos(fl);
        long at = timerAt;
        return at != 0 && (fl & CLOSING) == 0 && at - close < 0 ? at : close;
    }

    private long closeDeadlineNanos(int fl) {
        if ((fl & CLOSING) != 0) {
            return lastActivity + engine.lingerNanos;
        }
        long idle = engine.idleTimeoutNanos;
        return idle == Long.MAX_VALUE ? Long.MAX_VALUE : lastActivity + idle;
    }

    /** True if nothing happened for the idle timeout (or, closing, the linger timeout). */
    final boolean expiredAt(long now) {
        int fl = flags;
        return (fl & CLOSED) == 0 && now - closeDeadlineNanos(fl) >= 0;
    }

    /**
     * The deadline came round, in the serial context (between enter and epilogue): fire the
     * timer if it is due, close if the idle or linger deadline really passed, else re-time.
     */
    final void checkDeadline(IoContext ctx) {
        if ((flags & CLOSED) != 0) {
            return;
        }
        long now = System.nanoTime();
        if ((flags & CLOSING) == 0 && takeTimerIfDue(now)) {
            fireTimer();
        }
        if (expiredAt(now)) {
            closeNow(ctx, expiryReason());
        } else if ((flags & CLOSED) == 0) {
            owner.deadlineChanged(this);
        }
    }

    /** A reactor's wheel found this connection due: check it with the full callback protocol. */
    final void onDeadline(IoContext ctx) {
        enter(ctx);
        checkDeadline(ctx);
        epilogue(ctx);
        exit();
    }

    /** Why the connection closes when its deadline passes. */
    final CloseReason expiryReason() {
        int fl = flags;
        if ((fl & CLOSING) != 0) {
            return (fl & PEER_CLOSED_FIRST) != 0 ? CloseReason.PEER_CLOSED : CloseReason.LOCAL;
        }
        return CloseReason.IDLE_TIMEOUT;
    }

    /** Whether closing for {@code reason} resets the connection rather than ending it with FIN. */
    static boolean resets(CloseReason reason) {
        CloseReason.Kind kind = reason.kind();
        return reason == CloseReason.ABORTED || kind == CloseReason.Kind.WRITE_LIMIT
                || kind == CloseReason.Kind.READ_LIMIT || kind == CloseReason.Kind.HANDLER_ERROR;
    }

    /** Timers call this on the thread that keeps them. */
    final void deadlinePassed() {
        owner.deadlinePassed(this);
    }

    /**
     * Server shutdown, in the serial context: handle the bytes that already arrived, then close
     * gracefully, so no request already received loses its reply.
     */
    private void shutdownGracefully(IoContext ctx) {
        synchronized (this) {
            flags |= SHUTDOWN_REQUESTED;
        }
        if ((flags & (CLOSING | CLOSED)) == 0) {
            readLoop(ctx);
        }
        close();
    }
}
