package io.throng.rpc.config;

import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClient;
import io.throng.rpc.client.RpcClientOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One {@code client.service[]} entry: a backend and how to reach it.
 *
 * @param name        the backend's name (the callee, unless {@code callee} says otherwise)
 * @param callee      the callee name sent in requests
 * @param targets     addresses from {@code target: ip://host:port[,host:port...]}
 * @param transport   the engine transport, after fallback
 * @param timeout     per-call timeout
 * @param connType    multiplexed or pooled
 * @param multiplexed the multiplexed client's settings
 * @param pool        the pooled client's settings
 */
public record BackendSettings(String name, String callee, List<InetSocketAddress> targets, TransportChoice transport,
                              Duration timeout, ConnType connType, RpcClientOptions.Multiplexed multiplexed,
                              RpcClientOptions.Pool pool, io.throng.core.tls.TlsClientConfig tls) {

    /** tRPC-Go's {@code conn_type}. */
    public enum ConnType {
        MULTIPLEXED, POOLED;

        static ConnType parse(String s, String path) {
            return switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "multiplexed" -> MULTIPLEXED;
                case "pooled", "pool", "connpool" -> POOLED;
                default -> throw new IllegalArgumentException(path + " must be multiplexed or pooled, got '" + s + "'");
            };
        }
    }

    public BackendSettings {
        Objects.requireNonNull(name, "name");
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("client service " + name + " has no target");
        }
        if (transport.udp()) {
            throw new IllegalArgumentException("client service " + name + ": network " + transport.network()
                    + " cannot be used: throng's clients speak tRPC over TCP only (the server also serves UDP)");
        }
    }

    public RpcClientOptions options() {
        RpcClientOptions base = RpcClientOptions.to(targets.getFirst()).withTargets(targets);
        return base.withDefaults(CallOptions.DEFAULT.withTimeout(timeout).withCallee(callee))
                .withEngine(base.engine().withTransport(transport.kind()).withTls(tls))
                .withMultiplexed(multiplexed).withPool(pool);
    }

    /** Starts the client {@code conn_type} names. */
    public RpcClient start() throws IOException {
        transport.logFallback("client service " + name);
        return connType == ConnType.MULTIPLEXED ? MultiplexedClient.start(options()) : PooledClient.start(options());
    }

    /** {@code ip://127.0.0.1:8000,127.0.0.1:8001} or a bare {@code host:port} list. */
    static List<InetSocketAddress> parseTarget(String target, String path) {
        String t = target.strip();
        if (t.contains("://")) {
            String scheme = t.substring(0, t.indexOf("://"));
            if (!scheme.equals("ip")) {
                throw new IllegalArgumentException(path + ": only ip:// targets are supported (no naming service), got " + target);
            }
            t = t.substring(t.indexOf("://") + 3);
        }
        List<InetSocketAddress> out = new ArrayList<>();
        for (String hp : t.split(",")) {
            int colon = hp.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(path + ": '" + hp + "' is not host:port");
            }
            try {
                out.add(new InetSocketAddress(hp.substring(0, colon).strip(), Integer.parseInt(hp.substring(colon + 1).strip())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + ": '" + hp + "' is not host:port (" + e.getMessage() + ")");
            }
        }
        return out;
    }
}
