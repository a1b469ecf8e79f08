package io.throng.core.engine;

import io.throng.core.Handler;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.WaterMarks;
import io.throng.core.CloseReason;
import io.throng.core.log.RateLimitedLog;
import io.throng.core.transport.Transport;
import java.util.concurrent.atomic.AtomicLong;

/** What the connections of one server or client share: handler, transport, limits, pool, counters, log. */
final class Engine {
    final String name;
    final Handler handler;
    final Transport transport;
    /** The write queues' water marks and cap. */
    final WriteQueue.WriteLimits writeLimits;
    /** Who may be accepted now (every model's listeners ask it). */
    final Admission admission;
    final BufferPool pool;
    final EngineMetrics metrics = new EngineMetrics();
    final Limits limits;
    final WaterMarks waterMarks;
    final BufferConfig buffers;
    final SocketOptions socket;
    final long idleTimeoutNanos;
    final long lingerNanos;
    final RateLimitedLog log;
    private final AtomicLong ids = new AtomicLong();

    static {
        // Classes needed only on error paths are loaded up front: loading a class can need a file
        // descriptor, and error paths run exactly when descriptors have run out.
        for (Class<?> c : new Class<?>[] {io.throng.core.CloseReason.class, io.throng.core.CloseReason.Kind.class,
                PendingConnect.class, RateLimitedLog.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    Engine(String name, Handler handler, Transport transport, Limits limits, WaterMarks waterMarks, BufferConfig buffers,
           SocketOptions socket) {
        this(name, pool -> handler, transport, limits, waterMarks, buffers, socket);
    }

    /** {@code handlerOf} makes the handler from the engine's pool (a layer such as TLS lends from it). */
    Engine(String name, java.util.function.Function<BufferPool, Handler> handlerOf, Transport transport, Limits limits,
           WaterMarks waterMarks, BufferConfig buffers, SocketOptions socket) {
        this.name = name;
        this.transport = transport;
        this.writeLimits = new WriteQueue.WriteLimits(waterMarks.low(), waterMarks.high(), limits.maxQueuedBytes());
        this.limits = limits;
        this.waterMarks = waterMarks;
        this.buffers = buffers;
        this.socket = socket;
        this.pool = new BufferPool(buffers.maxRetainedBytes());
        this.handler = handlerOf.apply(pool);
        this.idleTimeoutNanos = limits.idleTimeout().isZero() ? Long.MAX_VALUE : limits.idleTimeout().toNanos();
        this.lingerNanos = Math.max(1, limits.lingerTimeout().toNanos());
        this.log = new RateLimitedLog(System.getLogger("io.throng." + name), 20);
        this.admission = new Admission(this);
    }

    /** A connection closed for {@code reason}: counted, and its place freed for admission. Any thread. */
    void connectionClosed(CloseReason reason) {
        metrics.connections.decrementAndGet();
        metrics.closed.increment();
        metrics.closedBy[reason.kind().ordinal()].increment();
        admission.connectionGone();
    }

    /** The counters as a snapshot, with the model's thread figures and its loops' lag. */
    io.throng.core.ServerStats stats(long uptimeNanos, ServingModel.Stats model, LoopLag.Reading lag) {
        EngineMetrics m = metrics;
        BufferPool.Stats b = pool.stats();
        return new io.throng.core.ServerStats(uptimeNanos, m.connections.get(), m.accepted.sum(), m.rejected.sum(),
                m.closed.sum(), m.bytesRead(), m.bytesWritten(), m.reads(), m.writes(), m.ioErrors.sum(),
                m.handlerErrors.sum(), m.unwritable.sum(), m.acceptErrors.sum(), m.acceptPauses.sum(),
                m.overflowed.sum(), model.threads(), model.busy(), model.queued(), lag.latestNanos(), lag.maxNanos(),
                b.lentBuffers(), b.lentBytes(), b.allocatedBytes(), m.closedByKind());
    }

    long nextId() {
        return ids.incrementAndGet();
    }
}
