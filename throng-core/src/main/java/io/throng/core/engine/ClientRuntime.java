package io.throng.core.engine;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.tls.TlsClientContext;
import io.throng.core.tls.TlsHandler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.ClientConfig;
import io.throng.core.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A client's loops: connections are spread over them round-robin and run as a reactor's do. */
public final class ClientRuntime {
    private final ClientConfig config;
    private final Engine engine;
    private final LoopGroup loops;
    private final AtomicInteger next = new AtomicInteger();
    private final long startNanos = System.nanoTime();

    public ClientRuntime(ClientConfig config, Handler handler) throws IOException {
        this.config = config;
        Transport transport = Transport.of(Transport.resolve(config.transport(), null));
        TlsClientContext tls;
        try {
            tls = config.tls() == null ? null : TlsClientContext.of(config.tls());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("TLS: " + e.getMessage(), e);
        }
        this.engine = new Engine("throng-client", pool -> tls == null ? handler
                        : TlsHandler.client(tls, handler, pool, config.limits().maxInboundBytes()),
                transport, config.limits(), config.waterMarks(), config.buffers(), config.socket());
        this.loops = new LoopGroup(engine, config.loops(), "throng-client", null, false);
        loops.start();
    }

    /**
     * Connects to {@code remote}, from {@code local} if not null; the connection carries
     * {@code attachment} (may be null) from before its onOpen. Any thread.
     */
    public CompletableFuture<Connection> connect(InetSocketAddress remote, InetSocketAddress local, Object attachment) {
        if (engine.handler instanceof TlsHandler) {
            // The raw connect completes at TCP; the application's future at the end of the
            // handshake, with the plain-text connection (the TLS layer completes or fails it).
            CompletableFuture<Connection> opened = new CompletableFuture<>();
            var carry = new TlsHandler.Connecting(remote.getHostString(), remote.getPort(), attachment, opened);
            connectRaw(remote, local, carry).whenComplete((c, e) -> {
                if (e != null) {
                    opened.completeExceptionally(e);
                }
            });
            return opened;
        }
        return connectRaw(remote, local, attachment);
    }

    /** The TLS layer's counters, or null without TLS. */
    public TlsHandler.Stats tlsStats() {
        return engine.handler instanceof TlsHandler t ? t.stats() : null;
    }

    private CompletableFuture<Connection> connectRaw(InetSocketAddress remote, InetSocketAddress local, Object attachment) {
        CompletableFuture<Connection> f = new CompletableFuture<>();
        int max = engine.limits.maxConnections();
        if (engine.metrics.connections.incrementAndGet() > max && max > 0) {
            engine.metrics.connections.decrementAndGet();
            engine.metrics.rejected.increment();
            f.completeExceptionally(new IOException("client at max-connections " + max));
            return f;
        }
        List<EventLoop> all = loops.loops();
        EventLoop loop = all.get(Math.floorMod(next.getAndIncrement(), all.size()));
        long timeout = config.connectTimeout().toNanos();
        loop.execute(() -> loop.connect(remote, local, attachment, f, timeout));
        return f;
    }

    public BufferPool bufferPool() {
        return engine.pool;
    }

    public ServerStats stats() {
        return engine.stats(System.nanoTime() - startNanos, ServingModel.Stats.NONE, loops.lag());
    }

    /** Closes every connection gracefully, waits up to {@code timeout}, then stops the loops. */
    public void close(Duration timeout) {
        loops.drain();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (engine.metrics.connections.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        try {
            loops.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (engine.pool.stats().lentBuffers() == 0) {
            engine.pool.close();
        }
    }
}
