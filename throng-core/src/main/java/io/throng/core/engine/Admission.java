package io.throng.core.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * Whether the server takes new connections now: the one admission mechanism every model's
 * listeners ask before accepting. While it is closed they stop accepting, so that a burst of
 * connections waits in the kernel's backlog (and past it, in the clients' SYN retries) rather than
 * in our memory: the seed's "stop accepting new connections when overloaded".
 *
 * <p>It closes for any of these reasons and opens when none holds:
 * <ul>
 *   <li>{@link #CONNECTIONS}: the open connections reached {@code max-connections}; it opens
 *       when one closes. (A connection accepted in the race between listeners anyway is closed
 *       at once and counted as rejected.)</li>
 *   <li>{@link #WORKERS}: the worker pool's queue overflowed; it opens when the pool has drained
 *       to half its queue.</li>
 *   <li>{@link #SATURATED}: the model says its handler threads are all taken (leader-follower:
 *       no thread has come back to wait for 100 ms); asked at accept time and at every tick while
 *       closed, never per event.</li>
 * </ul>
 * Each closing counts as an accept pause. Thread-safe.
 */
final class Admission {
    static final int CONNECTIONS = 1;
    static final int WORKERS = 2;
    static final int SATURATED = 4;

    private final Engine engine;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    private volatile int closedFor;
    private volatile BooleanSupplier saturation;

    Admission(Engine engine) {
        this.engine = engine;
    }

    void add(Listener l) {
        listeners.add(l);
    }

    /** The model's own test of saturation, asked when a connection is about to be accepted. */
    void saturation(BooleanSupplier saturated) {
        this.saturation = saturated;
    }

    boolean isOpen() {
        return closedFor == 0;
    }

    boolean isClosedFor(int reason) {
        return (closedFor & reason) != 0;
    }

    /** Whether a connection may be accepted now. */
    boolean admitsNow() {
        if (closedFor != 0) {
            return false;
        }
        BooleanSupplier s = saturation;
        if (s != null && s.getAsBoolean()) {
            close(SATURATED);
            return false;
        }
        return true;
    }

    /** A socket was accepted: counts it; false if it is over max-connections (the caller closes it). */
    boolean admit() {
        EngineMetrics m = engine.metrics;
        m.accepted.increment();
        int max = engine.limits.maxConnections();
        int now = m.connections.incrementAndGet();
        if (max > 0 && now >= max) {
            close(CONNECTIONS);
            if (m.connections.get() < max) {
                open(CONNECTIONS); // one closed in between: connectionGone saw the gate still open
            }
            if (now > max) {
                m.connections.decrementAndGet();
                m.rejected.increment();
                return false;
            }
        }
        return true;
    }

    /** A connection closed (already uncounted): its place may reopen the gate. Any thread. */
    void connectionGone() {
        int max = engine.limits.maxConnections();
        if (max > 0 && (closedFor & CONNECTIONS) != 0 && engine.metrics.connections.get() < max) {
            open(CONNECTIONS);
        }
    }

    /** Re-asks the model while closed for saturation. A listener's loop, every tick. */
    void tick() {
        BooleanSupplier s = saturation;
        if ((closedFor & SATURATED) != 0 && (s == null || !s.getAsBoolean())) {
            open(SATURATED);
        }
    }

    void close(int reason) {
        boolean wasOpen;
        synchronized (lock) {
            int before = closedFor;
            if ((before & reason) != 0) {
                return;
            }
            closedFor = before | reason;
            wasOpen = before == 0;
        }
        if (wasOpen) {
            engine.metrics.acceptPauses.increment();
            for (Listener l : listeners) {
                l.loop.execute(l::gateClosed);
            }
        }
    }

    void open(int reason) {
        boolean nowOpen;
        synchronized (lock) {
            int before = closedFor;
            if ((before & reason) == 0) {
                return;
            }
            closedFor = before & ~reason;
            nowOpen = closedFor == 0;
        }
        if (nowOpen) {
            for (Listener l : listeners) {
                l.loop.execute(l::gateOpened);
            }
        }
    }
}
