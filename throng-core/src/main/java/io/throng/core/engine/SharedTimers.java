package io.throng.core.engine;

/**
 * The connections of a model whose connections belong to no event loop (thread-per-connection,
 * leader-follower): the set of those open (for shutdown) and the one timer wheel they share,
 * guarded by its monitor and advanced every tick by one platform thread, which calls
 * {@link EngineConnection#deadlinePassed()} for what is due (with the monitor held: owners must
 * only hand the work on from there, never run a handler).
 */
final class SharedTimers {
    private final java.util.Set<EngineConnection> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final TimerWheel wheel = new TimerWheel(System.nanoTime());
    private final Thread thread;
    private volatile boolean stopped;

    SharedTimers(String name) {
        this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** A new connection: open, and timed. */
    void add(EngineConnection c) {
        live.add(c);
        schedule(c);
    }

    /** A connection closed: forgotten. */
    void remove(EngineConnection c) {
        live.remove(c);
        cancel(c);
    }

    /** Asks every open connection to handle what it received, write what is queued, and close. */
    void drain() {
        for (EngineConnection c : live) {
            c.requestTasks(EngineConnection.T_SHUTDOWN);
        }
    }

    /** The live connections counted for a dump, from any thread (their serial contexts are elsewhere). */
    Census census(int firstN) {
        Census census = new Census(firstN);
        for (EngineConnection c : live) {
            census.add(c, false);
        }
        return census;
    }

    /** Has every open connection close at once. */
    void abort() {
        for (EngineConnection c : live) {
            c.fail(io.throng.core.CloseReason.SHUTDOWN);
        }
    }

    /** Closes what is still open, the threads that ran it gone. */
    void closeAll(IoContext ctx) {
        for (EngineConnection c : live) {
            c.closeNow(ctx, io.throng.core.CloseReason.SHUTDOWN);
        }
    }

    void schedule(EngineConnection c) {
        synchronized (wheel) {
            wheel.schedule(c, System.nanoTime());
        }
    }

    void reschedule(EngineConnection c) {
        synchronized (wheel) {
            wheel.reschedule(c, System.nanoTime());
        }
    }

    void cancel(EngineConnection c) {
        synchronized (wheel) {
            wheel.cancel(c);
        }
    }

    private void run() {
        while (!stopped) {
            try {
                Thread.sleep(TimerWheel.TICK_NANOS / 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (wheel) {
                wheel.advance(System.nanoTime());
            }
        }
    }

    void stop() throws InterruptedException {
        stopped = true;
        thread.interrupt();
        thread.join(1000);
    }
}
