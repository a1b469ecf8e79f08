package io.throng.core.engine;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.WorkerPoolConfig;
import io.throng.core.transport.Interest;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker-pool model: loops wait for readiness, a bounded pool of workers runs the handlers
 * (which may block). A loop that sees a connection ready <em>claims</em> it (it is registered
 * one-shot, so the kernel has disarmed it already) and queues it; a worker runs its tasks, reads,
 * runs the handler, writes, and re-arms it. Only the claimant may run a connection and claiming
 * needs it unclaimed, so two workers never run one connection; tasks that arrive while a worker
 * holds it are run by that worker before it lets go.
 *
 * <p>The queue is bounded ({@code --worker-queue}). When it is full the loop keeps the claimed
 * connection in its own overflow list (bounded by the loop's connections, each being there at
 * most once) and {@link Admission} stops all accepting until every loop's overflow is empty and
 * the queue has drained to half: new connections then wait in the kernel's backlog, not in memory.
 */
final class WorkerPoolModel implements ServingModel {
    private final Engine engine;
    private final LoopGroup loops;
    private final AcceptMode acceptMode;
    private final ArrayBlockingQueue<EngineConnection> queue;
    private final int capacity;
    private final Thread[] workers;
    private final CountDownLatch workersReady;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger overflowingLoops = new AtomicInteger();
    private volatile boolean stopped;

    WorkerPoolModel(Engine engine, int loopCount, AcceptMode acceptMode, WorkerPoolConfig config) throws IOException {
        this.engine = engine;
        this.acceptMode = acceptMode;
        this.capacity = config.queueCapacity();
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.workers = new Thread[config.threads()];
        this.workersReady = new CountDownLatch(config.threads());
        Thread.Builder builder = config.virtualThreads()
                ? Thread.ofVirtual().name(engine.name + "-worker-", 0)
                : Thread.ofPlatform().daemon(true).name(engine.name + "-worker-", 0);
        for (int i = 0; i < workers.length; i++) {
            workers[i] = builder.unstarted(this::work);
        }
        this.loops = new LoopGroup(engine, loopCount, "throng-loop", WorkerOwner::new, true);
    }

    @Override
    public InetSocketAddress start(InetSocketAddress bind) throws IOException {
        loops.start();
        for (Thread t : workers) {
            t.start();
        }
        try {
            workersReady.await(); // each holds its buffers, so that accounting starts settled
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return loops.listen(bind, acceptMode);
    }

    @Override
    public void stopAccepting() {
        loops.stopAccepting();
    }

    @Override
    public void drain() {
        loops.drain();
    }

    @Override
    public void abort() {
        loops.abort();
    }

    /** Stops the workers (they finish what they run; blocked handlers are interrupted), then the loops. */
    @Override
    public void stop() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + 1_000_000_000L;
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
        loops.stop();
    }

    @Override
    public Stats stats() {
        return new Stats(workers.length, busy.get(), queue.size());
    }

    @Override
    public LoopLag.Reading loopLag() {
        return loops.lag();
    }

    @Override
    public java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout) {
        var parts = new java.util.ArrayList<io.throng.core.Dump>();
        parts.add(io.throng.core.Dump.of("workers", java.util.List.of("threads " + workers.length, "busy " + busy.get(),
                "queued connections " + queue.size())));
        parts.addAll(loops.dump(firstN, timeout));
        return parts;
    }

    private void work() {
        IoContext ctx = new IoContext(Thread.currentThread(), engine, engine.buffers.readBufferSize());
        workersReady.countDown();
        try {
            while (!stopped) {
                EngineConnection c;
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
                    // a bug or a resource failure takes the connection, never the worker, and
                    // never leaves it claimed by nobody (its tasks would wait for ever)
                    try {
                        c.exit();
                        c.closeNow(ctx, io.throng.core.CloseReason.ioError(t));
                    } catch (Throwable again) {
                        engine.log.log(Level.ERROR, "closing " + c + " after a failure", again);
                    } finally {
                        Claims.release(c);
                    }
                } finally {
                    busy.decrementAndGet();
                }
            }
        } finally {
            ctx.release();
        }
    }

    /** The owner of one loop's connections: the loop claims, a worker runs. */
    final class WorkerOwner extends Owner {
        private final EventLoop loop;
        /** Claimed connections the full queue could not take yet; disarmed meanwhile. Loop thread. */
        private final ArrayDeque<EngineConnection> overflow = new ArrayDeque<>();
        private boolean overflowing;
        /** Connections that workers closed or re-timed: the wheel is the loop's. */
        private final ConcurrentLinkedQueue<EngineConnection> retime = new ConcurrentLinkedQueue<>();

        WorkerOwner(EventLoop loop) {
            super(loop.engine);
            this.loop = loop;
        }

        @Override
        void ready(EngineConnection c, int ops) {
            if (Claims.tryClaim(c, false)) { // the one-shot registration disarmed it
                submit(c);
            }
        }

        @Override
        void schedule(EngineConnection c) {
            if (Claims.tryClaim(c, true)) {
                submit(c);
            }
        }

        private void submit(EngineConnection c) {
            if (queue.offer(c)) {
                return;
            }
            engine.metrics.overflowed.increment();
            if (loop.inLoop()) {
                enterOverflow(c);
            } else {
                loop.execute(() -> enterOverflow(c));
            }
        }

        private void enterOverflow(EngineConnection c) {
            if (!overflowing) {
                overflowing = true;
                overflowingLoops.incrementAndGet();
            }
            overflow.add(c);
            engine.admission.close(Admission.WORKERS);
        }

        /** On a worker: runs tasks and readiness until nothing is left, then re-arms. */
        void run(EngineConnection c, IoContext ctx) {
            for (;;) {
                c.runTasks(ctx);
                if (!ConnectionState.isClosed(c.state())) {
                    c.onReady(ctx, Interest.READ | Interest.WRITE);
                }
                int released = Claims.release(c);
                if (released != Claims.KEPT) {
                    if (released == Claims.RELEASED_REARMED && loop.poller.interestNeedsWakeup()) {
                        loop.wakeup();
                    }
                    return;
                }
            }
        }

        @Override
        void interestChanged(EngineConnection c, int interest) {
            // While a worker holds it the connection stays disarmed; the worker re-arms it.
            if (!Claims.claimed(c) && c.socket.setInterest(interest) && !loop.inLoop() && loop.poller.interestNeedsWakeup()) {
                loop.wakeup();
            }
        }

        @Override
        void deadlinePassed(EngineConnection c) {
            c.requestTasks(EngineConnection.T_DEADLINE);
        }

        @Override
        void closed(EngineConnection c, io.throng.core.CloseReason reason) {
            if (loop.inLoop()) {
                loop.wheel.cancel(c);
            } else {
                retime.add(c);
                loop.wakeup();
            }
        }

        @Override
        void deadlineChanged(EngineConnection c) {
            if (loop.inLoop()) {
                loop.wheel.reschedule(c, System.nanoTime());
            } else {
                retime.add(c);
                loop.wakeup();
            }
        }

        @Override
        boolean hasWork() {
            return !retime.isEmpty();
        }

        /**
         * While the loop holds an overflow it polls every millisecond to hand it on as workers free
         * places, but not without waiting: the overflow is waiting for workers, not for the loop, and
         * a loop that polls without a timeout then spins (at 10,000 connections it cost the worker
         * pool 38% more CPU a request).
         */
        @Override
        long pollTimeout(long proposedMillis) {
            return overflowing || !engine.admission.isOpen() ? 1 : proposedMillis;
        }

        @Override
        void afterPoll() {
            EngineConnection c;
            long now = System.nanoTime();
            while ((c = retime.poll()) != null) {
                if (ConnectionState.isClosed(c.state())) {
                    loop.wheel.cancel(c);
                } else {
                    loop.wheel.reschedule(c, now);
                }
            }
            while ((c = overflow.peek()) != null && queue.offer(c)) {
                overflow.poll();
            }
            if (overflowing && overflow.isEmpty()) {
                overflowing = false;
                overflowingLoops.decrementAndGet();
            }
            if (!overflowing && engine.admission.isClosedFor(Admission.WORKERS) && overflowingLoops.get() == 0
                    && queue.size() <= capacity / 2) {
                engine.admission.open(Admission.WORKERS);
            }
        }
    }
}
