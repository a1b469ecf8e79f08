package io.throng.websocket;

import io.throng.core.net.Client;
import io.throng.core.config.ClientConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * WebSocket client connections on the engine's client loops: many of them cheaply (each is a
 * session and a socket, like a server's), each with its own handler. Frames are masked with a
 * random key per frame (ThreadLocalRandom: the mask protects proxies from scripts a browser runs,
 * which is not this client's case; RFC 6455 section 10.3).
 *
 * <pre>{@code
 * try (WebSocketClient client = WebSocketClient.start(ClientConfig.defaults(), WebSocketConfig.defaults())) {
 *     WebSocket ws = client.connect(WebSocketRequest.to(URI.create("ws://127.0.0.1:8080/sub/news")), handler)
 *             .get(10, TimeUnit.SECONDS);
 *     ws.sendText("subscribe sport");
 * }
 * }</pre>
 */
public final class WebSocketClient implements AutoCloseable {
    private final Client client;
    private final ProtocolHandler protocol;

    private WebSocketClient(Client client, ProtocolHandler protocol) {
        this.client = client;
        this.protocol = protocol;
    }

    /**
     * Starts the client's loops. {@code wsConfig}'s deflate settings are what the client offers;
     * its idle timeout and pings apply to client connections too (zero turns them off).
     */
    public static WebSocketClient start(ClientConfig config, WebSocketConfig wsConfig) throws IOException {
        Endpoint endpoint = new Endpoint(true, wsConfig, new WebSocketHandler() {}, null, null, null);
        ProtocolHandler protocol = new ProtocolHandler(endpoint);
        return new WebSocketClient(Client.start(config, protocol), protocol);
    }

    /**
     * Connects and upgrades; the future completes with the open connection (after the handler's
     * onOpen), or fails with a {@link WebSocketHandshakeException} if the server refused.
     */
    public CompletableFuture<WebSocket> connect(WebSocketRequest request, WebSocketHandler handler) {
        Objects.requireNonNull(handler, "handler");
        ClientHandshake hs = new ClientHandshake(request, handler);
        client.connect(request.address(), request.localAddress(), hs).whenComplete((c, error) -> {
            if (error != null) {
                hs.future.completeExceptionally(error);
            }
        });
        return hs.future;
    }

    public WebSocketStats stats() {
        return protocol.stats();
    }

    /** The engine client underneath (its stats, its buffer pool). */
    public Client engine() {
        return client;
    }

    /** Closes every connection with 1001, waits for the answers (at most {@code timeout}), then stops. */
    public void close(Duration timeout) {
        Duration wait = timeout.dividedBy(2);
        protocol.goingAway(wait);
        client.close(timeout.minus(wait));
        protocol.endpoint().close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
