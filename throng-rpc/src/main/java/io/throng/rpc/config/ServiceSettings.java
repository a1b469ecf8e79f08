package io.throng.rpc.config;

import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.server.RpcServerOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * One {@code server.service[]} entry: a listener and what runs it.
 *
 * @param name          the service's configured name ({@code trpc.app.server.service})
 * @param ip            the address to bind
 * @param port          the port to bind (0: any)
 * @param transport     the engine transport, after fallback, and the network (udp: one frame per
 *                      datagram on a JDK DatagramChannel, the portable transport)
 * @param timeout       the service's own handler timeout (ret 21 past it); zero for none
 * @param maxRoutines   requests handled at once (tRPC-Go's {@code max_routines}); ret 22 past it
 * @param idleTimeout   idle connections are closed after this (tRPC-Go's {@code idletime})
 * @param model         the engine model (a throng key; tRPC-Go has none)
 * @param loops         event loops for the reactor models (a throng key)
 * @param maxFrameSize  the frame size limit (a throng key; 10 MiB by default)
 * @param tls           TLS from {@code tls_cert} and {@code tls_key} ({@code ca_cert}: clients must
 *                      present a certificate it signed), or null
 */
public record ServiceSettings(String name, String ip, int port, TransportChoice transport, Duration timeout,
                              int maxRoutines, Duration idleTimeout, Model model, int loops, int maxFrameSize,
                              io.throng.core.tls.TlsConfig tls) {

    public ServiceSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(model, "model");
    }

    /** The server options this entry describes (engine defaults for everything it does not say). */
    public RpcServerOptions options() {
        ServerConfig engine = ServerConfig.defaults().withHost(ip).withPort(port).withModel(model)
                .withTransport(transport.kind()).withLoops(loops).withTls(tls);
        return RpcServerOptions.defaults().withEngine(engine)
                .withFrameLimits(FrameLimits.DEFAULT.withMaxFrameSize(maxFrameSize))
                .withMaxConcurrentRequests(maxRoutines).withIdleTimeout(idleTimeout)
                .withNetwork(transport.udp() ? RpcServerOptions.Network.UDP : RpcServerOptions.Network.TCP);
    }
}
