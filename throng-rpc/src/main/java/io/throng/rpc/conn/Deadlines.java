package io.throng.rpc.conn;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One timer thread for every call deadline of the process (server request timeouts, client call
 * timeouts): a hashed wheel of 512 slots of 10 ms (5.12 s per turn; longer deadlines go round
 * again). Scheduling is a lock-free enqueue and cancelling only sets a flag, because nearly every
 * deadline is cancelled (the call finished in time) and a heap-based scheduler's lock, taken twice
 * per call on each side, was the contended spot of a busy multiplexed connection. A cancelled
 * entry is dropped when its slot comes round. Tasks must be short: they complete a future or
 * queue an error reply. Deadlines fire up to one tick (10 ms) late.
 */
public final class Deadlines {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final int SLOTS = 512;
    private static final ConcurrentLinkedQueue<Timeout> INCOMING = new ConcurrentLinkedQueue<>();
    private static final ScheduledThreadPoolExecutor PERIODIC;

    static {
        Thread wheel = new Thread(Deadlines::turn, "throng-rpc-deadlines");
        wheel.setDaemon(true);
        wheel.start();
        PERIODIC = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "throng-rpc-periodic");
            t.setDaemon(true);
            return t;
        });
        PERIODIC.setRemoveOnCancelPolicy(true);
    }

    /** A scheduled deadline; {@link #cancel()} is a flag write. */
    public static final class Timeout {
        private final long at;
        private final Runnable task;
        private volatile boolean cancelled;

        private Timeout(long at, Runnable task) {
            this.at = at;
            this.task = task;
        }

        public void cancel() {
            cancelled = true;
        }

        public boolean cancelled() {
            return cancelled;
        }
    }

    private Deadlines() {
    }

    /** Runs {@code task} on the timer thread after {@code nanos} (to the 10 ms tick), unless cancelled. */
    public static Timeout after(long nanos, Runnable task) {
        Timeout t = new Timeout(System.nanoTime() + Math.max(0, nanos), task);
        INCOMING.add(t);
        return t;
    }

    /** A repeating task (status lines, gauges); cancel the returned future to stop it. */
    public static ScheduledFuture<?> every(long periodNanos, Runnable task) {
        return PERIODIC.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    @SuppressWarnings("unchecked")
    private static void turn() {
        List<Timeout>[] wheel = new List[SLOTS];
        for (int i = 0; i < SLOTS; i++) {
            wheel[i] = new ArrayList<>();
        }
        long start = System.nanoTime();
        long tick = 0;
        while (true) {
            long now = System.nanoTime();
            long due = (now - start) / TICK_NANOS;
            for (Timeout t; (t = INCOMING.poll()) != null; ) {
                if (t.cancelled) {
                    continue;
                }
                long slotTick = Math.max(tick, (t.at - start + TICK_NANOS - 1) / TICK_NANOS);
                wheel[(int) (slotTick % SLOTS)].add(t);
            }
            for (; tick <= due; tick++) {
                List<Timeout> slot = wheel[(int) (tick % SLOTS)];
                if (slot.isEmpty()) {
                    continue;
                }
                int keep = 0;
                for (int i = 0, n = slot.size(); i < n; i++) {
                    Timeout t = slot.get(i);
                    if (t.cancelled) {
                        continue;
                    }
                    if (t.at - now > 0) {
                        slot.set(keep++, t); // a later turn of the wheel
                        continue;
                    }
                    try {
                        t.task.run();
                    } catch (Throwable e) {
                        System.getLogger("io.throng.rpc").log(System.Logger.Level.WARNING, "deadline task threw " + e);
                    }
                }
                slot.subList(keep, slot.size()).clear();
            }
            long sleep = start + tick * TICK_NANOS - System.nanoTime();
            if (sleep > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(sleep);
            }
        }
    }
}
