package io.throng.cli.prefork;

import io.throng.core.CloseReason;
import io.throng.core.ServerStats;
import io.throng.websocket.WebSocketStats;
import java.util.EnumMap;
import java.util.Map;

/**
 * Adding up the workers' snapshots: {@link #plus} adds every field, {@link #countersOnly} keeps the
 * totals since start and zeroes what is a level now (connections open, buffers lent, subscribers),
 * which is what a stopped worker leaves behind: its counts stay true, its levels went with it.
 */
final class CounterSums {
    static final ServerStats NO_SERVER = new ServerStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1,
            0, 0, 0, Map.of());
    static final WebSocketStats NO_PUSH = new WebSocketStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0);

    private CounterSums() {
    }

    /** Every field of {@code a} and {@code b} added; the uptime is {@code a}'s (the sum has no uptime of its own). */
    static ServerStats plus(ServerStats a, ServerStats b) {
        Map<CloseReason.Kind, Long> closedBy = new EnumMap<>(CloseReason.Kind.class);
        for (CloseReason.Kind k : CloseReason.Kind.values()) {
            long n = a.closedBy(k) + b.closedBy(k);
            if (n != 0) {
                closedBy.put(k, n);
            }
        }
        return new ServerStats(a.uptimeNanos(), a.connections() + b.connections(), a.accepted() + b.accepted(),
                a.rejected() + b.rejected(), a.closed() + b.closed(), a.bytesRead() + b.bytesRead(),
                a.bytesWritten() + b.bytesWritten(), a.reads() + b.reads(), a.writes() + b.writes(),
                a.ioErrors() + b.ioErrors(), a.handlerErrors() + b.handlerErrors(),
                a.unwritable() + b.unwritable(), a.acceptErrors() + b.acceptErrors(), a.acceptPauses() + b.acceptPauses(),
                a.overflowed() + b.overflowed(), a.workers() + b.workers(), a.workersBusy() + b.workersBusy(),
                a.workerQueue() + b.workerQueue(),
                // a lag is not added: the cluster's is its most lagging worker's (-1, none, loses to any)
                Math.max(a.loopLagNanos(), b.loopLagNanos()), Math.max(a.loopLagMaxNanos(), b.loopLagMaxNanos()),
                a.lentBuffers() + b.lentBuffers(), a.lentBytes() + b.lentBytes(), a.poolBytes() + b.poolBytes(), closedBy);
    }

    /** {@code s} with its levels (open connections, worker threads and queue, loop lag, buffers) at zero or none. */
    static ServerStats countersOnly(ServerStats s) {
        return new ServerStats(s.uptimeNanos(), 0, s.accepted(), s.rejected(), s.closed(), s.bytesRead(),
                s.bytesWritten(), s.reads(), s.writes(), s.ioErrors(), s.handlerErrors(), s.unwritable(),
                s.acceptErrors(), s.acceptPauses(), s.overflowed(), 0, 0, 0, -1, -1, 0, 0, 0, s.closedBy());
    }

    /** With {@code uptimeNanos} in place of {@code s}'s. */
    static ServerStats withUptime(ServerStats s, long uptimeNanos) {
        return new ServerStats(uptimeNanos, s.connections(), s.accepted(), s.rejected(), s.closed(), s.bytesRead(),
                s.bytesWritten(), s.reads(), s.writes(), s.ioErrors(), s.handlerErrors(), s.unwritable(),
                s.acceptErrors(), s.acceptPauses(), s.overflowed(), s.workers(), s.workersBusy(), s.workerQueue(),
                s.loopLagNanos(), s.loopLagMaxNanos(), s.lentBuffers(), s.lentBytes(), s.poolBytes(), s.closedBy());
    }

    /**
     * Every field added. The channels ({@code topics}) are each worker's added up: a channel with
     * subscribers on two workers counts twice (no worker knows the others' channels).
     */
    static WebSocketStats plus(WebSocketStats a, WebSocketStats b) {
        return new WebSocketStats(a.open() + b.open(), a.handshakesInFlight() + b.handshakesInFlight(),
                a.upgrades() + b.upgrades(), a.refused() + b.refused(), a.handshakeTimeouts() + b.handshakeTimeouts(),
                a.overloaded() + b.overloaded(), a.handshakesEvicted() + b.handshakesEvicted(),
                a.httpResponses() + b.httpResponses(), a.messagesIn() + b.messagesIn(),
                a.messagesOut() + b.messagesOut(), a.pingsSent() + b.pingsSent(), a.pongsReceived() + b.pongsReceived(),
                a.protocolErrors() + b.protocolErrors(), a.invalidPayloads() + b.invalidPayloads(), a.tooBig() + b.tooBig(),
                a.handlerErrors() + b.handlerErrors(), a.idleCloses() + b.idleCloses(), a.closeTimeouts() + b.closeTimeouts(),
                a.publishes() + b.publishes(), a.deliveries() + b.deliveries(), a.dropped() + b.dropped(),
                a.slowCloses() + b.slowCloses(), a.subscriptions() + b.subscriptions(), a.topics() + b.topics());
    }

    /** {@code s} with its levels (subscribers, handshakes in flight, subscriptions, channels) at zero. */
    static WebSocketStats countersOnly(WebSocketStats s) {
        return new WebSocketStats(0, 0, s.upgrades(), s.refused(), s.handshakeTimeouts(), s.overloaded(),
                s.handshakesEvicted(), s.httpResponses(), s.messagesIn(), s.messagesOut(), s.pingsSent(), s.pongsReceived(), s.protocolErrors(),
                s.invalidPayloads(), s.tooBig(), s.handlerErrors(), s.idleCloses(), s.closeTimeouts(), s.publishes(),
                s.deliveries(), s.dropped(), s.slowCloses(), 0, 0);
    }
}
