package io.throng.websocket.centrifugo;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Admission of upgrades by the connections still waiting for their {@code connect}: while {@link
 * CentrifugoConfig#maxPendingConnects} of them are open and not connected, a new upgrade is refused
 * (503), so that a process in a reconnect storm takes only what it can authenticate before the
 * stale close (3502), which the SDKs take as final, while a refused upgrade is retried with their
 * own back-off.
 *
 * <pre>
 * a connection   opened --connect ok--> settled
 *                opened --closed before connecting--> settled
 * </pre>
 * Each connection is counted once, from its open ({@link #opened}) to the first of its connect and
 * its close ({@link #settled}); both run in the connection's serial context. The check at the
 * upgrade ({@link #admit}) runs on any event loop before the open, so that loops deciding at the
 * same moment may pass the limit by the few upgrades under way between decision and open.
 *
 * <p>Thread: any.
 */
final class ConnectAdmission {
    private final int limit;
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder refused = new LongAdder();

    ConnectAdmission(int limit) {
        this.limit = limit;
    }

    /** Whether a new upgrade may be taken now; a refusal is counted. */
    boolean admit() {
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

    /** A connection that was waiting for its connect connected, or closed without. */
    void settled() {
        pending.decrementAndGet();
    }

    /** Connections open and not yet connected, now. */
    int pending() {
        return pending.get();
    }

    /** Upgrades refused since start. */
    long refused() {
        return refused.sum();
    }
}
