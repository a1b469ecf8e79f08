package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.transport.Poller;
import io.throng.core.transport.ReadySink;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The leader-follower model (the seed's 002 design). G groups, each a one-shot readiness set that T
 * threads wait on at once: the kernel hands each readiness to exactly one waiting thread and
 * disarms the connection; that thread (the follower promoted to leader for the moment) reads, runs
 * the handler, writes, and re-arms the connection. No two threads ever run one connection, and
 * nothing is queued or handed off. An acceptor loop deals new connections to the groups
 * round-robin. Each thread takes at most 4 readinesses per wait, so a handler that blocks delays
 * few others: handlers may block.
 *
 * <p>Why groups rather than one set for all threads: every wait and every re-arm on a set takes
 * that set's locks in the kernel (ep->mtx and the ready-list lock), so with one set all threads
 * contend on it for every event; G sets divide that contention by G, while the T threads of a group
 * still hand work to whichever of them is free.
 *
 * <p>It needs a transport whose sets several threads can wait on, one-shot: epoll. A JDK
 * {@code Selector} is selected by one thread at a time and has no one-shot registration, so
 * "leaders" would serialise on it and every event would need two interest changes and a wake-up;
 * on nio the model is refused, and the worker pool is that design done properly.
 */
final class LeaderFollowerModel implements ServingModel {
    /** Readinesses one thread takes per wait: few, so that a blocking handler delays few others. */
    private static final int BATCH = 4;
    /** Saturated (admission closes) when no thread has come back to wait for this long. */
    private static final long SATURATED_NANOS = 100_000_000L;

    private final Engine engine;
    private final Group[] groups;
    private final int threadsPerGroup;
    private final SharedTimers timers;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger();
    private final EventLoop acceptor;
    private volatile boolean stopped;

    LeaderFollowerModel(Engine engine, int groupCount, int threadsPerGroup) throws IOException {
        if (!engine.transport.sharedOneShotSets()) {
            throw new IllegalStateException("leader-follower runs on the epoll transport only: it needs one-shot "
                    + "registration in a set shared by several threads, which a JDK Selector (selected by one thread at a "
                    + "time) cannot express; on nio, worker-pool is the nearest design");
        }
        this.engine = engine;
        this.threadsPerGroup = threadsPerGroup;
        this.timers = new SharedTimers(engine.name + "-timer");
        this.groups = new Group[groupCount];
        for (int i = 0; i < groupCount; i++) {
            groups[i] = new Group(i);
        }
        this.acceptor = new EventLoop(-1, engine, engine.name + "-lf-acceptor", null, false);
        engine.admission.saturation(this::saturated);
    }

    @Override
    public InetSocketAddress start(InetSocketAddress bind) throws IOException {
        timers.start();
        for (Group g : groups) {
            g.start();
        }
        acceptor.start();
        return Listener.open(acceptor, bind, false, socket -> groups[Math.floorMod(next.getAndIncrement(), groups.length)]
                .adopt(socket));
    }

    /** No thread of any group has been waiting for work in the last 100 ms: all are held by handlers. */
    private boolean saturated() {
        long now = System.nanoTime();
        for (Group g : groups) {
            for (Leader l : g.leaders) {
                long since = l.busySince;
                if (since == 0 || now - since < SATURATED_NANOS) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void stopAccepting() {
        acceptor.stop();
    }

    @Override
    public void drain() {
        timers.drain();
    }

    @Override
    public void abort() {
        timers.abort();
    }

    @Override
    public void stop() throws InterruptedException {
        acceptor.stop();
        acceptor.awaitTermination(3000);
        stopped = true;
        for (Group g : groups) {
            g.join();
        }
        timers.stop();
        // Whatever is still open is closed without ceremony, its threads gone.
        IoContext ctx = new IoContext(Thread.currentThread(), engine.transport, engine.pool, 256, engine.metrics, 16);
        try {
            timers.closeAll(ctx);
        } finally {
            ctx.release();
            for (Group g : groups) {
                g.poller.close();
            }
        }
    }

    @Override
    public Stats stats() {
        return new Stats(groups.length * threadsPerGroup, busy.get(), 0);
    }

    @Override
    public java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout) {
        return java.util.List.of(timers.census(firstN).toDump("groups", java.util.List.of("groups " + groups.length,
                "threads " + groups.length * threadsPerGroup, "busy " + busy.get())));
    }

    /** One shared one-shot set and the threads that wait on it. */
    private final class Group {
        final Poller poller;
        final Leader[] leaders;
        final GroupOwner owner = new GroupOwner(this);
        /** Connections claimed for their tasks by other threads, for this group's threads to run. */
        final ConcurrentLinkedQueue<EngineConnection> tasks = new ConcurrentLinkedQueue<>();
        private final CountDownLatch ready;

        Group(int index) throws IOException {
            this.poller = engine.transport.openPoller(true, BATCH);
            this.leaders = new Leader[threadsPerGroup];
            this.ready = new CountDownLatch(threadsPerGroup);
            for (int t = 0; t < threadsPerGroup; t++) {
                leaders[t] = new Leader(this, engine.name + "-lf-" + index + "-" + t);
            }
        }

        void start() {
            for (Leader l : leaders) {
                l.thread.start();
            }
            try {
                ready.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** An accepted socket joins this group, disarmed; one of its threads opens it and arms it. Acceptor loop. */
        void adopt(TransportSocket socket) throws IOException {
            EngineConnection c = new EngineConnection(owner, socket);
            poller.add(socket, c, 0);
            timers.add(c);
            c.requestTasks(EngineConnection.T_OPEN);
        }

        /** Hands a claimed connection to this group's threads. Any thread. */
        void submit(EngineConnection c) {
            tasks.add(c);
            poller.wakeup();
        }

        void join() throws InterruptedException {
            for (Leader l : leaders) {
                l.thread.join(3000);
                if (l.thread.isAlive()) {
                    l.thread.interrupt();
                    l.thread.join(1000);
                }
            }
        }
    }

    /** One thread of a group: wait, become the leader for what arrives, run it, re-arm. */
    private final class Leader implements ReadySink, Runnable {
        private final Group group;
        final Thread thread;
        private IoContext ctx;
        /** When this thread last took work, or 0 while it waits for some. */
        volatile long busySince;

        Leader(Group group, String name) {
            this.group = group;
            this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this);
        }

        @Override
        public void run() {
            ctx = new IoContext(thread, engine, engine.buffers.readBufferSize());
            group.ready.countDown();
            try {
                while (!stopped) {
                    busySince = 0;
                    try {
                        group.poller.poll(ctx.scratch, 1000, this);
                    } catch (IOException e) {
                        engine.log.log(Level.ERROR, "waiting on a leader-follower set failed: " + e.getMessage());
                        LockSupport.parkNanos(10_000_000L);
                        continue;
                    }
                    EngineConnection c;
                    while ((c = group.tasks.poll()) != null) {
                        taken();
                        group.owner.run(c, ctx);
                    }
                }
            } finally {
                ctx.release();
            }
        }

        private void taken() {
            if (busySince == 0) {
                ctx.now = System.nanoTime();
                busySince = ctx.now;
            }
        }

        @Override
        public void ready(Object attachment, int ops) {
            if (attachment instanceof EngineConnection c) {
                taken();
                c.socket.disarmed();
                if ((ops & (io.throng.core.transport.Interest.HANG_UP | io.throng.core.transport.Interest.ERROR)) != 0) {
                    Inbound.hangUp(c, (ops & io.throng.core.transport.Interest.ERROR) != 0);
                }
                if (Claims.tryClaim(c, false)) {
                    group.owner.run(c, ctx);
                }
            }
        }
    }

    /** The owner of a group's connections: whichever of its threads holds the connection now. */
    final class GroupOwner extends Owner {
        private final Group group;

        GroupOwner(Group group) {
            super(LeaderFollowerModel.this.engine);
            this.group = group;
        }

        void run(EngineConnection c, IoContext ctx) {
            busy.incrementAndGet();
            try {
                for (;;) {
                    c.runTasks(ctx);
                    if (!ConnectionState.isClosed(c.state())) {
                        c.onReady(ctx, io.throng.core.transport.Interest.READ);
                    }
                    if (Claims.release(c) != Claims.KEPT) { // re-armed: one-shot again
                        return;
                    }
                }
            } catch (RuntimeException | Error e) {
                c.exit();
                c.closeNow(ctx, CloseReason.ioError(e));
            } finally {
                busy.decrementAndGet();
            }
        }

        @Override
        void schedule(EngineConnection c) {
            if (Claims.tryClaim(c, false)) {
                group.submit(c);
            }
        }

        @Override
        void ready(EngineConnection c, int ops) {
            throw new UnsupportedOperationException("a group's threads run their connections themselves");
        }

        @Override
        void interestChanged(EngineConnection c, int interest) {
            if (!Claims.claimed(c)) {
                c.socket.setInterest(interest);
            }
        }

        @Override
        void deadlinePassed(EngineConnection c) {
            c.requestTasks(EngineConnection.T_DEADLINE);
        }

        @Override
        void closed(EngineConnection c, CloseReason reason) {
            timers.remove(c);
        }

        @Override
        void deadlineChanged(EngineConnection c) {
            timers.reschedule(c);
        }
    }
}
