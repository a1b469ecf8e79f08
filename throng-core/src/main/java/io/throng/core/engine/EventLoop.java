package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.transport.Interest;
import io.throng.core.transport.Poller;
import io.throng.core.transport.ReadySink;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One platform thread and one {@link Poller}: waits for readiness and hands what is ready to its
 * connections' {@link Owner} (which runs them here, under the reactor models, or hands them to a
 * worker), to its listeners and to its pending connects. Owns its timer wheel and its listeners.
 *
 * <p>Other threads talk to a loop only through {@link #execute} (a queue of tasks) and
 * {@link EngineConnection#requestTasks} (an intrusive stack of connections with tasks: no
 * allocation), followed by a wake-up that is skipped when the loop is not blocked polling.
 */
final class EventLoop implements Runnable, ReadySink {
    private static final int AWAKE = 0;
    private static final int POLLING = 1;
    private static final long IDLE_POLL_MS = 1000;
    /** How often a loop with a closed admission gate asks again whether it opened (leader-follower's saturation). */
    private static final long GATE_POLL_MS = 10;
    private static final VarHandle SCHEDULED;
    private static final VarHandle WAKE_STATE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            SCHEDULED = l.findVarHandle(EventLoop.class, "scheduled", EngineConnection.class);
            WAKE_STATE = l.findVarHandle(EventLoop.class, "wakeState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    final Engine engine;
    final Thread thread;

    String threadName() {
        return thread.getName();
    }
    final Poller poller;
    /** The owner of this loop's connections: the loop itself, or the worker pool's owner for it. */
    final Owner owner;
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final List<Listener> listeners = new ArrayList<>();
    private final List<PendingConnect> pendingConnects = new ArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);

    @SuppressWarnings("unused") // through SCHEDULED
    private volatile EngineConnection scheduled;
    @SuppressWarnings("unused") // through WAKE_STATE
    private volatile int wakeState;
    private volatile boolean stopRequested;

    IoContext ctx;
    TimerWheel wheel;
    /** How late this loop runs what is due: written by its thread, read by the stats and the dump. */
    final LoopLag lag;
    /** Whether this turn's poll has handed over an event yet (loop thread). */
    private boolean wokeThisTurn;

    /**
     * A loop of {@code engine}'s transport. {@code owners} makes the owner of its connections
     * (null: the loop runs them itself); {@code oneShot} registers them one-shot (the worker pool).
     */
    EventLoop(int index, Engine engine, String threadName, Function<EventLoop, Owner> owners, boolean oneShot)
            throws IOException {
        this.index = index;
        this.engine = engine;
        this.poller = engine.transport.openPoller(oneShot, 0);
        this.owner = owners == null ? new LoopOwner(this) : owners.apply(this);
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this);
        this.lag = new LoopLag(thread, System.nanoTime());
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
    void schedule(EngineConnection c) {
        EngineConnection head;
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
        if ((int) WAKE_STATE.getAndSet(this, AWAKE) == POLLING) {
            poller.wakeup();
        }
    }

    @Override
    public void ready(Object attachment, int ops) {
        if (!wokeThisTurn) {
            // The poller hands over events from inside its poll, handlers and all: the first one is
            // when the loop woke. One clock read a turn, not one an event.
            wokeThisTurn = true;
            lag.loopWoke(System.nanoTime());
        }
        if (attachment instanceof EngineConnection c) {
            if (poller.oneShot()) {
                c.socket.disarmed();
            }
            owner.ready(c, ops);
        } else if (attachment instanceof Listener l) {
            l.onAcceptable();
        } else if (attachment instanceof PendingConnect p) {
            p.onConnectable(this);
        }
    }

    /** Runs a ready connection here (reactor). A bug or a resource failure takes the connection, never the loop. */
    void runReady(EngineConnection c, int ops) {
        try {
            c.onReady(ctx, ops);
        } catch (RuntimeException | Error e) {
            c.exit();
            c.closeNow(ctx, CloseReason.ioError(e));
            throw e;
        }
    }

    void addListener(Listener l) {
        listeners.add(l);
    }

    @Override
    public void run() {
        ctx = new IoContext(thread, engine, engine.buffers.readBufferSize());
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
            lag.loopStopped();
            try {
                cleanUp();
            } finally {
                terminated.countDown();
            }
        }
    }

    private void runOnce() throws IOException {
        long before = System.nanoTime();
        long timeout = pollTimeoutMillis(before);
        WAKE_STATE.setVolatile(this, POLLING);
        boolean busy = !inbox.isEmpty() || scheduled != null || owner.hasWork();
        long wait = busy ? 0 : timeout;
        lag.loopPolls(before, wait);
        wokeThisTurn = false;
        poller.poll(ctx.scratch, wait, this);
        WAKE_STATE.setVolatile(this, AWAKE);
        ctx.now = System.nanoTime();
        if (!wokeThisTurn) {
            lag.loopWoke(ctx.now); // a timeout or a wake-up: no event marked it
        }
        runInbox();
        runScheduled();
        owner.afterPoll();
        long now = System.nanoTime();
        wheel.advance(now);
        lag.loopRanTimers(now);
        if (!pendingConnects.isEmpty()) {
            expireConnects(now);
        }
        if (!listeners.isEmpty()) {
            engine.admission.tick();
            for (int i = 0; i < listeners.size(); i++) {
                listeners.get(i).tick(now);
            }
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
        long next = TimerWheel.nextTickNanos(nowNanos);
        return Math.max(1, (next - nowNanos + 999_999) / 1_000_000);
    }

    private long pollTimeoutMillis(long now) {
        // Never 0 here: 0 means "do not wait" to the poller.
        long timeout = IDLE_POLL_MS;
        if (wheel.size() > 0 || !pendingConnects.isEmpty()) {
            timeout = millisToNextTick(now);
        }
        if (!listeners.isEmpty()) {
            if (!engine.admission.isOpen()) {
                timeout = Math.min(timeout, GATE_POLL_MS);
            }
            for (int i = 0; i < listeners.size(); i++) {
                long resume = listeners.get(i).resumeAt();
                if (resume != 0) {
                    timeout = Math.min(timeout, Math.max(1, (resume - now) / 1_000_000));
                }
            }
        }
        return owner.pollTimeout(timeout);
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
        EngineConnection c = (EngineConnection) SCHEDULED.getAndSet(this, null);
        while (c != null) {
            EngineConnection next = c.nextScheduled;
            c.nextScheduled = null;
            c.runTasks(ctx);
            c = next;
        }
    }

    // ------------------------------------------------------------------ connections

    /** Takes an accepted socket into this loop: registers it and opens it. Loop thread. */
    void adopt(TransportSocket socket) throws IOException {
        assert inLoop() : "adopt off the loop thread";
        EngineConnection c = new EngineConnection(owner, socket);
        poller.add(socket, c, Interest.READ);
        wheel.schedule(c, System.nanoTime());
        owner.opened(c, ctx);
    }

    /** Adopts from another thread (an acceptor dealing sockets round-robin). */
    void adoptLater(TransportSocket socket) {
        execute(() -> {
            try {
                adopt(socket);
            } catch (IOException | RuntimeException e) {
                engine.admission.unreserve();
                engine.metrics.ioErrors.increment();
                engine.log.log(Level.DEBUG, "could not register a socket: " + e);
                socket.close(true);
            }
        });
    }

    /** Starts a client connection from this loop, carrying {@code attachment} (may be null). Loop thread. */
    void connect(InetSocketAddress remote, InetSocketAddress local, Object attachment,
                 CompletableFuture<Connection> future, long timeoutNanos) {
        assert inLoop() : "connect off the loop thread";
        TransportSocket socket = null;
        try {
            socket = engine.transport.connect(ctx.scratch, remote, local, engine.socket);
            PendingConnect p = new PendingConnect(socket, attachment, future, System.nanoTime() + timeoutNanos);
            poller.addConnecting(socket, p);
            pendingConnects.add(p);
        } catch (IOException | RuntimeException e) {
            if (socket != null) {
                socket.close(false);
            }
            engine.metrics.connections.decrementAndGet();
            future.completeExceptionally(e);
        }
    }

    /** A client connection is established: it becomes a connection of this loop. Loop thread. */
    void established(PendingConnect p) {
        assert inLoop() : "established off the loop thread";
        pendingConnects.remove(p);
        EngineConnection c = new EngineConnection(owner, p.socket);
        c.attach(p.attachment);
        try {
            poller.connected(p.socket, c, Interest.READ);
        } catch (IOException e) {
            p.fail(this, e);
            return;
        }
        engine.metrics.accepted.increment();
        wheel.schedule(c, System.nanoTime());
        c.open(ctx);
        p.future.complete(c);
    }

    void forgetPending(PendingConnect p) {
        pendingConnects.remove(p);
    }

    private void expireConnects(long now) {
        for (int i = pendingConnects.size() - 1; i >= 0; i--) {
            PendingConnect p = pendingConnects.get(i);
            if (now - p.deadline >= 0) {
                p.fail(this, new java.net.SocketTimeoutException("connect timed out"));
            }
        }
    }

    /** Stops accepting. Loop thread. */
    void closeListeners() {
        for (Listener l : listeners) {
            l.close();
        }
    }

    /** Graceful shutdown of every connection of this loop. Loop thread. */
    void shutdownConnections() {
        poller.forEachAttachment(a -> {
            if (a instanceof EngineConnection c) {
                c.requestTasks(EngineConnection.T_SHUTDOWN);
            }
        });
    }

    /** The shutdown deadline passed: close what is left. Loop thread. */
    void failConnections() {
        poller.forEachAttachment(a -> {
            if (a instanceof EngineConnection c) {
                c.fail(CloseReason.SHUTDOWN);
            }
        });
    }

    /**
     * This loop's connections counted for a dump, on the loop thread (the only one that may walk
     * its poller): completes when the loop gets to it, never if a handler holds the loop.
     */
    java.util.concurrent.CompletableFuture<io.throng.core.Dump> dump(int firstN) {
        var done = new java.util.concurrent.CompletableFuture<io.throng.core.Dump>();
        execute(() -> {
            try {
                Census census = new Census(firstN);
                poller.forEachAttachment(a -> {
                    if (a instanceof EngineConnection c) {
                        census.add(c, c.owner instanceof LoopOwner);
                    }
                });
                long now = System.nanoTime();
                var lines = new java.util.ArrayList<>(java.util.List.of(lag.describe(now), "listeners " + listeners.size(),
                        "connects pending " + pendingConnects.size()));
                for (Listener l : listeners) {
                    lines.add(l.describe(now));
                }
                done.complete(census.toDump("loop " + thread.getName(), lines));
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    // ------------------------------------------------------------------ lifecycle

    void stop() {
        stopRequested = true;
        wakeup();
        poller.wakeup();
    }

    boolean awaitTermination(long millis) throws InterruptedException {
        return terminated.await(millis, TimeUnit.MILLISECONDS);
    }

    private void cleanUp() {
        runInbox();
        for (Listener l : listeners) {
            l.close();
        }
        // Whatever is still open now is closed without ceremony.
        poller.forEachAttachment(a -> {
            if (a instanceof EngineConnection c) {
                c.closeNow(ctx, CloseReason.SHUTDOWN);
            }
        });
        owner.afterPoll();
        for (PendingConnect p : new ArrayList<>(pendingConnects)) {
            p.fail(this, new ClosedChannelException());
        }
        poller.close();
        ctx.release();
    }

    /** The owner of a reactor loop's connections: the loop thread runs everything. */
    static final class LoopOwner extends Owner {
        private final EventLoop loop;

        LoopOwner(EventLoop loop) {
            super(loop.engine);
            this.loop = loop;
        }

        @Override
        void schedule(EngineConnection c) {
            loop.schedule(c);
        }

        @Override
        void ready(EngineConnection c, int ops) {
            loop.runReady(c, ops);
        }

        @Override
        void opened(EngineConnection c, IoContext ctx) {
            c.open(ctx);
        }

        @Override
        void interestChanged(EngineConnection c, int interest) {
            if (c.socket.setInterest(interest) && !loop.inLoop() && loop.poller.interestNeedsWakeup()) {
                loop.wakeup();
            }
        }

        @Override
        void deadlinePassed(EngineConnection c) {
            c.onDeadline(loop.ctx);
        }

        @Override
        void closed(EngineConnection c, CloseReason reason) {
            assert loop.inLoop() : "a loop's wheel is its own thread's";
            loop.wheel.cancel(c);
        }

        @Override
        void deadlineChanged(EngineConnection c) {
            assert loop.inLoop() : "a loop's wheel is its own thread's";
            loop.wheel.reschedule(c, System.nanoTime());
        }
    }
}
