package io.throng.rpc.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.throng.core.net.Server;
import io.throng.core.ServerStats;
import io.throng.rpc.conn.LimitedLog;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * A tRPC server: services on one address, served by the throng engine under the model and
 * transport the options name.
 *
 * <pre>{@code
 * RpcService echo = RpcService.builder("trpc.throng.echo.Echo")
 *         .unary("Echo", req -> RpcReply.of(req.body()))
 *         .build();
 * try (RpcServer server = RpcServer.start(RpcServerOptions.defaults(), List.of(echo))) { ... }
 * }</pre>
 */
public final class RpcServer implements AutoCloseable {
    static final System.Logger LOG = System.getLogger("io.throng.rpc.server");

    private final RpcServerOptions options;
    /** The engine server (TCP), or null. */
    private final Server engine;
    /** The UDP server, or null. */
    private final UdpServer udp;
    private final ServerCounters counters;
    private final ExecutorService workers;
    private final Router router;
    private volatile boolean stopped;

    private RpcServer(RpcServerOptions options, Server engine, UdpServer udp, ServerCounters counters,
                      ExecutorService workers, Router router) {
        this.options = options;
        this.engine = engine;
        this.udp = udp;
        this.counters = counters;
        this.workers = workers;
        this.router = router;
    }

    public static RpcServer start(RpcServerOptions options, List<RpcService> services) throws IOException {
        RpcProtocol protocol = RpcProtocol.of(options, services);
        try {
            if (options.network() == RpcServerOptions.Network.UDP) {
                UdpServer udp = UdpServer.start(options.engine().host(), options.engine().port(), protocol.unary(),
                        options.effectiveFrameLimits(), new LimitedLog("io.throng.rpc.server", 20), protocol.counters().malformed);
                return new RpcServer(options, null, udp, protocol.counters(), protocol.workers(), protocol.router());
            }
            Server engine = Server.start(options.effectiveEngine(), protocol);
            return new RpcServer(options, engine, null, protocol.counters(), protocol.workers(), protocol.router());
        } catch (IOException | RuntimeException e) {
            protocol.close();
            throw e;
        }
    }

    public static RpcServer start(RpcServerOptions options, RpcService... services) throws IOException {
        return start(options, List.of(services));
    }

    public RpcServerOptions options() {
        return options;
    }

    public InetSocketAddress address() {
        return engine != null ? engine.address() : udp.address();
    }

    public int port() {
        return address().getPort();
    }

    public Set<String> serviceNames() {
        return router.serviceNames();
    }

    /**
     * Counts and times this server's unary calls in {@code registry}, tagged with {@code tags}
     * and each method's {@code service} and {@code method}: {@code throng.rpc.calls} by
     * {@code ret}/{@code type} and the {@code throng.rpc.call.duration} histogram (see
     * {@code CallMeters}). Bound after the server starts, not through the options, because the
     * tags that tell servers apart (their bound {@code ip:port}) are known only then, as for the
     * engine's meters; calls dispatched before this are not counted. Each method's meters are
     * made here, once, and kept on its route, so that a call looks nothing up; a server never
     * bound pays a null check per call. Once per server (IllegalStateException after);
     * {@code io.throng.metrics.RpcMeters} calls this along with the request counters.
     */
    public void bindCallMeters(MeterRegistry registry, Iterable<Tag> tags) {
        router.bindMeters(Objects.requireNonNull(registry, "registry"), Tags.of(tags));
    }

    public RpcServerStats stats() {
        return counters.snapshot();
    }

    /** The engine's connection, byte and buffer counters; null for a UDP server (no connections). */
    public ServerStats engineStats() {
        return engine == null ? null : engine.stats();
    }

    /** Returns free pooled memory beyond the retention limit to the OS (see {@link Server#trimBuffers()}). */
    public long trimBuffers() {
        return engine == null ? 0 : engine.trimBuffers();
    }

    /**
     * Graceful stop: requests already being handled get up to half of {@code timeout} to finish and
     * reply while the server still serves, then the engine stops accepting, drains what is queued
     * and closes every connection within the rest.
     *
     * @return true if everything closed cleanly in time
     */
    public synchronized boolean shutdown(Duration timeout) {
        if (stopped) {
            return true;
        }
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos() / 2;
        while (counters.inFlight() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean clean = true;
        if (engine != null) {
            clean = engine.shutdown(timeout.dividedBy(2));
        } else {
            udp.close();
        }
        workers.shutdownNow();
        return clean;
    }

    @Override
    public void close() {
        shutdown(options.engine().shutdownTimeout());
    }
}
