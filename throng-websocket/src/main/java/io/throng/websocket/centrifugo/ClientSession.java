package io.throng.websocket.centrifugo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One Centrifugo connection's state, kept as the WebSocket's attachment: a phase and a flag in one
 * int, the user, and one deadline. Its channels are the registry's topic slot of the connection
 * (no set here), its client id is computed from the connection id (no string here): about 32
 * bytes a connection, plus the user's name.
 *
 * <pre>
 * phase      CONNECTING --connect ok--> CONNECTED
 *            (a connect error leaves it CONNECTING; the stale deadline closes it)
 * PONG_DUE   set by the sweeper just before its ping; cleared by the client's pong
 * deadline   CONNECTING: the stale deadline (3502); CONNECTED: the token's expiry plus the grace
 *            (3005), or Long.MAX_VALUE; in epoch milliseconds
 * expiring   the subscriptions made with an expiring subscription token: channel -> its expiry plus
 *            the grace (epoch ms), until a sub_refresh moves it; null for a connection with none
 *            (most: no map on an idle connection)
 * </pre>
 * The connection's own callbacks change the phase and the user (under the WebSocket's serial
 * context); the sweeper thread reads them and sets PONG_DUE, so the int changes by compare-and-set.
 */
final class ClientSession {
    static final int CONNECTING = 0;
    static final int CONNECTED = 1;
    private static final int PHASE = 1;
    static final int PONG_DUE = 2;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(ClientSession.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile int state;
    volatile String user;
    volatile long deadline;
    /** Guarded by this; see the table above. */
    private java.util.Map<String, Long> expiring;
    /** Channels whose join was announced (join/leave on), for the leaves at the end; null if none. Guarded by this. */
    private java.util.List<String> joined;

    ClientSession(long staleDeadline) {
        this.deadline = staleDeadline;
    }

    /** A subscription that expires at {@code deadlineMillis} unless refreshed (Long.MAX_VALUE: no longer expires). */
    synchronized void subscriptionDeadline(String channel, long deadlineMillis) {
        if (deadlineMillis == Long.MAX_VALUE) {
            if (expiring != null) {
                expiring.remove(channel);
            }
            return;
        }
        if (expiring == null) {
            expiring = new java.util.HashMap<>(4);
        }
        expiring.put(channel, deadlineMillis);
    }

    /** Removes and returns the subscriptions past their deadline at {@code nowMillis} (the sweeper). */
    synchronized java.util.List<String> takeExpired(long nowMillis) {
        if (expiring == null || expiring.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (var it = expiring.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (nowMillis > e.getValue()) {
                out.add(e.getKey());
                it.remove();
            }
        }
        return out;
    }

    synchronized void joined(String channel) {
        if (joined == null) {
            joined = new java.util.ArrayList<>(2);
        }
        joined.add(channel);
    }

    /** True if {@code channel}'s join was announced (and forgets it): its leave is due. */
    synchronized boolean left(String channel) {
        return joined != null && joined.remove(channel);
    }

    /** The channels whose leave is due when the connection ends (and forgets them). */
    synchronized java.util.List<String> leaveAll() {
        java.util.List<String> out = joined == null ? java.util.List.of() : joined;
        joined = null;
        return out;
    }

    boolean connected() {
        return (state & PHASE) == CONNECTED;
    }

    void markConnected() {
        set(CONNECTED, true);
    }

    boolean pongDue() {
        return (state & PONG_DUE) != 0;
    }

    /** Sets or clears {@code bit}; returns whether it was set before. */
    boolean set(int bit, boolean on) {
        while (true) {
            int s = state;
            int next = on ? s | bit : s & ~bit;
            if (s == next || STATE.compareAndSet(this, s, next)) {
                return (s & bit) != 0;
            }
        }
    }
}
