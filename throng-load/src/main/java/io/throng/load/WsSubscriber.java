package io.throng.load;

import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketHandler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One subscriber: its handler and its state in one object (the only one a held connection adds to
 * the client's session). The callbacks run on the connection's client loop; {@link #ping} runs on
 * the pinger thread. They share the ping fields, which are volatile (the outstanding ping is
 * claimed by compare-and-set, so a pong is counted once); the broadcast window is the loop's alone.
 */
final class WsSubscriber implements WebSocketHandler {
    private static final VarHandle OUTSTANDING;

    static {
        try {
            OUTSTANDING = MethodHandles.lookup().findVarHandle(WsSubscriber.class, "outstanding", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final WsSubscribers owner;
    final int channel;
    volatile WebSocket ws;
    /** The ping not yet answered (its payload, a System.nanoTime() of this process), or 0. */
    @SuppressWarnings("unused") // through OUTSTANDING
    private volatile long outstanding;
    /** The first and the latest ping sent: a pong between them that is not the outstanding one is late. */
    private volatile long firstPing;
    private volatile long lastPing;
    /** The highest round received, and which of the 64 rounds up to it were (bit i: round highest - i). */
    private int highest = -1;
    /**
     * Centrifugo: the connect and subscribe commands, sent as the connection opens and then
     * dropped; null on the raw endpoint (and once sent).
     */
    private byte[] hello;
    /** Centrifugo (loop): {@link #WAITING} for the subscribe reply, {@link #SUBSCRIBED}, or {@link #REFUSED}. */
    int state;
    static final int WAITING = 0;
    static final int SUBSCRIBED = 1;
    static final int REFUSED = 2;
    /** Loop: a pong has answered one of this subscriber's pings. */
    private boolean answered;
    private long seen;

    WsSubscriber(WsSubscribers owner, int channel) {
        this(owner, channel, null);
    }

    /** A subscriber that sends {@code hello} (Centrifugo's connect and subscribe) when it opens; null: a raw one. */
    WsSubscriber(WsSubscribers owner, int channel, byte[] hello) {
        this.owner = owner;
        this.channel = channel;
        this.hello = hello;
    }

    @Override
    public void onOpen(WebSocket w) {
        ws = w;
        if (hello != null) {
            // one frame, as the SDK sends it; established (and pinging) once the subscribe is answered
            w.sendText(ByteBuffer.wrap(hello));
            hello = null;
            return;
        }
        owner.opened(this);
    }

    @Override
    public void onText(WebSocket w, ByteBuffer utf8) {
        if (owner.centrifugo()) {
            owner.centrifugoFrame(this, w, utf8);
            return;
        }
        owner.received(this, utf8);
    }

    @Override
    public void onBinary(WebSocket w, ByteBuffer data) {
        owner.received(this, data);
    }

    @Override
    public void onPong(WebSocket w, ByteBuffer payload) {
        long now = System.nanoTime();
        if (payload.remaining() != Long.BYTES) {
            owner.pongUnknown();
            return;
        }
        long v = payload.getLong(payload.position());
        if (v != 0 && OUTSTANDING.compareAndSet(this, v, 0L)) {
            owner.pongAnswered(now - v, !answered);
            answered = true;
        } else if (v != 0 && v >= firstPing && v < lastPing) {
            owner.pongLate();
        } else {
            owner.pongUnknown();
        }
    }

    @Override
    public void onClose(WebSocket w, int code, String reason) {
        if (owner.centrifugo() && state != SUBSCRIBED) {
            if (state == WAITING) {
                owner.refused("centrifugo: closed before subscribed: " + code + " " + reason);
            }
            return; // never established: not a lost connection
        }
        if ((long) OUTSTANDING.getAndSet(this, 0L) != 0) {
            owner.pingDropped(); // the connection is counted as lost, not its ping as failed
        }
        owner.closed(code, answered);
    }

    /**
     * Pinger thread: sends the next ping; the last one, if still unanswered, has failed. Returns
     * false if the connection is closed (the schedule forgets it).
     */
    boolean ping() {
        WebSocket w = ws;
        if (w == null || !w.isOpen()) {
            return false;
        }
        long t = System.nanoTime();
        if (t == 0) {
            t = 1; // 0 means "none outstanding"
        }
        if (firstPing == 0) {
            firstPing = t;
        }
        lastPing = t;
        long previous = (long) OUTSTANDING.getAndSet(this, t);
        if (previous != 0) {
            owner.pingFailed();
        } else {
            owner.pingOutstanding();
        }
        ByteBuffer payload = ByteBuffer.allocate(Long.BYTES).putLong(0, t);
        if (!w.ping(payload)) {
            if (OUTSTANDING.compareAndSet(this, t, 0L)) {
                owner.pingDropped(); // closed meanwhile: not sent
            }
            return false;
        }
        owner.pingSent();
        return true;
    }

    /**
     * Loop: whether {@code round} is new to this subscriber. Exact for rounds up to 63 behind the
     * highest one received; older ones count as repeats. One publisher's rounds reach a subscriber
     * in order (the server finishes one publish before it reads the next, and a connection's writes
     * keep their order), so the window is slack, not a limit.
     */
    boolean firstSight(int round) {
        if (round > highest) {
            int shift = round - highest;
            seen = shift >= Long.SIZE ? 1 : (seen << shift) | 1;
            highest = round;
            return true;
        }
        int back = highest - round;
        if (back >= Long.SIZE) {
            return false;
        }
        long bit = 1L << back;
        if ((seen & bit) != 0) {
            return false;
        }
        seen |= bit;
        return true;
    }
}
