package io.throng.metrics;

import io.throng.core.config.Limits;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.net.Server;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketProtocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The admin port: {@code GET /metrics} for Prometheus, tRPC-Go's admin commands (see
 * {@link AdminRoutes}) and a status page for people at {@code GET /} ({@link StatusPage}), on a
 * small throng server of its own, apart from the port it watches.
 *
 * <pre>{@code
 * ThrongMetrics metrics = ThrongMetrics.withJvm().bind(ServerMeters.of(server));
 * try (AdminServer admin = AdminServer.start(AdminConfig.defaults().withPort(9028), metrics,
 *         () -> ConfigJson.fromDescribe(server.config().describe()))) {
 *     ...
 * }
 * }</pre>
 *
 * Its HTTP/1.1 is the WebSocket server's HTTP phase, which already parses request heads strictly
 * and in place: a head over 8 KiB gets 431, a malformed one 400, a request not complete within
 * {@link AdminConfig#requestTimeout} 408; keep-alive and Content-Length as RFC 9112 says. It never
 * upgrades. Each connection runs on a virtual thread, so a scrape (a few milliseconds of JVM
 * meters) blocks no event loop, and the port shares nothing with the server it reports on.
 */
public final class AdminServer implements AutoCloseable {
    /** The largest request head; more is 431. 8 KiB, as nginx's large header buffer: the commands need a few hundred bytes. */
    static final int MAX_REQUEST_HEAD_BYTES = 8 * 1024;
    /** Closing waits this long for answers being written: they are small, and an operator is waiting for the stop. */
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(1);

    private final Server server;

    private AdminServer(Server server) {
        this.server = server;
    }

    /**
     * Binds and starts; throws if the address cannot be bound.
     *
     * @param configJson the effective configuration as a JSON object, for {@code /cmds/config};
     *                   asked on every request, so it may change. It must hold no secret.
     */
    public static AdminServer start(AdminConfig config, ThrongMetrics metrics, Supplier<String> configJson)
            throws IOException {
        return start(config, metrics, configJson, null);
    }

    /**
     * As above, with {@code GET /dump}: {@code dump} gives the live view as text, describing at most
     * the given number of connections per loop or thread group (e.g. {@code n -> server.dump(n).toText()}).
     */
    public static AdminServer start(AdminConfig config, ThrongMetrics metrics, Supplier<String> configJson,
                                    java.util.function.IntFunction<String> dump) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(configJson, "configJson");
        WebSocketConfig http = WebSocketConfig.defaults().withMaxRequestHeadBytes(MAX_REQUEST_HEAD_BYTES)
                .withHandshakeTimeout(config.requestTimeout()).withMaxHandshakesInFlight(config.maxConnections());
        WebSocketProtocol protocol = WebSocketProtocol.server(new WebSocketHandler() { })
                .config(http).hook(new AdminRoutes(metrics, configJson, dump)).build();
        // NIO: a request every few seconds needs no native transport, and none of the watched server's choices
        ServerConfig engine = ServerConfig.defaults().withHost(config.host()).withPort(config.port())
                .withModel(Model.VIRTUAL_THREADS).withTransport(TransportKind.NIO)
                .withLimits(Limits.DEFAULT.withMaxConnections(config.maxConnections()))
                .withShutdownTimeout(SHUTDOWN_TIMEOUT);
        return new AdminServer(Server.start(engine, protocol));
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    /** {@code http://host:port}, for logs and for people. */
    public String url() {
        String h = server.address().getHostString();
        return "http://" + (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port();
    }

    /** The admin port's own engine (its connection counts are not the watched server's). */
    public Server engine() {
        return server;
    }

    @Override
    public void close() {
        server.close();
    }
}
