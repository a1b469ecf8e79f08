package io.throng.rpc.conn;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One timer thread for every call deadline of the process (server-side request timeouts, client
 * call timeouts). Cancelled deadlines leave the queue at once ({@code removeOnCancel}), so a
 * million calls that finish in time leave nothing behind. The task must be short: it only
 * completes a future or queues an error reply.
 */
public final class Deadlines {
    private static final ScheduledThreadPoolExecutor TIMER;

    static {
        TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "throng-rpc-deadlines");
            t.setDaemon(true);
            return t;
        });
        TIMER.setRemoveOnCancelPolicy(true);
    }

    private Deadlines() {
    }

    public static ScheduledFuture<?> after(long nanos, Runnable task) {
        return TIMER.schedule(task, Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** A repeating task (status lines, gauges); cancel the returned future to stop it. */
    public static ScheduledFuture<?> every(long periodNanos, Runnable task) {
        return TIMER.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }
}
