package io.throng.core;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of a server's counters. Counters are totals since start; compare two snapshots for
 * rates ({@link #ratesSince}).
 *
 * @param uptimeNanos      time since start
 * @param connections      connections open now
 * @param accepted         connections accepted
 * @param closed           connections closed
 * @param bytesRead        bytes read from sockets
 * @param bytesWritten     bytes written to sockets
 * @param reads            reads that returned data (each one dispatch of the handler)
 * @param writes           write system calls (each a gathering write of everything queued)
 * @param ioErrors         connections that failed with an I/O error (resets, mostly)
 * @param handlerErrors    exceptions thrown by the handler
 * @param unwritable       times a connection crossed its high water mark
 * @param acceptErrors     accept calls that failed (EMFILE and the like)
 * @param acceptPauses     times admission stopped accepting: connections at max-connections, the worker
 *                         pool's queue overflowing, every leader-follower thread held by a handler
 * @param rejected         a client's connects refused at its max-connections (a server never accepts
 *                         past it: it stops accepting, see acceptPauses)
 * @param overflowed       readable connections the full worker queue could not take at once
 * @param workers          handler threads of a bounded pool (worker pool, leader-follower), else 0
 * @param workersBusy      workers running a handler now
 * @param workerQueue      connections waiting for a worker now
 * @param loopLagNanos     how late the event loops run what is due, now: the largest over the loops
 *                         that serve connections of the lag at each one's last due time (a timer
 *                         tick, a poll's deadline), or of a lag going on (a handler holding the loop);
 *                         -1 for a model without event loops (thread-per-connection, leader-follower)
 * @param loopLagMaxNanos  the largest such lag of the last 30 to 60 s (see docs/operations.md), -1 likewise
 * @param lentBuffers      pooled buffers lent now (leftovers, queued writes, thread and loop buffers)
 * @param lentBytes        bytes of those buffers
 * @param poolBytes        native memory held by the buffer pool
 * @param closedBy         the closed connections by why they closed, every kind (zero for none); they
 *                         add up to {@code closed} but for closes that land while the snapshot is
 *                         taken. {@code ioErrors} and {@code handlerErrors} count failures, some of
 *                         which close nothing.
 */
public record ServerStats(long uptimeNanos, int connections, long accepted, long rejected, long closed,
                          long bytesRead, long bytesWritten, long reads, long writes, long ioErrors,
                          long handlerErrors, long unwritable, long acceptErrors, long acceptPauses, long overflowed,
                          int workers, int workersBusy, int workerQueue, long loopLagNanos, long loopLagMaxNanos,
                          long lentBuffers, long lentBytes, long poolBytes, Map<CloseReason.Kind, Long> closedBy) {

    public ServerStats {
        closedBy = closedBy.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(closedBy));
    }

    /** Connections closed for {@code kind}. */
    public long closedBy(CloseReason.Kind kind) {
        return closedBy.getOrDefault(kind, 0L);
    }

    /** Connections closed for idleness (the IDLE_TIMEOUT entry of {@link #closedBy}). */
    public long idleTimeouts() {
        return closedBy(CloseReason.Kind.IDLE_TIMEOUT);
    }

    /** Connections closed for queuing more than max-queued-bytes (the WRITE_LIMIT entry). */
    public long writeLimitCloses() {
        return closedBy(CloseReason.Kind.WRITE_LIMIT);
    }

    /** Connections closed for leaving more than max-inbound-bytes unconsumed, TLS records included (READ_LIMIT). */
    public long readLimitCloses() {
        return closedBy(CloseReason.Kind.READ_LIMIT);
    }

    /** Whether the server has event loops, whose lag {@link #loopLagNanos} gives (thread-per-connection has none). */
    public boolean hasLoops() {
        return loopLagNanos >= 0;
    }

    /** Per-second rates between {@code earlier} and this snapshot. */
    public Rates ratesSince(ServerStats earlier) {
        double seconds = Math.max(1e-9, (uptimeNanos - earlier.uptimeNanos) / 1e9);
        return new Rates((accepted - earlier.accepted) / seconds, (reads - earlier.reads) / seconds,
                (bytesRead - earlier.bytesRead) / seconds, (bytesWritten - earlier.bytesWritten) / seconds);
    }

    /** Rates per second. */
    public record Rates(double accepted, double reads, double bytesRead, double bytesWritten) {
    }
}
