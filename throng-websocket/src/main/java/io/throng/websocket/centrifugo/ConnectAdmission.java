package io.throng.websocket.centrifugo;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission of upgrades by the connections still waiting for their {@code connect}: a new upgrade
 * is refused (503) while {@link CentrifugoConfig#maxPendingConnects} connections wait, and, once a
 * second has seen a refusal (the process under pressure), while as many wait as it connects in a
 * quarter of the stale delay, at the rate it connected them over that second (at least {@value
 * #FLOOR}). A second without a refusal puts the limit back to the maximum: its rate was the
 * clients' demand, not what the process can do, so it says nothing of overload (a burst of 600
 * load-tool connections at a server idle the second before must not meet the floor). So a process in a reconnect storm takes only
 * what it can authenticate well before the stale close (3502), which the SDKs take as final, while
 * a refused upgrade is retried with their own back-off.
 *
 * <p>Why a rate and not a fixed number: a process's speed varies a hundredfold. Warm and alone it
 * connects thousands a second; a new worker sharing two cores with twenty Node processes of
 * reconnecting SDKs connected 27 a second (the 100,000-subscriber storm, docs/centrifugo.md), so
 * a fixed limit of 1,000 waiting meant 37 s in the queue and 14,680 clients closed for good as
 * stale (in a ramp made worse by slow pings, since mended). By Little's law, waiting connections over
 * the rate they leave at is the time each waits:
 * holding it to a quarter of the stale delay leaves three quarters for the client's own delays and
 * the sweep. Under pressure the limit never drops below {@value #FLOOR}, so that a process whose
 * clients are slow to send their connect still takes enough to keep busy.
 *
 * <pre>
 * a connection   opened --connect ok--> settled (and counted in the rate)
 *                opened --closed before connecting--> settled
 * </pre>
 * Each connection is counted once, from its open ({@link #opened}) to the first of its connect and
 * its close; both run in the connection's serial context. The check at the upgrade ({@link
 * #admit}) runs on any event loop before the open, so loops deciding at the same moment may pass
 * the limit by the few upgrades under way between decision and open.
 *
 * <p>Thread: any. The rate is re-measured by whichever thread first sees the second over.
 */
final class ConnectAdmission {
    /**
     * The least the limit is: a first few, to measure the rate on. A limit on connections waiting,
     * not on connects a second: with a connect taking a millisecond (a warm process, a client on
     * the same network) 256 waiting pass 256,000 a second, so the floor binds only a process that
     * is slow, or whose clients are. Not lower: in the 100,000-subscriber storm most of a
     * connection's wait was its own client's (twenty Node processes on the same two cores, slow to
     * send the connect), and a floor of 64 let each worker connect only 64 per such wait, about one
     * a second, while the clients spent the cores retrying refused upgrades (35,000 a worker in 4
     * minutes). A wait that is not the process's own is covered by the stale close's delay while
     * behind ({@link #behind}, Sweeper).
     */
    static final int FLOOR = 256;
    private static final long WINDOW_NANOS = 1_000_000_000L;

    private final int max;
    /** How long a connection may wait in the queue, at the measured rate: a quarter of the stale delay. */
    private final double budgetSeconds;
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder connectsInWindow = new LongAdder();
    /** {@link #refused} when the current second began: more now means this second saw pressure. */
    private volatile long refusedAtWindowStart;
    private final AtomicLong windowStart;
    private volatile int limit;

    /**
     * @param max        the most that may wait, whatever the rate ({@link CentrifugoConfig#maxPendingConnects})
     * @param staleDelay the stale close delay, in nanoseconds
     */
    ConnectAdmission(int max, long staleDelayNanos, long nowNanos) {
        this.max = max;
        this.budgetSeconds = staleDelayNanos / 4e9;
        this.windowStart = new AtomicLong(nowNanos);
        this.limit = max;
    }

    /** Whether a new upgrade may be taken now; a refusal is counted. */
    boolean admit(long nowNanos) {
        remeasure(nowNanos);
        if (pending.get() >= limit) {
            refused.increment();
            return false;
        }
        return true;
    }

    /** A connection opened and now waits for its connect. */
    void opened() {
        pending.incrementAndGet();
    }

    /** A connection that was waiting connected: it leaves the queue and counts in the rate. */
    void connected() {
        pending.decrementAndGet();
        connectsInWindow.increment();
    }

    /** A connection that was waiting closed without connecting. */
    void closedWaiting() {
        pending.decrementAndGet();
    }

    /** At most once a second: the limit from the connects of the second past, if it refused anyone. */
    private void remeasure(long nowNanos) {
        long start = windowStart.get();
        long elapsed = nowNanos - start;
        if (elapsed < WINDOW_NANOS || !windowStart.compareAndSet(start, nowNanos)) {
            return;
        }
        double rate = connectsInWindow.sumThenReset() / (elapsed / 1e9);
        long refusedNow = refused.sum();
        boolean pressed = refusedNow > refusedAtWindowStart;
        refusedAtWindowStart = refusedNow;
        limit = pressed ? (int) Math.max(Math.min(max, FLOOR), Math.min(max, rate * budgetSeconds)) : max;
    }

    /** Connections open and not yet connected, now. */
    int pending() {
        return pending.get();
    }

    /** Whether the queue is full: as many connections wait as the rate's limit allows (the process is behind). */
    boolean behind() {
        return pending.get() >= limit;
    }

    /** How many may wait now (the rate's limit). */
    int limit() {
        return limit;
    }

    /** Upgrades refused since start. */
    long refused() {
        return refused.sum();
    }
}
