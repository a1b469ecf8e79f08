package io.throng.core.net;

import io.throng.core.Handler;
import io.throng.core.ServerStats;
import io.throng.core.buffer.BufferPool;
import io.throng.core.config.ServerConfig;
import io.throng.core.engine.ServerRuntime;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * A running server: one {@link ServerConfig}, one {@link Handler}, the model the config names.
 *
 * <pre>{@code
 * try (Server server = Server.start(ServerConfig.defaults().withPort(0), new EchoHandler())) {
 *     System.out.println("listening on " + server.address());
 *     ...
 * }
 * }</pre>
 *
 * {@link #close()} is a graceful shutdown bounded by {@link ServerConfig#shutdownTimeout()}.
 */
public final class Server implements AutoCloseable {
    private final ServerConfig config;
    private final ServerRuntime runtime;
    private volatile boolean stopped;

    private Server(ServerConfig config, ServerRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
    }

    /** Binds and starts; throws if the address cannot be bound. */
    public static Server start(ServerConfig config, Handler handler) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(handler, "handler");
        return new Server(config, ServerRuntime.start(config, handler));
    }

    public ServerConfig config() {
        return config;
    }

    /** The bound address (with the real port when the config asked for port 0). */
    public InetSocketAddress address() {
        return runtime.address();
    }

    public int port() {
        return runtime.address().getPort();
    }

    /** The transport that runs: {@code auto} resolved to epoll or nio. */
    public io.throng.core.config.TransportKind transport() {
        return runtime.transport();
    }

    /** The TLS layer's counters (handshakes, failures by kind), or null without TLS. */
    public io.throng.core.tls.TlsHandler.Stats tlsStats() {
        return runtime.tlsStats();
    }

    public ServerStats stats() {
        return runtime.stats();
    }

    /** The pool that lends this server's buffers (for accounting and tests). */
    public BufferPool bufferPool() {
        return runtime.bufferPool();
    }

    /**
     * A live view of the server for an operator ({@code GET /dump} on the admin port): its figures,
     * each loop or thread group with its connections counted by state and the first {@code firstN}
     * of each described, the buffer pool. Bounded at any connection count; each loop walks its own
     * connections, and one that does not answer within two seconds (a handler holding it) is shown
     * as such.
     */
    public io.throng.core.Dump dump(int firstN) {
        return runtime.dump(config.model().toString(), firstN, java.time.Duration.ofSeconds(2));
    }

    /** Returns free pooled memory beyond the retention limit to the OS; returns the bytes released. */
    public long trimBuffers() {
        return runtime.trimBuffers();
    }

    /**
     * Graceful shutdown: stop accepting; let every connection handle the bytes it already
     * received, write what is queued and close; after {@code timeout} close whatever is left.
     *
     * @return true if every connection closed by itself within the timeout
     */
    public synchronized boolean shutdown(Duration timeout) {
        if (stopped) {
            return true;
        }
        stopped = true;
        return runtime.shutdown(timeout);
    }

    @Override
    public void close() {
        shutdown(config.shutdownTimeout());
    }
}
