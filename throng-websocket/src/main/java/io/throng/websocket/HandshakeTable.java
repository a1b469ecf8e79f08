package io.throng.websocket;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server's handshakes in flight (connections accepted and not yet upgraded or answered), oldest
 * first, at most {@code max-handshakes-in-flight} of them. When it is full a newcomer is admitted
 * and the oldest handshake is evicted: its deadline is brought forward to {@link #EVICTION_GRACE}
 * from now, and if its request is still incomplete then it gets 408.
 *
 * <p>Why the oldest goes rather than the newcomer (which got 503 before): a slowloris holds every
 * slot with heads sent a byte a second and replaces each one cut, so refusing newcomers refused
 * everyone else for as long as the attack lasted (docs/runs/fault-slowloris-2026-12-07.md: 0 of
 * 200 subscribers served). A real client's head comes in one packet and is done within
 * milliseconds of its accept; a slow head is by then always older. To cut a real client, an
 * attacker would have to open more than max-handshakes connections between its accept and the
 * reading of its head, plus the grace: a connection flood, which the engine's own admission meets,
 * not a slow one. A reconnect storm of real clients is not refused either: each evicted client's
 * head is already in its socket buffer and is read within the grace.
 *
 * <p>A handshake whose request body is being answered on another thread is pinned: still counted,
 * never evicted (its client is waiting for us, not the other way round). When every slot is
 * pinned the newcomer is refused (503), as before.
 *
 * <p>Any thread; one monitor. The queue is intrusive (two fields in each session), so admission
 * costs no allocation. An eviction sets the victim's timer while holding the monitor: the victim's
 * own context, which takes the monitor to leave or pin before it sets or cancels its timer, then
 * always acts after it and never has its own timer overwritten by a late eviction.
 */
final class HandshakeTable {
    /**
     * How long an evicted handshake may still complete. Two ticks of the engine's 100 ms timer
     * wheel, so it fires 200-300 ms later: a head already in the socket buffer is read in one pass
     * of the event loop, milliseconds even under load (the slowloris fault run's normal clients saw
     * broadcasts within 57 ms at p99 during the attack), while a slow head gains at most a byte.
     * Short, because evicted handshakes are held beyond the cap until then: at most the arrivals of
     * those 300 ms.
     */
    static final Duration EVICTION_GRACE = Duration.ofMillis(200);

    // a session's place in the table (WsSession.flight)
    static final int NEVER = 0;
    static final int QUEUED = 1;
    static final int PINNED = 2;
    static final int EVICTED = 3;
    static final int LEFT = 4;

    /** What {@link #admit} did. */
    enum Admission { ADMITTED, ADMITTED_EVICTING_OLDEST, FULL }

    private final int max;
    private final Duration grace;
    private final AtomicInteger gauge;
    private WsSession oldest;
    private WsSession newest;
    private int count;

    /**
     * @param max   handshakes in flight at most
     * @param grace an evicted handshake's remaining time
     * @param gauge kept equal to the count, for the stats (read without the monitor)
     */
    HandshakeTable(int max, Duration grace, AtomicInteger gauge) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, got " + max);
        }
        this.max = max;
        this.grace = grace;
        this.gauge = gauge;
    }

    /** A fresh connection: admitted, evicting the oldest unpinned handshake if the table is full. */
    synchronized Admission admit(WsSession s) {
        Admission a = Admission.ADMITTED;
        if (count >= max) {
            WsSession victim = oldest;
            if (victim == null) {
                return Admission.FULL; // every slot is a body being answered
            }
            unlink(victim);
            count--;
            victim.flight = EVICTED;
            victim.connection.setTimer(grace);
            a = Admission.ADMITTED_EVICTING_OLDEST;
        }
        s.flightPrev = newest;
        if (newest != null) {
            newest.flightNext = s;
        } else {
            oldest = s;
        }
        newest = s;
        s.flight = QUEUED;
        count++;
        gauge.set(count);
        return a;
    }

    /**
     * The session's body is answered on another thread: it stays counted but is no longer evicted.
     * Returns false if it had been evicted already (its eviction timer is then set; cancelling it
     * after this call undoes the eviction).
     */
    synchronized boolean pin(WsSession s) {
        if (s.flight != QUEUED) {
            return false;
        }
        unlink(s);
        s.flight = PINNED;
        return true;
    }

    /** The session upgraded, was answered, handed over or closed: its slot is free (once). */
    synchronized void leave(WsSession s) {
        int was = s.flight;
        if (was == QUEUED) {
            unlink(s);
        }
        if (was == QUEUED || was == PINNED) {
            count--;
            gauge.set(count);
        }
        if (was != NEVER) {
            s.flight = LEFT;
        }
    }

    /** Whether the session was evicted and has not left since (its timer is the eviction's). */
    synchronized boolean evicted(WsSession s) {
        return s.flight == EVICTED;
    }

    private void unlink(WsSession s) {
        if (s.flightPrev != null) {
            s.flightPrev.flightNext = s.flightNext;
        } else {
            oldest = s.flightNext;
        }
        if (s.flightNext != null) {
            s.flightNext.flightPrev = s.flightPrev;
        } else {
            newest = s.flightPrev;
        }
        s.flightPrev = null;
        s.flightNext = null;
    }
}
