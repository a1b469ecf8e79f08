package io.throng.core.engine;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.ClientConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A client's loops: connections are spread over them round-robin and run as a reactor's do. */
public final class ClientRuntime {
    private final ClientConfig config;
    private final Engine engine;
    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final long startNanos = System.nanoTime();

    public ClientRuntime(ClientConfig config, Handler handler) throws IOException {
        this.config = config;
        this.engine = new Engine("throng-client", handler, config.limits(), config.waterMarks(), config.buffers(),
                config.socket());
        try {
            io.throng.core.config.TransportKind transport = Transports.resolve(config.transport());
            for (int i = 0; i < config.loops(); i++) {
                EventLoop loop = transport == io.throng.core.config.TransportKind.EPOLL
                        ? new EpollLoop(i, engine, null, "throng-client-" + i)
                        : new NioLoop(i, engine, null, "throng-client-" + i);
                loops.add(loop);
                loop.start();
            }
        } catch (IOException | RuntimeException e) {
            stopLoops();
            throw e;
        }
    }

    /**
     * Connects to {@code remote}, from {@code local} if not null; the connection carries
     * {@code attachment} (may be null) from before its onOpen. Any thread.
     */
    public CompletableFuture<Connection> connect(InetSocketAddress remote, InetSocketAddress local, Object attachment) {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        int max = engine.limits.maxConnections();
        if (engine.metrics.connections.incrementAndGet() > max && max > 0) {
            engine.metrics.connections.decrementAndGet();
            engine.metrics.rejected.increment();
            f.completeExceptionally(new IOException("client at max-connections " + max));
            return f;
        }
        EventLoop loop = loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        long timeout = config.connectTimeout().toNanos();
        loop.execute(() -> loop.connect(remote, local, attachment, f, timeout));
        return f;
    }

    public BufferPool bufferPool() {
        return engine.pool;
    }

    public ServerStats stats() {
        EngineMetrics m = engine.metrics;
        BufferPool.Stats b = engine.pool.stats();
        return new ServerStats(System.nanoTime() - startNanos, m.connections.get(), m.accepted.sum(), m.rejected.sum(),
                m.closed.sum(), m.bytesRead(), m.bytesWritten(), m.reads(), m.writes(),
                m.idleTimeouts.sum(), m.writeLimitCloses.sum(), m.readLimitCloses.sum(), m.ioErrors.sum(),
                m.handlerErrors.sum(), m.unwritable.sum(), m.acceptErrors.sum(), m.acceptPauses.sum(),
                m.overflowed.sum(), 0, 0, 0, b.lentBuffers(), b.lentBytes(), b.allocatedBytes());
    }

    /** Closes every connection gracefully, waits up to {@code timeout}, then stops the loops. */
    public void close(Duration timeout) {
        for (EventLoop loop : loops) {
            loop.execute(loop::shutdownConnections);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (engine.metrics.connections.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopLoops();
        if (engine.pool.stats().lentBuffers() == 0) {
            engine.pool.close();
        }
    }

    private void stopLoops() {
        for (EventLoop loop : loops) {
            loop.stop();
        }
        for (EventLoop loop : loops) {
            try {
                loop.awaitTermination(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
