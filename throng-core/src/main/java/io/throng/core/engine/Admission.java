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
 *       when one closes. A listener reserves a place before it accepts ({@link #reserve}), so
 *       listeners racing on one port (SO_REUSEPORT) never accept more than there is room for, and
 *       a connection that waited in the backlog is never accepted only to be closed.</li>
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
    /** The pause being recorded (JFR), under {@link #lock}; null when none is. */
    private FlightEvents.AcceptPaused pause;

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

    /** For dumps: "open", or why it is closed. */
    String describe() {
        int c = closedFor;
        if (c == 0) {
            return "accepting";
        }
        java.util.List<String> why = new java.util.ArrayList<>();
        if ((c & CONNECTIONS) != 0) {
            why.add("max-connections");
        }
        if ((c & WORKERS) != 0) {
            why.add("worker queue full");
        }
        if ((c & SATURATED) != 0) {
            why.add("every handler thread busy");
        }
        return "accept paused (" + String.join(", ", why) + ")";
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

    /**
     * Reserves a place for a connection about to be accepted: false if the server is at
     * max-connections (admission then closes). The place is the connection's once accepted, or
     * given back with {@link #unreserve} if there was nothing to accept.
     */
    boolean reserve() {
        java.util.concurrent.atomic.AtomicInteger open = engine.metrics.connections;
        int max = engine.limits.maxConnections();
        if (max <= 0) {
            open.incrementAndGet();
            return true;
        }
        for (;;) {
            int n = open.get();
            if (n >= max) {
                closeForConnections(max);
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                if (n + 1 >= max) {
                    closeForConnections(max);
                }
                return true;
            }
        }
    }

    private void closeForConnections(int max) {
        close(CONNECTIONS);
        if (engine.metrics.connections.get() < max) {
            open(CONNECTIONS); // one closed in between: connectionGone saw the gate still open
        }
    }

    /** Gives back a place {@link #reserve} took, nothing having been accepted. */
    void unreserve() {
        engine.metrics.connections.decrementAndGet();
        connectionGone();
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
            if (wasOpen) {
                pause = FlightEvents.acceptPaused(reason == CONNECTIONS ? "max-connections" : reason == WORKERS
                        ? "worker queue full" : "every handler thread busy", engine.metrics.connections.get());
            }
        }
        if (wasOpen) {
            engine.metrics.acceptPauses.increment();
            for (Listener l : listeners) {
                l.loop.execute(l::admissionChanged);
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
            if (nowOpen) {
                FlightEvents.acceptResumed(pause);
                pause = null;
            }
        }
        if (nowOpen) {
            for (Listener l : listeners) {
                l.loop.execute(l::admissionChanged);
            }
        }
    }
}
