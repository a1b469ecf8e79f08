package io.throng.core.engine;

import io.throng.core.config.WorkerPoolConfig;
import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker-pool model's bounded pool. A loop that sees a connection ready <em>claims</em> it
 * (disarms its selector interest, under the connection's monitor) and queues it; a worker reads,
 * runs the handler, writes, and re-arms it. Because only the claimant may run a connection and
 * claiming needs it unclaimed, two workers never run one connection.
 *
 * <p>The queue is bounded. When it is full the loop keeps the claimed connection in its own
 * overflow list (bounded by the loop's connections, since each can be there once) and the
 * {@link AdmissionGate} stops all accepting until the pool has drained to half.
 */
final class WorkerPool {
    final AdmissionGate gate;
    private final Engine engine;
    private final ArrayBlockingQueue<ConnectionImpl> queue;
    private final Thread[] workers;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger overflowingLoops = new AtomicInteger();
    private final int capacity;
    private volatile boolean stopped;

    WorkerPool(Engine engine, WorkerPoolConfig config) {
        this.engine = engine;
        this.gate = new AdmissionGate(engine.metrics);
        this.capacity = config.queueCapacity();
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.workers = new Thread[config.threads()];
        this.ready = new java.util.concurrent.CountDownLatch(config.threads());
        Thread.Builder builder = config.virtualThreads()
                ? Thread.ofVirtual().name(engine.name + "-worker-", 0)
                : Thread.ofPlatform().daemon(true).name(engine.name + "-worker-", 0);
        for (int i = 0; i < workers.length; i++) {
            workers[i] = builder.unstarted(this::work);
        }
    }

    private final java.util.concurrent.CountDownLatch ready;

    /** Starts the workers and returns once each holds its buffers, so accounting starts settled. */
    void start() {
        for (Thread t : workers) {
            t.start();
        }
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Owner ownerFor(EventLoop loop) {
        return new WorkerOwner(loop);
    }

    int busyWorkers() {
        return busy.get();
    }

    int queued() {
        return queue.size();
    }

    int threads() {
        return workers.length;
    }

    /** A connection's readiness, seen by its loop. Loop thread. */
    void ready(ConnectionImpl c, EventLoop loop) {
        if (((WorkerOwner) c.owner).claim(c)) {
            submit(c, loop);
        }
    }

    boolean offer(ConnectionImpl c) {
        return queue.offer(c);
    }

    private void submit(ConnectionImpl c, EventLoop loop) {
        if (queue.offer(c)) {
            return;
        }
        engine.metrics.overflowed.increment();
        if (loop.inLoop()) {
            enterOverflow(loop, c);
        } else {
            loop.execute(() -> enterOverflow(loop, c));
        }
    }

    private void enterOverflow(EventLoop loop, ConnectionImpl c) {
        if (!loop.hasOverflow()) {
            overflowingLoops.incrementAndGet();
        }
        loop.overflow(c);
    }

    /** A loop emptied its overflow list: open the gate once every loop has and the queue is half empty. */
    void overflowDrained(EventLoop loop) {
        if (gate.isPaused() && overflowingLoops.get() == 0 && queue.size() <= capacity / 2) {
            gate.resume();
        }
    }

    void loopOverflowEmptied() {
        overflowingLoops.decrementAndGet();
    }

    private void work() {
        IoContext ctx = new IoContext(Thread.currentThread(), engine.pool, engine.buffers.readBufferSize(), engine.metrics);
        ready.countDown();
        try {
            while (!stopped) {
                ConnectionImpl c;
                try {
                    c = queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    continue;
                }
                if (c == null) {
                    continue;
                }
                busy.incrementAndGet();
                ctx.now = System.nanoTime();
                try {
                    ((WorkerOwner) c.owner).run(c, ctx);
                } catch (Throwable t) {
                    engine.log.log(Level.ERROR, "worker failed on " + c, t);
                } finally {
                    busy.decrementAndGet();
                }
            }
        } finally {
            ctx.release();
        }
    }

    /** Stops the workers: they finish what they run, then exit; blocked handlers are interrupted. */
    void stop(long waitMillis) throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + waitMillis * 1_000_000;
        for (Thread t : workers) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left > 0) {
                t.join(left);
            }
            if (t.isAlive()) {
                t.interrupt();
                t.join(1000);
            }
        }
    }

    /** The owner of a worker-pool loop's connections. */
    final class WorkerOwner extends Owner {
        private final EventLoop loop;

        WorkerOwner(EventLoop loop) {
            this.loop = loop;
        }

        /** Takes {@code c} for one worker: disarms it. False if a worker has it already. */
        boolean claim(ConnectionImpl c) {
            synchronized (c) {
                if (c.busy || (c.flags() & ConnectionImpl.CLOSED) != 0) {
                    return false;
                }
                c.busy = true;
                c.setInterest(0);
                return true;
            }
        }

        /** On a worker: runs tasks and readiness until nothing is left, then re-arms. */
        void run(ConnectionImpl c, IoContext ctx) {
            for (;;) {
                c.runTasks(ctx);
                if ((c.flags() & ConnectionImpl.CLOSED) == 0) {
                    c.onReady(ctx);
                }
                boolean wake;
                synchronized (c) {
                    boolean closed = (c.flags() & ConnectionImpl.CLOSED) != 0;
                    if (!closed && c.hasTasks()) {
                        continue;
                    }
                    c.busy = false;
                    wake = !closed && c.setInterest(c.desiredInterestLocked());
                }
                if (wake && loop.needsWakeupForInterest()) {
                    loop.wakeup();
                }
                return;
            }
        }

        @Override
        void schedule(ConnectionImpl c) {
            if (claim(c)) {
                submit(c, loop);
            }
        }

        @Override
        void interestChanged(ConnectionImpl c, int interest) {
            // While a worker holds it the connection stays disarmed; the worker re-arms it.
            if (!c.busy && c.setInterest(interest) && !loop.inLoop() && loop.needsWakeupForInterest()) {
                loop.wakeup();
            }
        }

        @Override
        void deadlinePassed(ConnectionImpl c) {
            c.requestTasks(ConnectionImpl.T_DEADLINE);
        }

        @Override
        void closed(ConnectionImpl c) {
            if (loop.inLoop()) {
                loop.unlink(c);
            } else {
                loop.retime(c);
            }
        }

        @Override
        void deadlineChanged(ConnectionImpl c) {
            if (loop.inLoop()) {
                loop.wheel.reschedule(c, System.nanoTime());
            } else {
                loop.retime(c);
            }
        }

        @Override
        boolean blocking() {
            return false;
        }
    }
}
