package io.throng.core.engine;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * One thread and one readiness set (a JDK {@code Selector} in {@link NioLoop}, an epoll set in the
 * native transport): waits for readiness and either runs the handlers itself (reactor models) or
 * hands ready connections to a worker pool. Owns its connections' list and timer wheel, and its
 * listeners. This class holds what does not depend on the transport; a subclass polls, registers
 * and connects.
 *
 * <p>Other threads talk to a loop only through {@link #execute} (a queue of tasks) and
 * {@link ConnectionImpl#requestTasks} (an intrusive stack of connections with tasks: no allocation),
 * followed by a wake-up that is skipped when the loop is not blocked polling.
 */
abstract class EventLoop implements Runnable {
    private static final int AWAKE = 0;
    private static final int SELECTING = 1;
    private static final long IDLE_SELECT_MS = 1000;
    private static final VarHandle SCHEDULED;
    private static final VarHandle WAKE_STATE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SCHEDULED = l.findVarHandle(EventLoop.class, "scheduled", ConnectionImpl.class);
            WAKE_STATE = l.findVarHandle(EventLoop.class, "wakeState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    final Engine engine;
    final Thread thread;
    /** The owner of this loop's connections: the loop itself or the worker pool's. */
    final Owner owner;
    final WorkerPool pool;
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    /** Worker-pool connections that closed or need re-timing (their workers cannot touch the wheel). */
    private final ConcurrentLinkedQueue<ConnectionImpl> retime = new ConcurrentLinkedQueue<>();
    /** Worker-pool connections the full pool could not take yet; they are disarmed meanwhile. */
    private final ArrayDeque<ConnectionImpl> overflow = new ArrayDeque<>();
    private boolean overflowing;
    private final List<Listener> listeners = new ArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);

    @SuppressWarnings("unused") // through SCHEDULED
    private volatile ConnectionImpl scheduled;
    @SuppressWarnings("unused") // through WAKE_STATE
    private volatile int wakeState;
    private volatile boolean stopRequested;

    IoContext ctx;
    TimerWheel wheel;
    private ConnectionImpl listHead;
    int connectionCount;

    EventLoop(int index, Engine engine, WorkerPool pool, String threadName) {
        this.index = index;
        this.engine = engine;
        this.pool = pool;
        this.owner = pool == null ? new ReactorOwner() : pool.ownerFor(this);
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this);
    }

    void start() {
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on this loop's thread, soon. Any thread. */
    void execute(Runnable task) {
        inbox.add(task);
        wakeup();
    }

    /** Pushes {@code c} onto the stack of connections with tasks. Any thread. */
    void schedule(ConnectionImpl c) {
        ConnectionImpl head;
        do {
            head = scheduled;
            c.nextScheduled = head;
        } while (!SCHEDULED.compareAndSet(this, head, c));
        if (!inLoop()) {
            wakeup();
        }
    }

    /** Wakes the loop if it is blocked polling; free when it is not. */
    void wakeup() {
        if ((int) WAKE_STATE.getAndSet(this, AWAKE) == SELECTING) {
            wakeupPoller();
        }
    }

    // ------------------------------------------------------------------ transport

    /** Waits up to {@code timeoutMillis} (0: not at all) and dispatches what is ready. */
    abstract void poll(long timeoutMillis) throws IOException;

    /** Makes a blocked {@link #poll} return. Any thread. */
    abstract void wakeupPoller();

    /** Releases the readiness set. */
    abstract void closePoller();

    /** Takes an accepted socket (the transport's handle) into this loop. Loop thread. */
    abstract void adopt(Object socket);

    /** Closes an accepted socket that will not be adopted (the connection limit). */
    abstract void reject(Object socket);

    /** Starts a client connection from this loop, carrying {@code attachment} (may be null). Loop thread. */
    abstract void connect(java.net.InetSocketAddress remote, java.net.InetSocketAddress local, Object attachment,
                          java.util.concurrent.CompletableFuture<io.throng.core.Connection> future, long timeoutNanos);

    /** A connection became ready: run it here (reactor) or hand it to the pool. Loop thread. */
    final void ready(ConnectionImpl c) {
        try {
            if (pool == null) {
                c.onReady(ctx);
            } else {
                pool.ready(c, this);
            }
        } catch (RuntimeException | Error e) {
            // A bug or a resource failure while handling one connection: it goes, the loop stays.
            c.exit();
            c.closeNow(ctx, io.throng.core.CloseReason.ioError(e));
            throw e;
        }
    }

    void retime(ConnectionImpl c) {
        retime.add(c);
        wakeup();
    }

    void addListener(Listener l) {
        listeners.add(l);
    }

    @Override
    public void run() {
        ctx = new IoContext(thread, engine.pool, engine.buffers.readBufferSize(), engine.metrics);
        wheel = new TimerWheel(System.nanoTime());
        started.countDown();
        try {
            while (!stopRequested) {
                try {
                    runOnce();
                } catch (Throwable t) {
                    // A loop outlives anything one turn throws; the pause keeps a repeating failure
                    // (out of memory, out of descriptors) from spinning the CPU.
                    engine.log.log(Level.ERROR, "event loop " + thread.getName() + ": " + t);
                    pause();
                }
            }
        } finally {
            try {
                cleanUp();
            } finally {
                terminated.countDown();
            }
        }
    }

    private void runOnce() throws IOException {
        long timeout = selectTimeoutMillis();
        WAKE_STATE.setVolatile(this, SELECTING);
        boolean busy = !inbox.isEmpty() || scheduled != null || !retime.isEmpty();
        poll(busy ? 0 : timeout);
        WAKE_STATE.setVolatile(this, AWAKE);
        ctx.now = System.nanoTime();
        runInbox();
        runScheduled();
        runRetime();
        long now = System.nanoTime();
        wheel.advance(now);
        if (!pendingConnects.isEmpty()) {
            expireConnects(now);
        }
        for (int i = 0; i < listeners.size(); i++) {
            listeners.get(i).tick(now);
        }
        if (pool != null) {
            drainOverflow();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Milliseconds (at least 1) until the next boundary of the wheel's 100 ms ticks on the monotonic
     * clock. Every loop with timers wakes on these boundaries rather than 100 ms after its last
     * wake-up; the clock is the machine's, so loops in different processes wake together and the
     * work their timers start arrives at the peer in bursts that one wake-up of it handles. A load
     * process whose connections ping on timers then costs its server one wake-up a tick per worker,
     * not one per ping: with a hundred processes on two cores, a wake-up (a context switch and an
     * address-space switch) costs more than the ping it carries.
     */
    static long millisToNextTick(long nowNanos) {
        long next = (Math.floorDiv(nowNanos, TimerWheel.TICK_NANOS) + 1) * TimerWheel.TICK_NANOS;
        return Math.max(1, (next - nowNanos + 999_999) / 1_000_000);
    }

    private long selectTimeoutMillis() {
        // Never 0 here: 0 means "do not wait" to poll().
        if (pool != null && (!overflow.isEmpty() || pool.gate.isPaused())) {
            return 1;
        }
        long timeout = IDLE_SELECT_MS;
        long now = System.nanoTime();
        if (wheel.size() > 0 || !pendingConnects.isEmpty()) {
            timeout = millisToNextTick(now);
        }
        for (int i = 0; i < listeners.size(); i++) {
            long resume = listeners.get(i).resumeAt();
            if (resume != 0) {
                timeout = Math.min(timeout, Math.max(1, (resume - now) / 1_000_000));
            }
        }
        return timeout;
    }

    private void runInbox() {
        Runnable r;
        int budget = 4096;
        while (budget-- > 0 && (r = inbox.poll()) != null) {
            try {
                r.run();
            } catch (Throwable t) {
                engine.log.log(Level.ERROR, "task on " + thread.getName() + " failed", t);
            }
        }
    }

    private void runScheduled() {
        ConnectionImpl c = (ConnectionImpl) SCHEDULED.getAndSet(this, null);
        while (c != null) {
            ConnectionImpl next = c.nextScheduled;
            c.nextScheduled = null;
            c.runTasks(ctx);
            c = next;
        }
    }

    private void runRetime() {
        ConnectionImpl c;
        long now = System.nanoTime();
        while ((c = retime.poll()) != null) {
            if ((c.flags() & ConnectionImpl.CLOSED) != 0) {
                unlink(c);
            } else {
                wheel.reschedule(c, now);
            }
        }
    }

    // ------------------------------------------------------------------ connections

    private final List<PendingConnect> pendingConnects = new ArrayList<>();

    void addPending(PendingConnect p) {
        pendingConnects.add(p);
    }

    void forgetPending(PendingConnect p) {
        pendingConnects.remove(p);
    }

    /** A client connection is established: it becomes a connection of this loop. Loop thread. */
    void connected(PendingConnect p, ConnectionImpl c) {
        pendingConnects.remove(p);
        engine.metrics.accepted.increment();
        c.attach(p.attachment);
        link(c);
        wheel.schedule(c, System.nanoTime());
        c.open(ctx);
        p.future.complete(c);
    }

    private void expireConnects(long now) {
        for (int i = pendingConnects.size() - 1; i >= 0; i--) {
            PendingConnect p = pendingConnects.get(i);
            if (now - p.deadline >= 0) {
                p.fail(this, new java.net.SocketTimeoutException("connect timed out"));
            }
        }
    }

    /** A new connection of this loop (accepted and set up by the subclass): link it and open it. */
    final void registered(ConnectionImpl c) {
        link(c);
        wheel.schedule(c, System.nanoTime());
        if (pool == null) {
            c.open(ctx);
        } else {
            c.requestTasks(ConnectionImpl.T_OPEN);
        }
    }

    /** An accepted socket could not be set up. */
    final void registrationFailed(Exception e) {
        engine.metrics.connections.decrementAndGet();
        engine.metrics.ioErrors.increment();
        engine.log.log(Level.DEBUG, "could not register a socket: " + e);
    }

    private void link(ConnectionImpl c) {
        c.listPrev = null;
        c.listNext = listHead;
        if (listHead != null) {
            listHead.listPrev = c;
        }
        listHead = c;
        connectionCount++;
    }

    void unlink(ConnectionImpl c) {
        wheel.cancel(c);
        if (c.listPrev == null && listHead != c) {
            return; // not linked (or already unlinked)
        }
        if (c.listPrev != null) {
            c.listPrev.listNext = c.listNext;
        } else {
            listHead = c.listNext;
        }
        if (c.listNext != null) {
            c.listNext.listPrev = c.listPrev;
        }
        c.listNext = null;
        c.listPrev = null;
        connectionCount--;
    }

    /**
     * Whether an interest change made by another thread needs the loop woken to take effect: a
     * {@code Selector} applies changes only when it next selects; epoll applies them at once.
     */
    abstract boolean needsWakeupForInterest();

    /** Stops accepting. Loop thread. */
    void closeListeners() {
        for (Listener l : listeners) {
            l.close();
        }
    }

    /** Graceful shutdown of every connection of this loop. Loop thread. */
    void shutdownConnections() {
        for (ConnectionImpl c = listHead; c != null; c = c.listNext) {
            c.requestTasks(ConnectionImpl.T_SHUTDOWN);
        }
    }

    /** The shutdown deadline passed: close what is left. Loop thread. */
    void failConnections() {
        for (ConnectionImpl c = listHead; c != null; c = c.listNext) {
            c.fail(io.throng.core.CloseReason.SHUTDOWN);
        }
    }

    // ------------------------------------------------------------------ worker-pool support

    void overflow(ConnectionImpl c) {
        overflow.add(c);
        overflowing = true;
        pool.gate.pause();
    }

    private void drainOverflow() {
        ConnectionImpl c;
        while ((c = overflow.peek()) != null && pool.offer(c)) {
            overflow.poll();
        }
        if (overflowing && overflow.isEmpty()) {
            overflowing = false;
            pool.loopOverflowEmptied();
        }
        if (!overflowing) {
            pool.overflowDrained(this);
        }
    }

    boolean hasOverflow() {
        return overflowing;
    }

    // ------------------------------------------------------------------ lifecycle

    void stop() {
        stopRequested = true;
        wakeup();
        wakeupPoller();
    }

    boolean awaitTermination(long millis) throws InterruptedException {
        return terminated.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void cleanUp() {
        runInbox();
        for (Listener l : listeners) {
            l.close();
        }
        // Whatever is still open now is closed without ceremony.
        ConnectionImpl c = listHead;
        while (c != null) {
            ConnectionImpl next = c.listNext;
            c.closeNow(ctx, io.throng.core.CloseReason.SHUTDOWN);
            c = next;
        }
        runRetime();
        for (PendingConnect p : new ArrayList<>(pendingConnects)) {
            p.fail(this, new java.nio.channels.ClosedChannelException());
        }
        closePoller();
        ctx.release();
    }

    /** The owner of a reactor loop's connections: the loop thread runs everything. */
    private final class ReactorOwner extends Owner {
        @Override
        void schedule(ConnectionImpl c) {
            EventLoop.this.schedule(c);
        }

        @Override
        void interestChanged(ConnectionImpl c, int interest) {
            if (c.setInterest(interest) && !inLoop() && needsWakeupForInterest()) {
                wakeup();
            }
        }

        @Override
        void deadlinePassed(ConnectionImpl c) {
            c.onDeadline(ctx);
        }

        @Override
        void closed(ConnectionImpl c) {
            unlink(c);
        }

        @Override
        void deadlineChanged(ConnectionImpl c) {
            wheel.reschedule(c, System.nanoTime());
        }

        @Override
        boolean blocking() {
            return false;
        }
    }
}
