package io.throng.core.engine;

/**
 * One timer wheel for connections that have no event loop of their own (thread-per-connection,
 * leader-follower): guarded by its monitor and advanced every tick by one platform thread, which
 * calls {@link EngineConnection#deadlinePassed()} for what is due (with the monitor held: owners must
 * only hand the work on from there, never run a handler).
 */
final class SharedTimers {
    private final TimerWheel wheel = new TimerWheel(System.nanoTime());
    private final Thread thread;
    private volatile boolean stopped;

    SharedTimers(String name) {
        this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
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
