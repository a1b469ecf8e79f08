package io.throng.rpc.client;

import io.throng.core.config.ClientConfig;
import io.throng.rpc.frame.FrameLimits;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A client's settings.
 *
 * @param targets      the backend's addresses; calls are spread over them round-robin
 * @param defaults     per-call defaults (timeout, caller, callee, ...)
 * @param engine       the engine's client configuration (loops, transport, connect timeout, limits)
 * @param frameLimits  frame and header size bounds, for what we send and what we accept
 * @param multiplexed  the multiplexed client's settings
 * @param pool         the pooled client's settings
 */
public record RpcClientOptions(List<InetSocketAddress> targets, CallOptions defaults, ClientConfig engine,
                               FrameLimits frameLimits, Multiplexed multiplexed, Pool pool) {

    /**
     * @param maxVirConnsPerConn calls in flight on one connection before another is opened; 0 for
     *                           no limit (every call to an address shares one connection)
     * @param enableMetrics      log a status line every {@code metricsInterval} and publish the
     *                           {@code trpc.MuxConcurrentConnections}/{@code trpc.MuxConcurrentVirConns} gauges
     * @param metricsInterval    3 s, as in tnet
     */
    public record Multiplexed(int maxVirConnsPerConn, boolean enableMetrics, Duration metricsInterval) {
        public static final Multiplexed DEFAULT = new Multiplexed(0, false, Duration.ofSeconds(3));

        public Multiplexed {
            if (maxVirConnsPerConn < 0) {
                throw new IllegalArgumentException("maxVirConnsPerConn must be >= 0 (0: no limit), got " + maxVirConnsPerConn);
            }
            if (metricsInterval == null || metricsInterval.isNegative() || metricsInterval.isZero()) {
                throw new IllegalArgumentException("metricsInterval must be positive, got " + metricsInterval);
            }
        }

        public Multiplexed withMaxVirConnsPerConn(int v) {
            return new Multiplexed(v, enableMetrics, metricsInterval);
        }

        public Multiplexed withEnableMetrics(boolean v) {
            return new Multiplexed(maxVirConnsPerConn, v, metricsInterval);
        }
    }

    /**
     * @param maxActive   connections per address (each carries one call at a time)
     * @param idleTimeout an idle pooled connection is closed after this; zero for never. 50 s by
     *                    default, tRPC-Go's, shorter than servers' 60 s so the client closes first
     * @param maxWaiting  calls waiting for a free connection; past it a call fails at once with
     *                    ret 124 (client overload) rather than queueing without bound
     */
    public record Pool(int maxActive, Duration idleTimeout, int maxWaiting) {
        public static final Pool DEFAULT = new Pool(64, Duration.ofSeconds(50), 10_000);

        public Pool {
            if (maxActive < 1) {
                throw new IllegalArgumentException("maxActive must be >= 1, got " + maxActive);
            }
            if (idleTimeout == null || idleTimeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must be zero or positive, got " + idleTimeout);
            }
            if (maxWaiting < 0) {
                throw new IllegalArgumentException("maxWaiting must be >= 0, got " + maxWaiting);
            }
        }

        public Pool withMaxActive(int v) {
            return new Pool(v, idleTimeout, maxWaiting);
        }

        public Pool withIdleTimeout(Duration v) {
            return new Pool(maxActive, v, maxWaiting);
        }

        public Pool withMaxWaiting(int v) {
            return new Pool(maxActive, idleTimeout, v);
        }
    }

    public RpcClientOptions {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("at least one target address is required");
        }
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(frameLimits, "frameLimits");
        Objects.requireNonNull(multiplexed, "multiplexed");
        Objects.requireNonNull(pool, "pool");
    }

    /** Defaults for one address: 1 s connect timeout (tnet dials in 200 ms; loopback and LANs fit in 1 s). */
    public static RpcClientOptions to(InetSocketAddress target) {
        return new RpcClientOptions(List.of(target), CallOptions.DEFAULT,
                ClientConfig.defaults().withConnectTimeout(Duration.ofSeconds(1)), FrameLimits.DEFAULT,
                Multiplexed.DEFAULT, Pool.DEFAULT);
    }

    public RpcClientOptions withTargets(List<InetSocketAddress> v) {
        return new RpcClientOptions(v, defaults, engine, frameLimits, multiplexed, pool);
    }

    public RpcClientOptions withDefaults(CallOptions v) {
        return new RpcClientOptions(targets, v, engine, frameLimits, multiplexed, pool);
    }

    public RpcClientOptions withEngine(ClientConfig v) {
        return new RpcClientOptions(targets, defaults, v, frameLimits, multiplexed, pool);
    }

    public RpcClientOptions withFrameLimits(FrameLimits v) {
        return new RpcClientOptions(targets, defaults, engine, v, multiplexed, pool);
    }

    public RpcClientOptions withMultiplexed(Multiplexed v) {
        return new RpcClientOptions(targets, defaults, engine, frameLimits, v, pool);
    }

    public RpcClientOptions withPool(Pool v) {
        return new RpcClientOptions(targets, defaults, engine, frameLimits, multiplexed, v);
    }

    /** The engine configuration really used: it must hold one whole frame unconsumed and queue two. */
    public ClientConfig effectiveEngine() {
        var l = engine.limits();
        int frame = frameLimits.maxFrameSize();
        return engine.withLimits(l.withMaxInboundBytes(Math.max(l.maxInboundBytes(), frame))
                .withMaxQueuedBytes(Math.max(l.maxQueuedBytes(), 2L * frame)));
    }
}
