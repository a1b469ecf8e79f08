package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.CLOSING;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.OPENED;
import static io.throng.core.engine.ConnectionState.RESUMED;
import static io.throng.core.engine.ConnectionState.SHUTDOWN_REQUESTED;
import static io.throng.core.engine.ConnectionState.SUSPENDED;
import static io.throng.core.engine.ConnectionState.moveTo;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.Interest;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The engine's connection: the {@link Connection} a handler holds, its state, and the entry points
 * of its serial context. Its parts: the transport's {@link TransportSocket} moves the bytes; the
 * model's {@link Owner} decides which thread runs what; {@link ConnectionState} names the phases
 * and their legal transitions; {@link Inbound} reads and keeps what the handler left unconsumed;
 * {@link Outbound} writes, through the {@link WriteQueue}; {@link Closing} ends it.
 *
 * <p><b>Threads.</b> The <em>serial context</em> (a loop, the worker or group thread holding the
 * connection, or its own thread) runs every callback and owns the unconsumed bytes and the timer
 * links. Any thread may write, flush, suspend, resume and close: those take the connection's lock,
 * which is its write queue's monitor (private to the engine: a user's
 * {@code synchronized (connection)} cannot stall it), and what they decide outside the serial
 * context (a close, a failure, an owed onWritable) is carried out there, asked for with a task bit
 * ({@link #requestTasks}): an {@code int} set with one atomic OR, the first bit of which schedules
 * the connection with its owner. No allocation, and no wake-up when the loop is not asleep.
 *
 * <p><b>Memory.</b> An idle connection holds this object (80 bytes with compact headers: the task
 * bits and the wheel slot are shorts, which takes it from 88), its queue (32) and its socket (24
 * on epoll), and nothing else: no buffer, no queue node, no timer object, no list links (a loop
 * finds its connections through its poller's table).
 */
final class EngineConnection implements Connection, io.throng.core.transport.InterestSource {
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
    private static final VarHandle TASKS;

    static {
        try {
            TASKS = MethodHandles.lookup().findVarHandle(EngineConnection.class, "tasks", short.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    final Owner owner;
    final TransportSocket socket;
    /** What is to be written; its monitor is this connection's lock. */
    final WriteQueue queue = new WriteQueue();
    private Object attachment;

    // ---- serial context ----
    /** What the handler left unconsumed, in a pooled buffer just big enough, or null. */
    PooledBuffer inbound;
    private IoContext dispatching;
    /** System.nanoTime() of the last read or write progress; written racily, read by timers. */
    long lastActivity;
    /** When the handler's timer goes off (System.nanoTime()), or 0 for none. */
    volatile long timerAt;
    EngineConnection wheelNext;
    EngineConnection wheelPrev;
    /** The wheel slot this connection is linked in (0-511), or -1. A short, as {@link #tasks}: see the class comment. */
    short wheelSlot = -1;
    /** The owning loop's stack of connections with tasks. */
    EngineConnection nextScheduled;

    @SuppressWarnings("unused") // through TASKS; the bits fit a short (eight of them)
    private volatile short tasks;
    /** Phase and flags ({@link ConnectionState}); written under the lock, read without it. */
    volatile int state;
    /** Why the connection closes, once ABORTING. */
    volatile CloseReason failure;

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
        return Outbound.write(this, src);
    }

    @Override
    public boolean write(byte[] src, int offset, int length) {
        return Outbound.write(this, src, offset, length);
    }

    @Override
    public boolean writeShared(ByteBuffer src) {
        return Outbound.writeShared(this, src, false);
    }

    @Override
    public boolean writeImmutable(ByteBuffer src) {
        return Outbound.writeShared(this, src, true);
    }

    @Override
    public void flush() {
        Outbound.flush(this);
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
    boolean failLocked(CloseReason reason) {
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
            Inbound.hangUp(this, (ready & Interest.ERROR) != 0);
        }
        if ((ready & ~Interest.WRITE) != 0) {
            Inbound.readLoop(this, ctx);
        }
        epilogue(ctx);
        exit();
    }

    /** Runs the tasks requested from other threads. */
    void runTasks(IoContext ctx) {
        int t = (short) TASKS.getAndSet(this, (short) 0);
        if (t == 0 || phase(state) == CLOSED) {
            return;
        }
        enter(ctx);
        if ((t & T_OPEN) != 0) {
            doOpen();
        }
        if ((t & T_DEADLINE) != 0) {
            Closing.checkDeadline(this, ctx);
        } else if ((t & T_RETIME) != 0) {
            owner.deadlineChanged(this);
        }
        if ((t & T_SHUTDOWN) != 0) {
            Closing.shutdownGracefully(this, ctx);
        }
        if ((t & T_REDELIVER) != 0) {
            Inbound.redeliver(this, ctx);
        }
        // T_CLOSE, T_WRITABLE and T_FLUSH: the epilogue flushes, calls onWritable and closes.
        epilogue(ctx);
        exit();
    }

    /** A reactor's wheel found this connection due: check it with the full callback protocol. */
    void onDeadline(IoContext ctx) {
        enter(ctx);
        Closing.checkDeadline(this, ctx);
        epilogue(ctx);
        exit();
    }

    /**
     * Runs after every batch of callbacks in the serial context: flushes what they wrote, calls
     * onWritable when the queue drained, and moves a close forward.
     */
    void epilogue(IoContext ctx) {
        boolean blocking = socket.isBlocking();
        for (int round = 0; ; round++) {
            if (blocking) {
                Outbound.flushBlocking(this, ctx, ctx.scratch, ctx.iov, ctx.iovBase);
            }
            boolean fire;
            synchronized (queue) {
                if (!blocking) {
                    Outbound.flushLocked(this, ctx, null);
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
        Closing.progress(this, ctx);
    }

    void closeNow(IoContext ctx, CloseReason reason) {
        Closing.closeNow(this, ctx, reason);
    }

    boolean hasTasks() {
        return tasks != 0;
    }

    /** Asks for tasks to run in the serial context; any thread. */
    void requestTasks(int bits) {
        int before = (short) TASKS.getAndBitwiseOr(this, (short) bits);
        if (before == 0) {
            owner.schedule(this);
        }
    }

    /** Takes the requested task bits (thread-per-connection runs them itself). */
    int takeTasks() {
        return (short) TASKS.getAndSet(this, (short) 0);
    }

    void enter(IoContext ctx) {
        IoContext d = dispatching;
        assert d == null || d == ctx || d.thread == Thread.currentThread()
                : this + ": " + Thread.currentThread().getName() + " entered while " + d.thread.getName() + " runs its callbacks";
        dispatching = ctx;
    }

    void exit() {
        dispatching = null;
    }

    /** Makes {@code ctx} the dispatching context for a nested callback (onClose); returns the previous one. */
    IoContext swapContext(IoContext ctx) {
        IoContext previous = dispatching;
        dispatching = ctx;
        return previous;
    }

    /** The I/O context of the current thread if it is this connection's serial context now. */
    IoContext currentContext() {
        IoContext d = dispatching;
        return d != null && d.thread == Thread.currentThread() ? d : null;
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

    boolean closingOrClosed() {
        return phase(state) != OPEN;
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
        FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(this);
        try {
            owner.engine.handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
        FlightEvents.handlerReturned(timed, this, "onOpen");
    }

    void fireWritable() {
        if (!queue.isWritable() || phase(state) == CLOSED) {
            return;
        }
        FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(this);
        try {
            owner.engine.handler.onWritable(this);
        } catch (Throwable t) {
            handlerFailed("onWritable", t);
        }
        FlightEvents.handlerReturned(timed, this, "onWritable");
    }

    /** Takes an owed onWritable (the queue drained below the low mark). */
    boolean takeWritableOwed() {
        synchronized (queue) {
            int p = phase(state);
            return p != CLOSED && p != ABORTING && queue.takeWritableOwed();
        }
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
        FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(this);
        try {
            owner.engine.handler.onTimer(this);
        } catch (Throwable t) {
            handlerFailed("onTimer", t);
        }
        FlightEvents.handlerReturned(timed, this, "onTimer");
    }

    /** Timers call this on the thread that keeps them. */
    void deadlinePassed() {
        owner.deadlinePassed(this);
    }

    // ================================================================ interest

    void updateInterestLocked() {
        if (!socket.isBlocking()) {
            owner.interestChanged(this, desiredInterestLocked());
        }
    }

    @Override
    public int currentInterest() {
        synchronized (queue) {
            return (state & ConnectionState.CLAIMED) != 0 ? 0 : desiredInterestLocked(); // a claimant re-arms it
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
}
