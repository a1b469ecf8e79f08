package io.throng.load;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.util.Queue;

/**
 * The seed's client: each connection sends a timestamp and waits for its echo before sending the
 * next; with a pipeline depth D it keeps D in flight. Every echo is checked against what was sent
 * (a ring of the D timestamps in flight), and its round trip recorded. The driver starts a
 * connection by setting its timer, so the first pings are sent in the connection's own loop.
 */
final class PingPongHandler implements Handler {
    private final LoadStats stats;
    private final int depth;
    private final Queue<Connection> opened;

    /** Per connection, touched only by its loop. */
    static final class State {
        final long[] sent;
        int head;
        int inFlight;

        State(int depth) {
            this.sent = new long[depth];
        }
    }

    PingPongHandler(LoadStats stats, int depth, Queue<Connection> opened) {
        this.stats = stats;
        this.depth = depth;
        this.opened = opened;
    }

    @Override
    public void onOpen(Connection c) {
        c.attach(new State(depth));
        stats.established.increment();
        stats.open.increment();
        opened.add(c);
    }

    @Override
    public void onTimer(Connection c) {
        State st = c.attachment();
        while (stats.running() && st.inFlight < depth) {
            send(c, st);
        }
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        State st = c.attachment();
        long now = System.nanoTime();
        while (in.remaining() >= Wire.MESSAGE) {
            long echoed = in.getLong();
            if (st.inFlight == 0) {
                stats.mismatches.increment(); // an echo of nothing we sent
                continue;
            }
            long expected = st.sent[st.head];
            st.head = (st.head + 1) % depth;
            st.inFlight--;
            if (echoed != expected) {
                stats.mismatches.increment();
            } else {
                stats.latency.recordValue(Math.max(0, now - echoed));
                stats.responses.increment();
            }
            if (stats.running()) {
                send(c, st);
            }
        }
    }

    private void send(Connection c, State st) {
        long t = System.nanoTime();
        st.sent[(st.head + st.inFlight) % depth] = t;
        st.inFlight++;
        c.write(Wire.message(t));
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        stats.open.decrement();
        if (stats.phase != LoadStats.Phase.STOPPING) {
            stats.disconnects.increment();
        }
    }
}
