package io.throng.core.engine;

import io.throng.core.Handler;
import io.throng.core.tls.TlsContext;
import io.throng.core.tls.TlsHandler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.transport.Transport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A running server: the model its config names, over the transport it resolves to, and the
 * graceful shutdown every model goes through the same way.
 */
public final class ServerRuntime {
    private final Engine engine;
    private final ServingModel model;
    private final InetSocketAddress address;
    private final long startNanos = System.nanoTime();

    private ServerRuntime(Engine engine, ServingModel model, InetSocketAddress address) {
        this.engine = engine;
        this.model = model;
        this.address = address;
    }

    /** Binds and starts a server; on failure nothing is left running. */
    public static ServerRuntime start(ServerConfig config, Handler handler) throws IOException {
        Transport transport = Transport.of(Transport.resolve(config.transport(), config.model()));
        TlsContext tls = config.tls() == null ? null : tlsContext(config.tls());
        Engine engine = new Engine("throng", pool -> tls == null ? handler
                        : TlsHandler.server(tls, handler, pool, config.limits().maxInboundBytes()),
                transport, config.limits(), config.waterMarks(), config.buffers(), config.socket());
        ServingModel model = switch (config.model()) {
            case VIRTUAL_THREADS -> new ThreadPerConnectionModel(engine, true);
            case PLATFORM_THREADS -> new ThreadPerConnectionModel(engine, false);
            case SINGLE_REACTOR -> new ReactorModel(engine, 1, config.acceptMode());
            case MULTI_REACTOR -> new ReactorModel(engine, config.effectiveLoops(), config.acceptMode());
            case WORKER_POOL -> new WorkerPoolModel(engine, config.effectiveLoops(), config.acceptMode(), config.workers());
            case LEADER_FOLLOWER -> {
                if (!transport.sharedOneShotSets() && config.transport() == TransportKind.AUTO) {
                    throw new IllegalStateException("leader-follower runs on the epoll transport only (epoll cannot run "
                            + "here: " + Transport.unavailableReason(TransportKind.EPOLL) + "): it needs one-shot "
                            + "registration in a set shared by several threads, which a JDK Selector (selected by one "
                            + "thread at a time) cannot express; on nio, worker-pool is the nearest design");
                }
                yield new LeaderFollowerModel(engine, config.loops(), config.workers().threads());
            }
        };
        InetSocketAddress bound;
        try {
            bound = model.start(new InetSocketAddress(config.host(), config.port()));
        } catch (IOException | RuntimeException e) {
            new ServerRuntime(engine, model, null).forceStop();
            throw e;
        }
        return new ServerRuntime(engine, model, bound);
    }

    private static TlsContext tlsContext(io.throng.core.tls.TlsConfig config) throws IOException {
        try {
            return TlsContext.server(config);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("TLS: " + e.getMessage(), e);
        }
    }

    /** The TLS layer's counters, or null without TLS. */
    public TlsHandler.Stats tlsStats() {
        return engine.handler instanceof TlsHandler t ? t.stats() : null;
    }

    /** The transport that runs (auto resolved). */
    public TransportKind transport() {
        return engine.transport.kind();
    }

    public InetSocketAddress address() {
        return address;
    }

    public BufferPool bufferPool() {
        return engine.pool;
    }

    public ServerStats stats() {
        return engine.stats(System.nanoTime() - startNanos, model.stats(), model.loopLag());
    }

    /**
     * A live view for an operator: the server's figures, its model's loops or threads with their
     * connections counted by state (at most {@code firstN} described in each), the buffer pool.
     * Waits for each loop to walk its own connections, at most {@code timeout} in all.
     */
    public io.throng.core.Dump dump(String modelName, int firstN, java.time.Duration timeout) {
        ServerStats s = stats();
        var parts = new java.util.ArrayList<io.throng.core.Dump>(model.dump(firstN, timeout));
        BufferPool.Stats b = engine.pool.stats();
        parts.add(io.throng.core.Dump.of("buffers", java.util.List.of("lent " + b.lentBuffers(), "lent " + b.lentBytes() + " B",
                "pool " + b.allocatedBytes() + " B")));
        TlsHandler.Stats tls = tlsStats();
        if (tls != null) {
            parts.add(io.throng.core.Dump.of("tls", java.util.List.of(String.valueOf(tls))));
        }
        return new io.throng.core.Dump("server " + address.getHostString() + ":" + address.getPort(), java.util.List.of(
                modelName, transport().name().toLowerCase(java.util.Locale.ROOT), "up " + s.uptimeNanos() / 1_000_000_000L + " s",
                "connections " + s.connections(), "accepted " + s.accepted(), "closed " + s.closed(),
                engine.admission.describe()), parts);
    }

    /** Trims the buffer pool (servers call this every few seconds). */
    public long trimBuffers() {
        return engine.pool.trim();
    }

    /**
     * Stops accepting; lets every connection handle what it already received, write what is
     * queued and close; after {@code timeout} closes whatever is left. Returns true if every
     * connection had closed by itself within the timeout.
     */
    public boolean shutdown(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        model.stopAccepting();
        model.drain();
        boolean clean = awaitNoConnections(deadline);
        if (!clean) {
            model.abort();
            awaitNoConnections(System.nanoTime() + 2_000_000_000L);
        }
        forceStop();
        return clean;
    }

    private boolean awaitNoConnections(long deadline) {
        while (engine.metrics.connections.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Stops every thread and frees the pool. */
    private void forceStop() {
        try {
            model.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (engine.pool.stats().lentBuffers() == 0) {
            engine.pool.close();
        } else {
            engine.log.log(System.Logger.Level.WARNING, "stopped with " + engine.pool.stats().lentBuffers()
                    + " buffers still lent (a thread did not finish); leaving the pool to the process");
        }
    }
}
