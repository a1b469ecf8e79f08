package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLAIMED;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.CLOSING;
import static io.throng.core.engine.ConnectionState.FLUSHER;
import static io.throng.core.engine.ConnectionState.INPUT_CLOSED;
import static io.throng.core.engine.ConnectionState.LINGERING;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.OPENED;
import static io.throng.core.engine.ConnectionState.PEER_CLOSED_FIRST;
import static io.throng.core.engine.ConnectionState.RELEASE_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESET_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESUMED;
import static io.throng.core.engine.ConnectionState.SHUTDOWN_REQUESTED;
import static io.throng.core.engine.ConnectionState.SUSPENDED;
import static io.throng.core.engine.ConnectionState.moveTo;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.Interest;
import io.throng.core.transport.Scratch;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The engine's connection: the {@link Connection} a handler holds, and the protocol that runs its
 * callbacks in its serial context, writes its queue and closes it. The transport's socket moves
 * the bytes ({@link TransportSocket}); the model's {@link Owner} decides which thread runs what;
 * {@link WriteQueue} holds what is to be written; {@link ConnectionState} names the phases;
 * {@link Inbound} keeps what the handler left unconsumed.
 *
 * <p><b>Threads.</b> The <em>serial context</em> (a loop, the worker or group thread holding the
 * connection, or its own thread) runs every callback and owns the unconsumed bytes and the timer
 * links. Any thread may write, flush, suspend, resume and close: those take the connection's lock,
 * which is its write queue's monitor (private: a user's {@code synchronized (connection)} cannot
 * stall the engine), and what they decide outside the serial context (a close, a failure, an owed
 * onWritable) is carried out there, which they request with a task bit ({@link #requestTasks}).
 *
 * <p><b>Memory.</b> An idle connection holds this object (88 bytes with compact headers), its
 * queue's (24) and its socket's, and nothing else: no buffer, no queue node, no timer object.
 */
final class EngineConnection implements Connection {
    /** Task bits, requested from any thread and run in the serial context. */
    static final int T_OPEN = 1;
    static final int T_CLOSE = 2;
    static final int T_WRITABLE = 4;
    static final int T_SHUTDOWN = 8;
    static final int T_DEADLINE = 16;
    static final int T_RETIME = 32;
    static final int T_REDELIVER = 64;
    /** Thread-per-connection: write what other threads queued (the flusher does). */
    static final int T_FLUSH = 128;

    /** How many times one dispatch calls onWritable before yielding the loop to others. */
    private static final int MAX_WRITABLE_ROUNDS = 4;
    /**
     * A direct buffer at least this big is written straight from the caller's memory when it can be
     * (gathered behind what is queued), and only the part the socket refuses is copied. Below it,
     * copying into the queue is cheaper than the extra system call it would take.
     */
    static final int WRITE_THROUGH_BYTES = 8 * 1024;

    private static final VarHandle TASKS;

    static {
        try {
            TASKS = MethodHandles.lookup().findVarHandle(EngineConnection.class, "tasks", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    final Owner owner;
    final TransportSocket socket;
    /** What is to be written; its monitor is this connection's lock. */
    private final WriteQueue queue = new WriteQueue();
    private Object attachment;

    // ---- serial context ----
    /** What the handler left unconsumed, in a pooled buffer just big enough, or null. */
    PooledBuffer inbound;
    private IoContext dispatching;
    /** System.nanoTime() of the last read or write progress; written racily, read by timers. */
    long lastActivity;
    /** When the handler's timer goes off (System.nanoTime()), or 0 for none. */
    private volatile long timerAt;
    EngineConnection wheelNext;
    EngineConnection wheelPrev;
    int wheelSlot = -1;
    /** The owning loop's stack of connections with tasks. */
    EngineConnection nextScheduled;

    @SuppressWarnings("unused") // through TASKS
    private volatile int tasks;
    /** Phase and flags ({@link ConnectionState}); changed under the lock, read without it. */
    private volatile int state;
    /** Why the connection closes, once ABORTING. */
    private volatile CloseReason failure;

    EngineConnection(Owner owner, TransportSocket socket) {
        this.id = owner.engine.nextId();
        this.owner = owner;
        this.socket = socket;
        this.lastActivity = System.nanoTime();
    }

    Engine engine() {
        return owner.engine;
    }

    int state() {
        return state;
    }

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
        return ConnectionState.isOpen(state);
    }

    @Override
    public boolean isWritable() {
        return queue.isWritable();
    }

    @Override
    public long queuedBytes() {
        synchronized (queue) {
            return queue.queued();
        }
    }

    @Override
    public boolean write(ByteBuffer src) {
        int n = src.remaining();
        IoContext ctx = currentContext();
        boolean refused;
        synchronized (queue) {
            if (!ConnectionState.isOpen(state)) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            if (n >= WRITE_THROUGH_BYTES && src.isDirect() && !socket.isBlocking()) {
                flushLocked(ctx, src);
                n = src.remaining();
            }
            if (n > 0 && ConnectionState.isOpen(state)) {
                appendLocked(src, null, 0, n, ctx);
            }
            refused = !ConnectionState.isOpen(state);
        }
        if (ctx == null) {
            followUp();
        }
        return !refused;
    }

    @Override
    public boolean write(byte[] src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        IoContext ctx = currentContext();
        boolean refused;
        synchronized (queue) {
            if (!ConnectionState.isOpen(state)) {
                return false;
            }
            if (length == 0) {
                return true;
            }
            appendLocked(null, src, offset, length, ctx);
            refused = !ConnectionState.isOpen(state);
        }
        if (refused && ctx == null) {
            requestTasks(T_CLOSE);
        }
        return !refused;
    }

    @Override
    public boolean writeShared(ByteBuffer src) {
        int n = src.remaining();
        IoContext ctx = currentContext();
        boolean refused;
        synchronized (queue) {
            if (!ConnectionState.isOpen(state)) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            ByteBuffer view = src.duplicate();
            if (!socket.isBlocking()) {
                flushLocked(ctx, view); // straight from the shared bytes, as far as the socket takes them
            }
            if (view.hasRemaining() && ConnectionState.isOpen(state)) {
                appendLocked(view, null, 0, view.remaining(), ctx);
            }
            refused = !ConnectionState.isOpen(state);
        }
        if (ctx == null) {
            if (socket.isBlocking() && !refused) {
                requestTasks(T_FLUSH); // never wait for the socket here: the flusher does
            }
            followUp();
        }
        return !refused;
    }

    @Override
    public void flush() {
        IoContext ctx = currentContext();
        if (socket.isBlocking()) {
            if (ctx == null) {
                requestTasks(T_FLUSH);
            } // in a callback the epilogue flushes when it returns
            return;
        }
        synchronized (queue) {
            flushLocked(ctx, null);
        }
        if (ctx == null) {
            followUp();
        }
    }

    /** After a call outside the serial context: what the serial context must now do. */
    private void followUp() {
        int t;
        synchronized (queue) {
            int p = phase(state);
            if (p == CLOSED) {
                return;
            }
            t = (p == ABORTING ? T_CLOSE : 0) | (queue.writableOwed() ? T_WRITABLE : 0);
        }
        if (t != 0) {
            requestTasks(t);
        }
    }

    @Override
    public void suspendReads() {
        synchronized (queue) {
            int s = state;
            if ((s & SUSPENDED) != 0) {
                return;
            }
            state = (s | SUSPENDED) & ~RESUMED;
            updateInterestLocked();
        }
    }

    @Override
    public void resumeReads() {
        synchronized (queue) {
            int s = state;
            if ((s & SUSPENDED) == 0) {
                return;
            }
            state = (s & ~SUSPENDED) | RESUMED;
            updateInterestLocked();
            if (socket.isBlocking()) {
                queue.notifyAll();
                return; // the connection's thread looks at RESUMED when it wakes
            }
        }
        // Bytes the handler left while suspended (whole messages it put off) would otherwise wait
        // for the peer's next bytes, which may never come: the peer waits for their answers.
        requestTasks(T_REDELIVER);
    }

    @Override
    public void close() {
        synchronized (queue) {
            int s = state;
            if (phase(s) != OPEN) {
                return;
            }
            state = moveTo(s, CLOSING);
            updateInterestLocked();
            if (socket.isBlocking()) {
                queue.notifyAll();
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
        synchronized (queue) {
            if (!failLocked(reason)) {
                return;
            }
        }
        if (currentContext() == null) {
            requestTasks(T_CLOSE);
        }
    }

    /** ABORTING with {@code reason}, unless closed or aborting already. Under the lock. */
    private boolean failLocked(CloseReason reason) {
        int s = state;
        int p = phase(s);
        if (p == CLOSED || p == ABORTING) {
            return false;
        }
        failure = reason;
        state = moveTo(s, ABORTING);
        if (socket.isBlocking()) {
            queue.notifyAll();
        }
        return true;
    }

    @Override
    public void setTimer(Duration delay) {
        long at = System.nanoTime() + Math.max(1, delay.toNanos());
        timerAt = at == 0 ? 1 : at;
        if (currentContext() != null) {
            owner.deadlineChanged(this);
        } else {
            requestTasks(T_RETIME);
        }
    }

    @Override
    public void cancelTimer() {
        timerAt = 0;
    }

    @Override
    public SocketAddress remoteAddress() {
        return socket.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public String toString() {
        return "connection " + id + " (" + remoteAddress() + ")";
    }

    // ================================================================ serial context: entry points

    /** The connection is registered: run onOpen and flush. */
    void open(IoContext ctx) {
        enter(ctx);
        doOpen();
        epilogue(ctx);
        exit();
    }

    /** The poller reported {@code ready} ({@link Interest} bits). Non-blocking sockets. */
    void onReady(IoContext ctx, int ready) {
        enter(ctx);
        if ((ready & (Interest.HANG_UP | Interest.ERROR)) != 0) {
            hangUp((ready & Interest.ERROR) != 0);
        }
        if ((ready & ~Interest.WRITE) != 0) {
            Inbound.readLoop(this, ctx);
        }
        epilogue(ctx);
        exit();
    }

    /** Runs the tasks requested from other threads. */
    void runTasks(IoContext ctx) {
        int t = (int) TASKS.getAndSet(this, 0);
        if (t == 0 || phase(state) == CLOSED) {
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
            Inbound.redeliver(this, ctx);
        }
        // T_CLOSE, T_WRITABLE and T_FLUSH: the epilogue flushes, calls onWritable and closes.
        epilogue(ctx);
        exit();
    }

    boolean hasTasks() {
        return tasks != 0;
    }

    /** Asks for tasks to run in the serial context; any thread. */
    void requestTasks(int bits) {
        int before = (int) TASKS.getAndBitwiseOr(this, bits);
        if (before == 0) {
            owner.schedule(this);
        }
    }

    /** Takes the requested task bits (thread-per-connection runs them itself). */
    int takeTasks() {
        return (int) TASKS.getAndSet(this, 0);
    }

    void enter(IoContext ctx) {
        dispatching = ctx;
    }

    void exit() {
        dispatching = null;
    }

    /** The I/O context of the current thread if it is this connection's serial context now. */
    IoContext currentContext() {
        IoContext d = dispatching;
        return d != null && d.thread == Thread.currentThread() ? d : null;
    }

    /** Asserts that the calling thread is this connection's serial context (tests run with -ea). */
    boolean inSerialContext() {
        return currentContext() != null;
    }

    /**
     * The socket reported an error or a hang-up. A connection that is going to read finds out what
     * happened by reading (data may still be waiting before the end); one that is not reading would
     * otherwise hear the same report forever from a level-triggered set, so it is closed.
     */
    void hangUp(boolean error) {
        int s = state;
        if (phase(s) == CLOSED || ConnectionState.reads(s)) {
            return;
        }
        fail(error ? CloseReason.ioError(new IOException("socket error reported by the transport"))
                : ConnectionState.closingGracefully(s) ? CloseReason.LOCAL : CloseReason.PEER_CLOSED);
    }

    /** Shutdown asked this connection to close once it has handled what arrived. */
    void markShutdownRequested() {
        synchronized (queue) {
            state |= SHUTDOWN_REQUESTED;
        }
    }

    CloseReason failure() {
        return failure;
    }

    // ================================================================ claiming (worker pool, leader-follower)

    /**
     * Takes the connection for one thread of a pool: false if another holds it or it is closed.
     * With {@code disarm} its readiness interest is cleared meanwhile (a one-shot set has done that).
     */
    boolean tryClaim(boolean disarm) {
        synchronized (queue) {
            int s = state;
            if ((s & CLAIMED) != 0 || phase(s) == CLOSED) {
                return false;
            }
            state = s | CLAIMED;
            if (disarm) {
                socket.setInterest(0);
            }
            return true;
        }
    }

    /** {@link #releaseClaim} results. */
    static final int KEPT = 0;
    static final int RELEASED = 1;
    static final int RELEASED_REARMED = 2;

    /**
     * The claimant is done: unless tasks arrived meanwhile (then it keeps the claim, {@link #KEPT},
     * to run them), the claim is released and the socket re-armed for what the connection waits
     * for: {@link #RELEASED_REARMED} if the interest changed, else {@link #RELEASED}.
     */
    int releaseClaim() {
        synchronized (queue) {
            int s = state;
            boolean closed = phase(s) == CLOSED;
            if (!closed && hasTasks()) {
                return KEPT;
            }
            state = s & ~CLAIMED;
            return !closed && socket.setInterest(desiredInterestLocked()) ? RELEASED_REARMED : RELEASED;
        }
    }

    boolean claimed() {
        return (state & CLAIMED) != 0;
    }

    // ================================================================ reading support (Inbound)

    /** Reads may go on: open and not suspended, or closing (discarding), and no failure. */
    boolean reading() {
        return ConnectionState.reads(state);
    }

    boolean closingOrClosed() {
        return phase(state) != OPEN;
    }

    /** The peer's FIN: no more reads; onInputClosed unless we were closing already. */
    void endOfStream() {
        boolean closing;
        synchronized (queue) {
            int s = state;
            closing = phase(s) != OPEN;
            state = s | INPUT_CLOSED | (closing ? 0 : PEER_CLOSED_FIRST);
            updateInterestLocked();
        }
        if (!closing) {
            try {
                owner.engine.handler.onInputClosed(this);
            } catch (Throwable t) {
                handlerFailed("onInputClosed", t);
            }
        }
    }

    void readFailed(IOException e) {
        owner.engine.metrics.ioErrors.increment();
        fail(CloseReason.ioError(e));
    }

    /** Takes the RESUMED flag: true if reads were resumed since (bytes left over are to be handed over). */
    boolean takeResumed() {
        synchronized (queue) {
            int s = state;
            state = s & ~RESUMED;
            return (s & RESUMED) != 0 && ConnectionState.isOpen(s) && (s & SUSPENDED) == 0;
        }
    }

    /** Whether reads were resumed with a leftover since the connection's thread last looked (thread-per-connection). */
    boolean resumedWithLeftover() {
        synchronized (queue) {
            if (inbound == null) {
                state &= ~RESUMED; // nothing was left: the next read is all there is
            }
            return (state & RESUMED) != 0;
        }
    }

    void handlerFailed(String callback, Throwable t) {
        Engine engine = owner.engine;
        engine.metrics.handlerErrors.increment();
        engine.log.log(Level.WARNING, this + ": handler " + callback + " threw " + t + "; closing");
        fail(CloseReason.handlerError(t));
    }

    private void doOpen() {
        synchronized (queue) {
            int s = state;
            if ((s & OPENED) != 0 || phase(s) == CLOSED) {
                return;
            }
            state = s | OPENED;
        }
        try {
            owner.engine.handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
    }

    // ================================================================ writing

    /** Copies into the queue; past the cap the connection fails. Under the lock. */
    private void appendLocked(ByteBuffer src, byte[] arr, int offset, int length, IoContext ctx) {
        Engine engine = owner.engine;
        int events = queue.append(src, arr, offset, length, engine.writeLimits, ctx == null ? null : ctx.cache, engine.pool);
        if ((events & WriteQueue.BECAME_UNWRITABLE) != 0) {
            engine.metrics.unwritable.increment();
        }
        if ((events & WriteQueue.OVER_CAP) != 0) {
            engine.metrics.writeLimitCloses.increment();
            String why = queue.queued() + " B queued, over max-queued-bytes " + engine.writeLimits.cap() + " B";
            engine.log.log(Level.INFO, this + " closed: " + why);
            failLocked(new CloseReason(CloseReason.Kind.WRITE_LIMIT, why, null));
            WriteQueue.releaseChain(queue.detach(), ctx == null ? null : ctx.cache, engine.pool);
        }
    }

    /**
     * Writes the queue, then {@code extra} if given, with one gathering write, as far as the
     * non-blocking socket takes it. Under the lock.
     */
    private void flushLocked(IoContext ctx, ByteBuffer extra) {
        int p = phase(state);
        if (p == CLOSED || p == ABORTING) {
            return;
        }
        Engine engine = owner.engine;
        long written;
        try {
            if (ctx != null) {
                written = queue.flush(socket, ctx.scratch, ctx.iov, ctx.iovBase, extra, engine.writeLimits, ctx.cache, engine.pool);
            } else {
                IoContext.Gather g = IoContext.foreignGather();
                written = queue.flush(socket, null, g.iov(), g.bases(), extra, engine.writeLimits, null, engine.pool);
            }
        } catch (IOException e) {
            engine.metrics.ioErrors.increment();
            failLocked(CloseReason.ioError(e));
            return;
        }
        if (written > 0) {
            lastActivity = ctx != null ? ctx.now : System.nanoTime();
        }
        if (ctx != null) {
            ctx.countWrite(written);
        } else {
            engine.metrics.countForeignWrite(written);
        }
        updateInterestLocked();
    }

    /**
     * Flushes a blocking socket: one thread at a time writes, outside the lock (the others append
     * and leave, and the writer goes on until the queue is empty). Returns when the queue is empty
     * or another thread is writing it.
     */
    void flushBlocking(IoContext ctx) {
        flushBlocking(ctx, ctx.scratch, ctx.iov, ctx.iovBase);
    }

    /** {@link #flushBlocking(IoContext)} with the calling thread's own scratch and arrays ({@code ctx} may be null). */
    void flushBlocking(IoContext ctx, Scratch scratch, ByteBuffer[] iov, long[] bases) {
        Engine engine = owner.engine;
        for (;;) {
            int count;
            synchronized (queue) {
                int p = phase(state);
                if (p == CLOSED || p == ABORTING) {
                    return;
                }
                count = queue.beginWrite(iov, bases);
                if (count == 0) {
                    return;
                }
            }
            long written = 0;
            IOException error = null;
            try {
                for (int first = 0; first < count; ) {
                    written += socket.write(scratch, iov, bases, first, count - first);
                    while (first < count && !iov[first].hasRemaining()) {
                        first++;
                    }
                }
            } catch (IOException e) {
                error = e;
            } finally {
                for (int i = 0; i < count; i++) {
                    iov[i] = null;
                }
            }
            PooledBuffer orphans = null;
            boolean release = false;
            boolean reset = false;
            boolean failed = false;
            synchronized (queue) {
                if (written > 0) {
                    lastActivity = System.nanoTime();
                }
                if (ctx != null) {
                    ctx.countWrite(written);
                } else {
                    engine.metrics.countForeignWrite(written);
                }
                int s = state;
                int p = phase(s);
                if (p == CLOSED || p == ABORTING) {
                    // Closed meanwhile: the queue is ours to give back, and the socket, if its release waited for us.
                    orphans = queue.discardAfterWrite();
                    if ((s & RELEASE_DEFERRED) != 0) {
                        release = true;
                        reset = (s & RESET_DEFERRED) != 0;
                        state = s & ~(RELEASE_DEFERRED | RESET_DEFERRED);
                    }
                } else if (error != null) {
                    engine.metrics.ioErrors.increment();
                    failed = failLocked(CloseReason.ioError(error));
                    orphans = queue.discardAfterWrite();
                } else {
                    queue.endWrite(written, engine.writeLimits, ctx == null ? null : ctx.cache, engine.pool);
                }
            }
            if (release) {
                socket.close(reset);
            }
            if (orphans != null || release) {
                WriteQueue.releaseChain(orphans, ctx == null ? null : ctx.cache, engine.pool);
                if (failed && ctx == null) {
                    requestTasks(T_CLOSE);
                }
                return;
            }
        }
    }

    /** Takes an owed onWritable (the queue drained below the low mark). */
    boolean takeWritableOwed() {
        synchronized (queue) {
            return ConnectionState.isOpen(state) || ConnectionState.closingGracefully(state) ? queue.takeWritableOwed() : false;
        }
    }

    /** Thread-per-connection: marks a flusher as started; false if one is already writing or about to. */
    boolean startFlusher() {
        synchronized (queue) {
            int s = state;
            if ((s & FLUSHER) != 0 || phase(s) == CLOSED) {
                return false;
            }
            state = s | FLUSHER;
            return true;
        }
    }

    /** The flusher is done; true if more was queued since it looked (it goes on). */
    boolean flusherDone() {
        synchronized (queue) {
            int p = phase(state);
            if (!queue.isEmpty() && !queue.writing() && p != CLOSED && p != ABORTING) {
                return true;
            }
            state &= ~FLUSHER;
            return false;
        }
    }

    // ================================================================ interest

    private void updateInterestLocked() {
        if (!socket.isBlocking()) {
            owner.interestChanged(this, desiredInterestLocked());
        }
    }

    /** What readiness this connection waits for now. Under the lock. */
    int desiredInterestLocked() {
        int s = state;
        int p = phase(s);
        if (p == CLOSED || p == ABORTING) {
            return 0;
        }
        int ops = ConnectionState.reads(s) ? Interest.READ : 0;
        return queue.isEmpty() ? ops : ops | Interest.WRITE;
    }

    /** Thread-per-connection: waits on the lock while reads are suspended; false if it must close instead. */
    boolean awaitReadable() {
        synchronized (queue) {
            for (;;) {
                int s = state;
                int p = phase(s);
                if (p == CLOSED || p == ABORTING) {
                    return false;
                }
                if ((s & SUSPENDED) == 0 || p != OPEN) {
                    return true;
                }
                try {
                    queue.wait();
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
    }

    // ================================================================ after callbacks

    /**
     * Runs after every batch of callbacks in the serial context: flushes what they wrote, calls
     * onWritable when the queue drained, and moves a close forward.
     */
    void epilogue(IoContext ctx) {
        boolean blocking = socket.isBlocking();
        for (int round = 0; ; round++) {
            if (blocking) {
                flushBlocking(ctx);
            }
            boolean fire;
            synchronized (queue) {
                if (!blocking) {
                    flushLocked(ctx, null);
                }
                int p = phase(state);
                fire = p != CLOSED && p != ABORTING && queue.takeWritableOwed();
            }
            if (!fire) {
                break;
            }
            if (!blocking && round == MAX_WRITABLE_ROUNDS) {
                // Let the loop's other connections run; the callback comes on the next turn.
                synchronized (queue) {
                    queue.oweWritable();
                }
                requestTasks(T_WRITABLE);
                break;
            }
            fireWritable();
        }
        progressClose(ctx);
    }

    void fireWritable() {
        if (!queue.isWritable() || phase(state) == CLOSED) {
            return;
        }
        try {
            owner.engine.handler.onWritable(this);
        } catch (Throwable t) {
            handlerFailed("onWritable", t);
        }
    }

    private void progressClose(IoContext ctx) {
        int s;
        CloseReason f;
        boolean shutOutput = false;
        synchronized (queue) {
            s = state;
            f = failure;
            if (phase(s) == CLOSING && queue.isEmpty() && !queue.writing()) {
                state = s = moveTo(s, LINGERING);
                shutOutput = true;
            }
        }
        int p = phase(s);
        if (p == CLOSED || p == OPEN) {
            return;
        }
        if (p == ABORTING) {
            closeNow(ctx, f);
            return;
        }
        if (shutOutput) {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                closeNow(ctx, gracefulReason(s));
                return;
            }
            lastActivity = System.nanoTime();
            owner.deadlineChanged(this);
        }
        if (p == LINGERING && (s & INPUT_CLOSED) != 0) {
            closeNow(ctx, gracefulReason(s));
        }
        // Otherwise linger: discard what the peer sends until its FIN or the linger deadline, so
        // that closing with unread bytes does not reset the connection and lose our last replies.
    }

    private static CloseReason gracefulReason(int s) {
        return (s & PEER_CLOSED_FIRST) != 0 ? CloseReason.PEER_CLOSED : CloseReason.LOCAL;
    }

    /** Closes now, whatever is queued. Serial context; idempotent. */
    void closeNow(IoContext ctx, CloseReason reason) {
        Engine engine = owner.engine;
        boolean resets = resets(reason);
        PooledBuffer q;
        boolean deferred;
        synchronized (queue) {
            int s = state;
            if (phase(s) == CLOSED) {
                return;
            }
            s = moveTo(s, CLOSED);
            deferred = queue.writing();
            if (deferred) {
                // A write outside the lock is under way: its writer gives the queue back, and the socket.
                s |= RELEASE_DEFERRED | (resets ? RESET_DEFERRED : 0);
                q = null;
            } else {
                q = queue.detach();
            }
            state = s;
            if (socket.isBlocking()) {
                queue.notifyAll();
            }
        }
        WriteQueue.releaseChain(q, ctx == null ? null : ctx.cache, engine.pool);
        Inbound.release(this, ctx);
        owner.closed(this);
        if (deferred) {
            socket.shutdownToWake(false, resets); // fails the writer's write at once; it releases the socket
        } else {
            socket.close(resets);
        }
        engine.connectionClosed(reason);
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

    /** Whether closing for {@code reason} resets the connection rather than ending it with FIN. */
    static boolean resets(CloseReason reason) {
        CloseReason.Kind kind = reason.kind();
        return reason == CloseReason.ABORTED || kind == CloseReason.Kind.WRITE_LIMIT
                || kind == CloseReason.Kind.READ_LIMIT || kind == CloseReason.Kind.HANDLER_ERROR;
    }

    // ================================================================ timers and shutdown

    /** When this connection must be looked at (its timer, or closed if nothing happens), or Long.MAX_VALUE. */
    long deadlineNanos() {
        int s = state;
        if (phase(s) == CLOSED) {
            return Long.MAX_VALUE;
        }
        long close = closeDeadlineNanos(s);
        long at = timerAt;
        return at != 0 && ConnectionState.isOpen(s) && at - close < 0 ? at : close;
    }

    private long closeDeadlineNanos(int s) {
        Engine engine = owner.engine;
        if (phase(s) != OPEN) {
            return lastActivity + engine.lingerNanos;
        }
        long idle = engine.idleTimeoutNanos;
        return idle == Long.MAX_VALUE ? Long.MAX_VALUE : lastActivity + idle;
    }

    /** True if nothing happened for the idle timeout (or, closing, the linger timeout). */
    boolean expiredAt(long now) {
        int s = state;
        return phase(s) != CLOSED && now - closeDeadlineNanos(s) >= 0;
    }

    /** Takes the timer if it is due at {@code now}: it fires once. */
    boolean takeTimerIfDue(long now) {
        long at = timerAt;
        if (at != 0 && now - at >= 0) {
            timerAt = 0;
            return true;
        }
        return false;
    }

    void fireTimer() {
        try {
            owner.engine.handler.onTimer(this);
        } catch (Throwable t) {
            handlerFailed("onTimer", t);
        }
    }

    /**
     * The deadline came round, in the serial context (between enter and epilogue): fire the timer
     * if it is due, close if the idle or linger deadline really passed, else re-time.
     */
    void checkDeadline(IoContext ctx) {
        if (phase(state) == CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (ConnectionState.isOpen(state) && takeTimerIfDue(now)) {
            fireTimer();
        }
        if (expiredAt(now)) {
            closeNow(ctx, expiryReason());
        } else if (phase(state) != CLOSED) {
            owner.deadlineChanged(this);
        }
    }

    /** A reactor's wheel found this connection due: check it with the full callback protocol. */
    void onDeadline(IoContext ctx) {
        enter(ctx);
        checkDeadline(ctx);
        epilogue(ctx);
        exit();
    }

    /** Why the connection closes when its deadline passes. */
    CloseReason expiryReason() {
        int s = state;
        return phase(s) == OPEN ? CloseReason.IDLE_TIMEOUT : gracefulReason(s);
    }

    /** Timers call this on the thread that keeps them. */
    void deadlinePassed() {
        owner.deadlinePassed(this);
    }

    /**
     * Server shutdown, in the serial context: handle the bytes that already arrived, then close
     * gracefully, so no request already received loses its reply.
     */
    private void shutdownGracefully(IoContext ctx) {
        markShutdownRequested();
        if (ConnectionState.isOpen(state)) {
            Inbound.readLoop(this, ctx);
        }
        close();
    }
}
