package io.throng.core.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Locale;

/**
 * How late one event loop gets to what it is due to run: an operator's sign of a loop held by a
 * handler that blocks, or of a machine with more runnable threads than cores.
 *
 * <p><b>What is due, and when.</b> A loop owes its timers a look at every 100 ms boundary of its
 * wheel ({@link TimerWheel#TICK_NANOS}) while it is awake, whether or not a timer falls due in that
 * tick (one could). Asleep in its poller it owes nothing until the deadline it chose (the next tick,
 * or 1 s when it has no timers): I/O wakes it at once. So at any moment the loop has a due time:
 * while it waits, its poll's deadline; while it works, the first tick boundary after it woke (or
 * the deadline it overslept). The lag is how far past that due time the loop finishes its turn and
 * runs its timers. A handler that holds the loop for 300 ms makes a lag of 200 to 300 ms (the ticks
 * are 100 ms apart); a loop woken 5 ms after its deadline because the cores were busy, a lag of 5 ms.
 *
 * <p><b>Cost.</b> One clock read a turn that has events (when the poller hands over the first: it
 * runs the handlers from inside its poll, so its return is too late to mark the wake-up); otherwise
 * the loop passes the times it reads anyway (before its poll, after it, before advancing its wheel).
 * Three or four opaque stores a turn (plain stores on x86 and ARM: no fence), no allocation.
 *
 * <p><b>Threads.</b> Every {@code loop*} method runs on the loop's thread only (asserted), the only
 * writer of the fields. Other threads read with the {@code read*} methods: opaque loads, so a
 * {@code long} is never torn and a value the loop stored is seen soon, without ordering with
 * anything else (each figure stands alone). A reader also sees a lag that is going on now (a loop held right now), from the
 * published due time and its own clock.
 *
 * <p><b>The maximum</b> is kept per window of {@link #WINDOW_NANOS}, the current and the previous
 * one, so a reader sees the largest lag of the last 30 to 60 s, whoever else read before: no reader
 * resets it, and a scrape every 30 s or less sees every spike.
 */
final class LoopLag {
    /**
     * The maximum's window: 30 s, so a reader gets the largest lag of the last 30 to 60 s. Longer
     * than Prometheus's usual 15 s scrape interval (no spike between two scrapes is missed), short
     * enough that a status page's line comes down within a minute of the spike.
     */
    static final long WINDOW_NANOS = 30_000_000_000L;
    /** The due time of a loop that has stopped: it owes nothing any more. */
    private static final long STOPPED = Long.MAX_VALUE;
    private static final VarHandle DUE;
    private static final VarHandle LATEST;
    private static final VarHandle MAX;
    private static final VarHandle PREVIOUS_MAX;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            DUE = l.findVarHandle(LoopLag.class, "dueNanos", long.class);
            LATEST = l.findVarHandle(LoopLag.class, "latestNanos", long.class);
            MAX = l.findVarHandle(LoopLag.class, "maxNanos", long.class);
            PREVIOUS_MAX = l.findVarHandle(LoopLag.class, "previousMaxNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Written by the loop thread only (opaque stores), read by any thread (opaque loads).
    /** When the loop is due next (System.nanoTime()), or STOPPED. */
    @SuppressWarnings("unused") private long dueNanos;
    /** The lag at the last due time the loop reached. */
    @SuppressWarnings("unused") private long latestNanos;
    /** The largest lag in the current window. */
    @SuppressWarnings("unused") private long maxNanos;
    /** The largest lag in the window before. */
    @SuppressWarnings("unused") private long previousMaxNanos;
    /** When the current window ends. The loop thread's alone: plain. */
    private long windowEndsNanos;
    /** The loop's thread, the only writer (checked by assert). */
    private final Thread loopThread;

    /** The lag of the loop run by {@code loopThread}, made at {@code nowNanos} before it starts (Thread.start orders this). */
    LoopLag(Thread loopThread, long nowNanos) {
        this.loopThread = loopThread;
        dueNanos = TimerWheel.nextTickNanos(nowNanos);
        windowEndsNanos = nowNanos + WINDOW_NANOS;
    }

    private boolean onLoop() {
        return Thread.currentThread() == loopThread;
    }

    // ------------------------------------------------------------------ the loop thread

    /**
     * The loop is about to wait at most {@code timeoutMillis} (0: not at all) from {@code nowNanos}:
     * nothing is due before that deadline, unless it was due already (a tick it has not yet run).
     */
    void loopPolls(long nowNanos, long timeoutMillis) {
        assert onLoop() : "loop lag written off its loop";
        if (timeoutMillis > 0) {
            long deadline = nowNanos + timeoutMillis * 1_000_000L;
            long due = (long) DUE.getOpaque(this);
            if (deadline - due > 0) {
                DUE.setOpaque(this, deadline);
            }
        }
    }

    /** The poll returned at {@code nowNanos}: awake now, the loop owes its timers the next tick boundary at the latest. */
    void loopWoke(long nowNanos) {
        assert onLoop() : "loop lag written off its loop";
        long tick = TimerWheel.nextTickNanos(nowNanos);
        if (tick - (long) DUE.getOpaque(this) < 0) {
            DUE.setOpaque(this, tick);
        }
    }

    /** The turn's work is done and the timers run at {@code nowNanos}: how late that is, if it was due. */
    void loopRanTimers(long nowNanos) {
        assert onLoop() : "loop lag written off its loop";
        long late = nowNanos - (long) DUE.getOpaque(this);
        if (nowNanos - windowEndsNanos >= 0) {
            PREVIOUS_MAX.setOpaque(this, (long) MAX.getOpaque(this));
            MAX.setOpaque(this, 0L);
            windowEndsNanos = nowNanos + WINDOW_NANOS;
        }
        if (late >= 0) {
            LATEST.setOpaque(this, late);
            if (late > (long) MAX.getOpaque(this)) {
                MAX.setOpaque(this, late);
            }
        }
        DUE.setOpaque(this, TimerWheel.nextTickNanos(nowNanos));
    }

    /** The loop has stopped: it is due nowhere, and a reader's lag does not grow with the time since. */
    void loopStopped() {
        assert onLoop() : "loop lag written off its loop";
        DUE.setOpaque(this, STOPPED);
    }

    // ------------------------------------------------------------------ any thread

    /** How late the loop is at {@code nowNanos} if it is past its due time right now (a handler holding it), else 0. */
    private long ongoing(long nowNanos) {
        long due = (long) DUE.getOpaque(this);
        return due == STOPPED ? 0 : Math.max(0, nowNanos - due);
    }

    /** The lag now: at the last due time the loop reached, or going on now if larger. Any thread. */
    long readLatest(long nowNanos) {
        return Math.max((long) LATEST.getOpaque(this), ongoing(nowNanos));
    }

    /** The largest lag in the last 30 to 60 s, one going on now included. Any thread. */
    long readMax(long nowNanos) {
        return Math.max(Math.max((long) MAX.getOpaque(this), (long) PREVIOUS_MAX.getOpaque(this)), ongoing(nowNanos));
    }

    /** For a dump: "lag 0.1 ms, max 302.4 ms". Any thread. */
    String describe(long nowNanos) {
        return "lag " + millis(readLatest(nowNanos)) + ", max " + millis(readMax(nowNanos));
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /**
     * Lags of one or more loops: the largest lag now and the largest of the last 30 to 60 s, in
     * nanoseconds; {@link #NONE} (-1, -1) where there are no event loops (thread-per-connection,
     * leader-follower: their threads are meant to block).
     */
    record Reading(long latestNanos, long maxNanos) {
        static final Reading NONE = new Reading(-1, -1);

        /** The larger of each figure. */
        Reading max(Reading other) {
            return new Reading(Math.max(latestNanos, other.latestNanos), Math.max(maxNanos, other.maxNanos));
        }
    }

    /** This loop's reading at {@code nowNanos}. Any thread. */
    Reading read(long nowNanos) {
        return new Reading(readLatest(nowNanos), readMax(nowNanos));
    }
}
