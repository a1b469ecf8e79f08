package io.throng.rpc.server;

import io.throng.core.config.ServerConfig;
import io.throng.rpc.frame.FrameLimits;
import java.time.Duration;
import java.util.Objects;

/**
 * An RPC server's settings on top of the engine's.
 *
 * @param engine                the engine configuration: address, model, transport, limits
 * @param frameLimits           frame and header size bounds
 * @param maxConcurrentRequests requests being handled at once, across connections; past it a
 *                              request is answered at once with ret 22 (overload) instead of
 *                              queueing. 10,000 by default: each waiting request holds its body and
 *                              a virtual thread (~1 KB), so this bounds memory to what a burst needs
 * @param idleTimeout           a connection with no traffic and no request in flight for this long
 *                              is closed; 60 s by default as in tRPC-Go (a slow call in flight never
 *                              counts as idle); zero for never
 */
public record RpcServerOptions(ServerConfig engine, FrameLimits frameLimits, int maxConcurrentRequests,
                               Duration idleTimeout, Network network) {

    /** TCP (the engine, every model) or UDP (one frame per datagram, on a JDK DatagramChannel). */
    public enum Network { TCP, UDP }

    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 10_000;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public RpcServerOptions {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(frameLimits, "frameLimits");
        if (maxConcurrentRequests < 1) {
            throw new IllegalArgumentException("maxConcurrentRequests must be >= 1, got " + maxConcurrentRequests);
        }
        if (idleTimeout == null || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must be zero or positive, got " + idleTimeout);
        }
        Objects.requireNonNull(network, "network");
    }

    public static RpcServerOptions defaults() {
        return new RpcServerOptions(ServerConfig.defaults(), FrameLimits.DEFAULT, DEFAULT_MAX_CONCURRENT_REQUESTS,
                DEFAULT_IDLE_TIMEOUT, Network.TCP);
    }

    public RpcServerOptions withEngine(ServerConfig v) {
        return new RpcServerOptions(v, frameLimits, maxConcurrentRequests, idleTimeout, network);
    }

    public RpcServerOptions withFrameLimits(FrameLimits v) {
        return new RpcServerOptions(engine, v, maxConcurrentRequests, idleTimeout, network);
    }

    public RpcServerOptions withMaxConcurrentRequests(int v) {
        return new RpcServerOptions(engine, frameLimits, v, idleTimeout, network);
    }

    public RpcServerOptions withIdleTimeout(Duration v) {
        return new RpcServerOptions(engine, frameLimits, maxConcurrentRequests, v, network);
    }

    public RpcServerOptions withNetwork(Network v) {
        return new RpcServerOptions(engine, frameLimits, maxConcurrentRequests, idleTimeout, v);
    }

    /** The frame limits really applied: over UDP a frame must fit one datagram. */
    public FrameLimits effectiveFrameLimits() {
        return network == Network.UDP && frameLimits.maxFrameSize() > UdpServer.MAX_DATAGRAM
                ? frameLimits.withMaxFrameSize(UdpServer.MAX_DATAGRAM) : frameLimits;
    }

    /**
     * The engine configuration the server really runs: the engine must hold a whole frame
     * unconsumed (max-inbound-bytes) and queue at least two maximal replies (max-queued-bytes),
     * so both are raised to fit the frame limit when they are below it.
     */
    public ServerConfig effectiveEngine() {
        var l = engine.limits();
        int frame = frameLimits.maxFrameSize();
        return engine.withLimits(l.withMaxInboundBytes(Math.max(l.maxInboundBytes(), frame))
                .withMaxQueuedBytes(Math.max(l.maxQueuedBytes(), 2L * frame)));
    }

    public String describe() {
        return effectiveEngine().describe()
                + "  rpc\n"
                + "    network: " + network.name().toLowerCase(java.util.Locale.ROOT) + "\n"
                + "    max-frame-size: " + effectiveFrameLimits().maxFrameSize() + " B\n"
                + "    max-header-size: " + frameLimits.maxHeaderSize() + " B\n"
                + "    max-concurrent-requests: " + maxConcurrentRequests + "\n"
                + "    idle-timeout: " + (idleTimeout.isZero() ? "none" : idleTimeout.toMillis() + " ms") + "\n";
    }
}
