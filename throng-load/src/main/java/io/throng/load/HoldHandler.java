package io.throng.load;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Held connections: each pings every interval (first ping at a random point of the first interval,
 * so a million connections do not ping in step), from the moment it opens or, with a quiet ramp,
 * from the start of the hold ({@link #startPinging}). A ping not answered by the next one counts as a
 * failure; if its echo turns up later it is recognised (the last few pings are remembered) and
 * counted as late, not as a wrong echo. The timer is the connection's own (on the client loop's
 * wheel): no timer object each.
 *
 * <p>Churn ({@link #leave}): a connection chosen to leave sends no new ping; it closes once its
 * ping in flight is answered (or, if none is, at once; or when that ping's interval runs out, which
 * counts as a failure as usual). Its close is ours, not a loss.
 */
final class HoldHandler implements Handler {
    private final LoadStats stats;
    private final long intervalNanos;
    /** Quiet ramp: the connections opened, waiting for the hold to start their pings; else null. */
    private final Queue<Connection> waiting;
    /** Churn: the open connections, oldest first, to choose the ones that leave; else null. */
    private final Queue<Connection> held;

    /** Pings remembered per connection, to recognise late echoes. */
    private static final int REMEMBERED = 4;

    static final class State {
        long sentAt;
        boolean outstanding;
        boolean answered;
        final long[] earlier = new long[REMEMBERED];
        int next;
        /** Set by the churn (another thread), read on the connection's loop. */
        volatile boolean leaving;

        boolean sentEarlier(long t) {
            for (long e : earlier) {
                if (e == t && t != 0) {
                    return true;
                }
            }
            return false;
        }
    }

    HoldHandler(LoadStats stats, double intervalSeconds, boolean quietRamp, boolean churn) {
        this.stats = stats;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.waiting = quietRamp ? new ConcurrentLinkedQueue<>() : null;
        this.held = churn ? new ConcurrentLinkedQueue<>() : null;
    }

    /**
     * Churn: the oldest open connection is told to leave (it closes from its own loop, see the class
     * comment). Returns false if none is open. Any thread.
     */
    boolean leave() {
        for (Connection c; held != null && (c = held.poll()) != null; ) {
            State st = c.attachment();
            if (c.isOpen() && st != null) {
                st.leaving = true;
                c.setTimer(Duration.ofNanos(1));
                return true;
            }
        }
        return false;
    }

    @Override
    public void onOpen(Connection c) {
        c.attach(new State());
        if (held != null) {
            held.add(c);
        }
        stats.established.increment();
        stats.open.increment();
        if (waiting != null && stats.phase != LoadStats.Phase.MEASURE) {
            waiting.add(c);
            if (stats.phase != LoadStats.Phase.MEASURE) {
                return; // startPinging() sets its timer (setting it twice, if the hold started just now, is harmless)
            }
        }
        firstPingWithin(c);
    }

    /** Quiet ramp, when the hold starts: every connection opened so far starts pinging. */
    void startPinging() {
        for (Connection c; waiting != null && (c = waiting.poll()) != null; ) {
            if (c.isOpen()) {
                firstPingWithin(c);
            }
        }
    }

    private void firstPingWithin(Connection c) {
        c.setTimer(Duration.ofNanos(ThreadLocalRandom.current().nextLong(1, intervalNanos + 1)));
    }

    @Override
    public void onTimer(Connection c) {
        if (stats.phase != LoadStats.Phase.MEASURE) {
            return; // draining or stopping: no new pings
        }
        State st = c.attachment();
        if (st.leaving) {
            long waited = System.nanoTime() - st.sentAt;
            if (st.outstanding && waited < intervalNanos) {
                c.setTimer(Duration.ofNanos(intervalNanos - waited)); // its answer closes it (onData)
                return;
            }
            if (st.outstanding) {
                stats.pingFailures.increment(); // not answered within its interval, as any other ping
                st.outstanding = false;
                stats.pingsOutstanding.decrement();
            }
            c.close();
            return;
        }
        if (st.outstanding) {
            stats.pingFailures.increment();
            st.earlier[st.next++ % REMEMBERED] = st.sentAt;
        } else {
            stats.pingsOutstanding.increment();
        }
        st.sentAt = System.nanoTime();
        st.outstanding = true;
        c.write(Wire.message(st.sentAt));
        c.setTimer(Duration.ofNanos(intervalNanos));
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        State st = c.attachment();
        long now = System.nanoTime();
        while (in.remaining() >= Wire.MESSAGE) {
            long echoed = in.getLong();
            if (!st.outstanding || echoed != st.sentAt) {
                if (st.sentEarlier(echoed)) {
                    stats.lateEchoes.increment(); // a ping already counted as failed, answered late
                } else {
                    stats.mismatches.increment();
                }
                continue;
            }
            st.outstanding = false;
            stats.pingsOutstanding.decrement();
            if (!st.answered) {
                st.answered = true;
                stats.pinged.increment();
            }
            stats.responses.increment();
            stats.latency.recordValue(Math.max(0, now - echoed));
        }
        if (st.leaving && !st.outstanding) {
            c.close();
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        State st = c.attachment();
        if (st != null && st.outstanding) {
            st.outstanding = false;
            stats.pingsOutstanding.decrement(); // the connection is counted as lost, not its ping as failed
        }
        if (st != null && st.answered) {
            stats.pinged.decrement();
        }
        stats.open.decrement();
        if (st != null && st.leaving) {
            stats.churned.increment();
        } else if (stats.phase != LoadStats.Phase.STOPPING) {
            stats.disconnects.increment();
        }
    }
}
