package io.throng.core.net;

import io.throng.core.Handler;
import io.throng.core.Connection;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.ClientConfig;
import io.throng.core.engine.ClientRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Outgoing connections on the engine's loops, each served by one {@link Handler} as a server's are.
 * The load generator, the tests and the protocol clients use it.
 */
public final class Client implements AutoCloseable {
    private final ClientConfig config;
    private final ClientRuntime runtime;

    private Client(ClientConfig config, ClientRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
    }

    public static Client start(ClientConfig config, Handler handler) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        return new Client(config, new ClientRuntime(config, handler));
    }

    public ClientConfig config() {
        return config;
    }

    /** Connects to {@code remote}; the future completes after the handler's onOpen. */
    public CompletableFuture<Connection> connect(InetSocketAddress remote) {
        return runtime.connect(remote, null, null);
    }

    /** Connects from {@code local} (a source address such as 127.0.0.7:0) to {@code remote}. */
    public CompletableFuture<Connection> connect(InetSocketAddress remote, InetSocketAddress local) {
        return runtime.connect(remote, local, null);
    }

    /**
     * Connects as {@link #connect(InetSocketAddress, InetSocketAddress)} ({@code local} may be null),
     * with {@code attachment} already attached when the handler's onOpen runs. A protocol client
     * needs this to know, in onOpen, which request a connection belongs to (the handler is shared
     * by every connection, and attaching after the future completes would race with the first bytes).
     */
    public CompletableFuture<Connection> connect(InetSocketAddress remote, InetSocketAddress local, Object attachment) {
        return runtime.connect(remote, local, attachment);
    }

    /** The TLS layer's counters (handshakes, failures by kind), or null without TLS. */
    public io.throng.core.tls.TlsHandler.Stats tlsStats() {
        return runtime.tlsStats();
    }

    public ServerStats stats() {
        return runtime.stats();
    }

    public BufferPool bufferPool() {
        return runtime.bufferPool();
    }

    /** Closes every connection gracefully, waiting up to {@code timeout}, and stops. */
    public void close(Duration timeout) {
        runtime.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
