package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.CLAIMED;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.phase;

/**
 * A connection held by one thread of a pool (a worker of the worker pool, a thread of a
 * leader-follower group): only the claimant runs it, and claiming needs it unclaimed, so two
 * threads never run one connection. Tasks that arrive while it is held are run by the claimant
 * before it lets go, and it is disarmed meanwhile, re-armed on release. The claim is the
 * {@link ConnectionState#CLAIMED} flag, taken and dropped under the connection's lock.
 */
final class Claims {
    /** {@link #release} results. */
    static final int KEPT = 0;
    static final int RELEASED = 1;
    static final int RELEASED_REARMED = 2;

    private Claims() {
    }

    /**
     * Takes {@code c} for the calling thread: false if another holds it or it is closed. With
     * {@code disarm} its readiness interest is cleared meanwhile (a one-shot set has done that).
     */
    static boolean tryClaim(EngineConnection c, boolean disarm) {
        synchronized (c.queue) {
            int s = c.state;
            if ((s & CLAIMED) != 0 || phase(s) == CLOSED) {
                return false;
            }
            c.state = s | CLAIMED;
            if (disarm) {
                c.socket.setInterest(0);
            }
            return true;
        }
    }

    /**
     * The claimant is done: unless tasks arrived meanwhile (then it keeps the claim, {@link #KEPT},
     * to run them), the claim is released and the socket re-armed for what the connection waits
     * for: {@link #RELEASED_REARMED} if the interest changed, else {@link #RELEASED}.
     */
    static int release(EngineConnection c) {
        synchronized (c.queue) {
            int s = c.state;
            boolean closed = phase(s) == CLOSED;
            if (!closed && c.hasTasks()) {
                return KEPT;
            }
            c.state = s & ~CLAIMED;
            return !closed && c.socket.setInterest(c.desiredInterestLocked()) ? RELEASED_REARMED : RELEASED;
        }
    }

    static boolean claimed(EngineConnection c) {
        return (c.state & CLAIMED) != 0;
    }
}
