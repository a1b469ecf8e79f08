package io.throng.core.engine;

import io.throng.core.Handler;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.WaterMarks;
import java.util.concurrent.atomic.AtomicLong;

/** What the connections of one server or client share: handler, limits, pool, counters, log. */
final class Engine {
    final String name;
    final Handler handler;
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
                PendingConnect.class, RateLimitedLog.class, Sockets.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    Engine(String name, Handler handler, Limits limits, WaterMarks waterMarks, BufferConfig buffers,
           SocketOptions socket) {
        this.name = name;
        this.handler = handler;
        this.limits = limits;
        this.waterMarks = waterMarks;
        this.buffers = buffers;
        this.socket = socket;
        this.pool = new BufferPool(buffers.maxRetainedBytes());
        this.idleTimeoutNanos = limits.idleTimeout().isZero() ? Long.MAX_VALUE : limits.idleTimeout().toNanos();
        this.lingerNanos = Math.max(1, limits.lingerTimeout().toNanos());
        this.log = new RateLimitedLog(System.getLogger("io.throng." + name), 20);
    }

    long nextId() {
        return ids.incrementAndGet();
    }
}
