package io.throng.websocket;

import io.throng.core.net.Server;
import io.throng.core.ServerStats;
import io.throng.core.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A throng {@link Server} running a {@link WebSocketProtocol}, with a WebSocket-aware shutdown:
 * open connections are told "going away" (1001) and given a moment to answer before the engine's
 * graceful shutdown closes what is left.
 */
public final class WebSocketServer implements AutoCloseable {
    private final Server server;
    private final WebSocketProtocol protocol;

    private WebSocketServer(Server server, WebSocketProtocol protocol) {
        this.server = server;
        this.protocol = protocol;
    }

    /**
     * Starts {@code protocol} under {@code config}'s model. The protocol need not know the model:
     * under every one, writes from other threads never wait for a socket.
     */
    public static WebSocketServer start(ServerConfig config, WebSocketProtocol protocol) throws IOException {
        return new WebSocketServer(Server.start(config, protocol), protocol);
    }

    /** Starts a server whose every connection is served by {@code handler}. */
    public static WebSocketServer start(ServerConfig config, WebSocketConfig wsConfig, WebSocketHandler handler)
            throws IOException {
        return start(config, WebSocketProtocol.server(handler).config(wsConfig).build());
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    public Server engine() {
        return server;
    }

    public WebSocketProtocol protocol() {
        return protocol;
    }

    public WebSocketStats stats() {
        return protocol.stats();
    }

    public ServerStats engineStats() {
        return server.stats();
    }

    /**
     * Says "going away" to every open connection, waits up to a quarter of {@code timeout} (at most
     * the close timeout) for their answers, then shuts the engine down gracefully within the rest.
     */
    public boolean shutdown(Duration timeout) {
        Duration wait = timeout.dividedBy(4);
        if (wait.compareTo(protocol.config().closeTimeout()) > 0) {
            wait = protocol.config().closeTimeout();
        }
        protocol.goingAway(wait);
        boolean clean = server.shutdown(timeout.minus(wait));
        protocol.release();
        return clean;
    }

    @Override
    public void close() {
        shutdown(server.config().shutdownTimeout());
    }
}
