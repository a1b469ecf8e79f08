package io.throng.core.engine;

import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.AcceptMode;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Assembles a server for its model: loops and listeners, the worker pool, or the
 * thread-per-connection runtime; and takes it down again, gracefully.
 */
public final class ServerRuntime {
    private final ServerConfig config;
    private final Engine engine;
    private final List<EventLoop> loops = new ArrayList<>();
    private EventLoop acceptorLoop;
    private WorkerPool pool;
    private ThreadPerConnection threads;
    private LeaderFollower leaderFollower;
    private InetSocketAddress address;
    private TransportKind transport;
    private final long startNanos = System.nanoTime();

    private ServerRuntime(ServerConfig config, Handler handler) {
        this.config = config;
        this.engine = new Engine("throng", handler, config.limits(), config.waterMarks(), config.buffers(), config.socket());
    }

    /** Binds and starts a server; on failure nothing is left running. */
    public static ServerRuntime start(ServerConfig config, Handler handler) throws IOException {
        ServerRuntime r = new ServerRuntime(config, handler);
        try {
            r.startModel();
        } catch (IOException | RuntimeException e) {
            r.forceStop();
            throw e;
        }
        return r;
    }

    private void startModel() throws IOException {
        transport = Transports.resolve(config.transport());
        InetSocketAddress bind = new InetSocketAddress(config.host(), config.port());
        switch (config.model()) {
            case VIRTUAL_THREADS, PLATFORM_THREADS -> {
                threads = new ThreadPerConnection(engine, bind, config.model() == io.throng.core.config.Model.VIRTUAL_THREADS,
                        transport);
                address = threads.address();
                threads.start();
            }
            case SINGLE_REACTOR, MULTI_REACTOR, WORKER_POOL -> startLoops(bind);
            case LEADER_FOLLOWER -> {
                if (transport != TransportKind.EPOLL) {
                    throw new IllegalStateException("leader-follower runs on the epoll transport only"
                            + (config.transport() == TransportKind.AUTO ? " (epoll cannot run here: "
                            + Transports.epollUnavailableReason() + ")" : "")
                            + ": it needs one-shot registration in an epoll set shared by several threads, which a "
                            + "JDK Selector (selected by one thread at a time) cannot express; on nio, worker-pool is the "
                            + "nearest design");
                }
                leaderFollower = new LeaderFollower(engine, bind, config.loops(), config.workers().threads());
                address = leaderFollower.address();
                try {
                    leaderFollower.start();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while starting", e);
                }
            }
        }
    }

    private void startLoops(InetSocketAddress bind) throws IOException {
        int n = config.effectiveLoops();
        if (config.model() == io.throng.core.config.Model.WORKER_POOL) {
            pool = new WorkerPool(engine, config.workers());
        }
        for (int i = 0; i < n; i++) {
            EventLoop loop = newLoop(i, pool, "throng-loop-" + i);
            loops.add(loop);
            loop.start();
        }
        if (pool != null) {
            pool.start();
        }
        AcceptMode mode = n == 1 ? AcceptMode.REUSEPORT : config.acceptMode();
        if (mode == AcceptMode.REUSEPORT) {
            // One listener per loop, all on one port: the kernel spreads connections over them.
            InetSocketAddress at = bind;
            for (EventLoop loop : loops) {
                at = listen(loop, at, n > 1, null);
                if (address == null) {
                    address = at;
                }
            }
        } else {
            acceptorLoop = newLoop(-1, null, "throng-acceptor");
            acceptorLoop.start();
            address = listen(acceptorLoop, bind, false, loops.toArray(new EventLoop[0]));
        }
    }

    private EventLoop newLoop(int index, WorkerPool workers, String name) throws IOException {
        return transport == TransportKind.EPOLL ? new EpollLoop(index, engine, workers, name)
                : new NioLoop(index, engine, workers, name);
    }

    /** Binds a listener for {@code loop} (handing sockets to {@code targets} if given); returns its address. */
    private InetSocketAddress listen(EventLoop loop, InetSocketAddress at, boolean reusePort, EventLoop[] targets)
            throws IOException {
        AdmissionGate gate = pool == null ? null : pool.gate;
        Listener l;
        InetSocketAddress bound;
        if (transport == TransportKind.EPOLL) {
            int fd = EpollSockets.listen(at, config.socket(), reusePort);
            bound = EpollSockets.localAddress(fd);
            l = new EpollListener((EpollLoop) loop, fd, bound.toString(), targets, gate);
        } else {
            ServerSocketChannel ch = Sockets.listen(at, config.socket(), reusePort);
            bound = localAddress(ch);
            l = new NioListener((NioLoop) loop, ch, targets, gate);
        }
        register(loop, l);
        return bound;
    }

    private static InetSocketAddress localAddress(ServerSocketChannel ch) {
        try {
            return (InetSocketAddress) ch.getLocalAddress();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void register(EventLoop loop, Listener l) throws IOException {
        if (pool != null) {
            pool.gate.add(l);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                l.register();
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            l.closeSocket();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (Exception e) {
            l.closeSocket();
            throw new IOException("listener registration failed", e);
        }
    }

    /** The transport that runs (auto resolved). */
    public TransportKind transport() {
        return transport;
    }

    public InetSocketAddress address() {
        return address;
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
                m.overflowed.sum(),
                pool != null ? pool.threads() : leaderFollower != null ? leaderFollower.threads() : 0,
                pool != null ? pool.busyWorkers() : leaderFollower != null ? leaderFollower.busyThreads() : 0,
                pool == null ? 0 : pool.queued(),
                b.lentBuffers(), b.lentBytes(), b.allocatedBytes());
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
        stopAccepting();
        if (threads != null) {
            threads.shutdownConnections();
        } else if (leaderFollower != null) {
            leaderFollower.shutdownConnections();
        } else {
            for (EventLoop loop : loops) {
                loop.execute(loop::shutdownConnections);
            }
        }
        boolean clean = awaitNoConnections(deadline);
        if (!clean) {
            if (threads != null) {
                threads.failConnections();
            } else if (leaderFollower != null) {
                leaderFollower.failConnections();
            } else {
                for (EventLoop loop : loops) {
                    loop.execute(loop::failConnections);
                }
            }
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

    private void stopAccepting() {
        if (threads != null) {
            threads.stopAccepting();
        }
        if (leaderFollower != null) {
            leaderFollower.stopAccepting();
        }
        if (acceptorLoop != null) {
            acceptorLoop.stop();
        }
        if (acceptorLoop == null && threads == null && leaderFollower == null) {
            for (EventLoop loop : loops) {
                loop.execute(loop::closeListeners);
            }
        }
    }

    /** Stops every thread and frees the pool. */
    private void forceStop() {
        try {
            if (threads != null) {
                threads.stop();
            }
            if (leaderFollower != null) {
                leaderFollower.stop();
            }
            if (pool != null) {
                pool.stop(1000);
            }
            if (acceptorLoop != null) {
                acceptorLoop.stop();
                acceptorLoop.awaitTermination(5000);
            }
            for (EventLoop loop : loops) {
                loop.stop();
            }
            for (EventLoop loop : loops) {
                loop.awaitTermination(5000);
            }
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
