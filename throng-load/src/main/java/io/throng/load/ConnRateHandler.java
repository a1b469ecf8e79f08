package io.throng.load;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;

/**
 * Short connections: on open send one timestamp, on its echo close (with RST when linger0), and
 * when closed let the driver start the next. Latency is the exchange on an open connection; the
 * figure of merit is exchanges per second.
 */
final class ConnRateHandler implements Handler {
    private final LoadStats stats;
    private final boolean linger0;
    private final Runnable next;

    ConnRateHandler(LoadStats stats, boolean linger0, Runnable next) {
        this.stats = stats;
        this.linger0 = linger0;
        this.next = next;
    }

    @Override
    public void onOpen(Connection c) {
        stats.established.increment();
        stats.open.increment();
        long t = System.nanoTime();
        c.attach(t);
        c.write(Wire.message(t));
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        if (in.remaining() < Wire.MESSAGE) {
            return;
        }
        long echoed = in.getLong();
        in.position(in.limit());
        long sent = c.<Long>attachment();
        if (echoed != sent) {
            stats.mismatches.increment();
        } else {
            stats.latency.recordValue(Math.max(0, System.nanoTime() - echoed));
            stats.responses.increment();
            stats.exchanges.increment();
        }
        if (linger0) {
            c.abort();
        } else {
            c.close();
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        stats.open.decrement();
        if (reason.kind() != CloseReason.Kind.LOCAL && reason.kind() != CloseReason.Kind.PEER_CLOSED
                && stats.phase != LoadStats.Phase.STOPPING) {
            stats.disconnects.increment();
        }
        next.run();
    }
}
