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
 * PONG_DUE   set by the sweeper just before its ping, cleared by the client's pong: one bit per
 *            parity of the ping round (PONG_DUE, PONG_DUE_ODD, and LAST_PING_ODD for which is the
 *            later), so that the check of round N never takes round N+1's fresh ping for N's
 *            missing pong, and a pong to either of two outstanding pings finds its ping (see pingDue)
 * STALE_DELAYS  CONNECTING: how often the stale deadline was put off because the process was behind
 *            (at most MAX_STALE_DELAYS: a connection that never connects is closed all the same)
 * deadline   CONNECTING: the stale deadline (3502); CONNECTED: the token's expiry plus the grace
 *            (3005), or Long.MAX_VALUE; in epoch milliseconds
 * extras     what only some connections have, in one object made on first need, so that an idle
 *            connection without any of it pays one null reference (the session stays at 32 bytes
 *            with compact object headers):
 *   expiring   the subscriptions made with an expiring subscription token: channel -> its expiry
 *              plus the grace (epoch ms), until a sub_refresh moves it
 *   joined     the channels whose join was announced, for their leaves
 *   connInfo   the connection token's info (Centrifugo's conn_info) as compact JSON in UTF-8 bytes
 *   chanInfo   channel -> its subscription token's info (chan_info), for the subscriptions whose
 *              token had one
 * </pre>
 * The connection's own callbacks change the phase and the user (under the WebSocket's serial
 * context); the sweeper thread reads them and sets PONG_DUE, so the int changes by compare-and-set.
 */
final class ClientSession {
    static final int CONNECTING = 0;
    static final int CONNECTED = 1;
    private static final int PHASE = 1;
    static final int PONG_DUE = 2;
    private static final int PONG_DUE_ODD = 4;
    private static final int PONGS_DUE = PONG_DUE | PONG_DUE_ODD;
    /** The latest ping went out in an odd round (which of two outstanding pings is the older). */
    private static final int LAST_PING_ODD = 8;
    /** CONNECTING: how many times the stale deadline was put off while the process was behind (3 bits). */
    private static final int STALE_DELAYS_SHIFT = 4;
    private static final int STALE_DELAYS = 7 << STALE_DELAYS_SHIFT;
    /** The stale deadline is put off at most this many times: six stale delays in all (a minute at Centrifugo's 10 s). */
    static final int MAX_STALE_DELAYS = 5;

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
    /** Guarded by this; see the table above. Null on most connections. */
    private Extras extras;

    private static final class Extras {
        java.util.Map<String, Long> expiring;
        /** Channels whose join was announced (join/leave on), for the leaves at the end. */
        java.util.List<String> joined;
        byte[] connInfo;
        java.util.Map<String, byte[]> chanInfo;
    }

    private Extras extras() {
        if (extras == null) {
            extras = new Extras();
        }
        return extras;
    }

    ClientSession(long staleDeadline) {
        this.deadline = staleDeadline;
    }

    /** A subscription that expires at {@code deadlineMillis} unless refreshed (Long.MAX_VALUE: no longer expires). */
    synchronized void subscriptionDeadline(String channel, long deadlineMillis) {
        if (deadlineMillis == Long.MAX_VALUE) {
            if (extras != null && extras.expiring != null) {
                extras.expiring.remove(channel);
            }
            return;
        }
        Extras x = extras();
        if (x.expiring == null) {
            x.expiring = new java.util.HashMap<>(4);
        }
        x.expiring.put(channel, deadlineMillis);
    }

    /** Removes and returns the subscriptions past their deadline at {@code nowMillis} (the sweeper). */
    synchronized java.util.List<String> takeExpired(long nowMillis) {
        if (extras == null || extras.expiring == null || extras.expiring.isEmpty()) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (var it = extras.expiring.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (nowMillis > e.getValue()) {
                out.add(e.getKey());
                it.remove();
            }
        }
        return out;
    }

    synchronized void joined(String channel) {
        Extras x = extras();
        if (x.joined == null) {
            x.joined = new java.util.ArrayList<>(2);
        }
        x.joined.add(channel);
    }

    /** True if {@code channel}'s join was announced (and forgets it): its leave is due. */
    synchronized boolean left(String channel) {
        return extras != null && extras.joined != null && extras.joined.remove(channel);
    }

    /** The channels whose leave is due when the connection ends (and forgets them). */
    synchronized java.util.List<String> leaveAll() {
        if (extras == null || extras.joined == null) {
            return java.util.List.of();
        }
        java.util.List<String> out = extras.joined;
        extras.joined = null;
        return out;
    }

    /**
     * The connection token's info (compact JSON), kept as UTF-8 bytes; null keeps nothing (and, as
     * Centrifugo's refresh does, leaves an earlier info in place: a token without info does not
     * erase it).
     */
    synchronized void connInfo(String json) {
        if (json != null) {
            extras().connInfo = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code channel}'s subscription token info (compact JSON), or null for none: set at every
     * subscribe and sub_refresh of the channel (a refresh's token without info clears it, as in
     * Centrifuge), dropped at its unsubscribe.
     */
    synchronized void chanInfo(String channel, String json) {
        if (json == null) {
            if (extras != null && extras.chanInfo != null) {
                extras.chanInfo.remove(channel);
            }
            return;
        }
        Extras x = extras();
        if (x.chanInfo == null) {
            x.chanInfo = new java.util.HashMap<>(4);
        }
        x.chanInfo.put(channel, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Appends the infos of this connection in {@code channel} to a ClientInfo being written:
     * {@code ,"conn_info":..} and {@code ,"chan_info":..}, each only when there is one (Centrifugo
     * leaves empty bytes fields out). {@code channel} null: the connection's only.
     */
    synchronized void appendInfo(String channel, StringBuilder b) {
        if (extras == null) {
            return;
        }
        if (extras.connInfo != null) {
            b.append(",\"conn_info\":").append(new String(extras.connInfo, java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] chan = channel == null || extras.chanInfo == null ? null : extras.chanInfo.get(channel);
        if (chan != null) {
            b.append(",\"chan_info\":").append(new String(chan, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    boolean connected() {
        return (state & PHASE) == CONNECTED;
    }

    void markConnected() {
        set(CONNECTED, true);
    }

    /**
     * Sweeper: puts the stale deadline off to {@code deadlineMillis}, if it has been put off fewer
     * than {@value #MAX_STALE_DELAYS} times; false (close it) otherwise.
     */
    boolean delayStale(long deadlineMillis) {
        while (true) {
            int s = state;
            int delays = (s & STALE_DELAYS) >>> STALE_DELAYS_SHIFT;
            if (delays >= MAX_STALE_DELAYS) {
                return false;
            }
            if (STATE.compareAndSet(this, s, (s & ~STALE_DELAYS) | ((delays + 1) << STALE_DELAYS_SHIFT))) {
                deadline = deadlineMillis;
                return true;
            }
        }
    }

    /**
     * Sweeper: marks the ping of round {@code round} outstanding, before it is sent. Two may be
     * outstanding, of consecutive rounds (a round that takes longer than the interval less the pong
     * timeout runs before the previous round's check); false, and no ping is sent, if the ping two
     * rounds back is still unanswered: that round's check closes the connection (3012).
     */
    boolean pingDue(long round) {
        boolean odd = (round & 1) != 0;
        int bit = odd ? PONG_DUE_ODD : PONG_DUE;
        while (true) {
            int s = state;
            if ((s & bit) != 0) {
                return false;
            }
            int next = (odd ? s | LAST_PING_ODD : s & ~LAST_PING_ODD) | bit;
            if (STATE.compareAndSet(this, s, next)) {
                return true;
            }
        }
    }

    /**
     * The client's pong: answers the older outstanding ping (a connection's pongs come in the order
     * of its pings); false if none was outstanding.
     */
    boolean ponged() {
        while (true) {
            int s = state;
            int due = s & PONGS_DUE;
            if (due == 0) {
                return false;
            }
            if (due == PONGS_DUE) {
                due = (s & LAST_PING_ODD) != 0 ? PONG_DUE : PONG_DUE_ODD; // the one not of the latest ping
            }
            if (STATE.compareAndSet(this, s, s & ~due)) {
                return true;
            }
        }
    }

    /** Whether the ping of round {@code round}, or of an earlier round of its parity, is unanswered. */
    boolean pongDue(long round) {
        return (state & ((round & 1) == 0 ? PONG_DUE : PONG_DUE_ODD)) != 0;
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
