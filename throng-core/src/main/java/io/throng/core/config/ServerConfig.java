package io.throng.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Everything a server needs, as one tree of validated records with defaults. Code and the CLI (and,
 * later, YAML) all build this same tree; {@link #describe()} prints the effective configuration.
 *
 * @param host            the address to bind
 * @param port            the port to bind; 0 picks a free one
 * @param model           who waits for readiness and who runs the handler
 * @param transport       the readiness mechanism
 * @param loops           event loops for multi-reactor and worker-pool (single-reactor always has 1)
 * @param acceptMode      how a multi-loop server spreads new connections over its loops
 * @param workers         the worker-pool model's pool
 * @param limits          per-connection and server-wide bounds
 * @param waterMarks      backpressure thresholds on queued bytes
 * @param buffers         read buffers and the pool
 * @param socket          socket options
 * @param shutdownTimeout how long a graceful shutdown lets queued writes drain before closing all
 * @param tls             TLS for every connection (the handler sees plain text), or null for none
 */
public record ServerConfig(String host, int port, Model model, TransportKind transport, int loops,
                           AcceptMode acceptMode, WorkerPoolConfig workers, Limits limits,
                           WaterMarks waterMarks, BufferConfig buffers, SocketOptions socket,
                           Duration shutdownTimeout, io.throng.core.tls.TlsConfig tls) {

    /** Loops default to the core count: one loop per core keeps every core busy without contention. */
    public static final int DEFAULT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(acceptMode, "acceptMode");
        Objects.requireNonNull(workers, "workers");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(waterMarks, "waterMarks");
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(socket, "socket");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
        if (loops < 1 || loops > 1024) {
            throw new IllegalArgumentException("loops must be within 1..1024, got " + loops);
        }
        if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
            throw new IllegalArgumentException("shutdownTimeout must be zero or positive, got " + shutdownTimeout);
        }
        if (waterMarks.high() > limits.maxQueuedBytes()) {
            throw new IllegalArgumentException("the high water mark (" + waterMarks.high()
                    + ") must not exceed maxQueuedBytes (" + limits.maxQueuedBytes() + ")");
        }
    }

    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8972, Model.MULTI_REACTOR, TransportKind.AUTO, DEFAULT_LOOPS,
                AcceptMode.REUSEPORT, WorkerPoolConfig.DEFAULT, Limits.DEFAULT, WaterMarks.DEFAULT,
                BufferConfig.DEFAULT, SocketOptions.DEFAULT, Duration.ofSeconds(10), null);
    }

    /** The number of loops this configuration really runs. */
    public int effectiveLoops() {
        return switch (model) {
            case SINGLE_REACTOR -> 1;
            case MULTI_REACTOR, WORKER_POOL, LEADER_FOLLOWER -> loops;
            case VIRTUAL_THREADS, PLATFORM_THREADS -> 0;
        };
    }

    public ServerConfig withHost(String v) {
        return new ServerConfig(v, port, model, transport, loops, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withPort(int v) {
        return new ServerConfig(host, v, model, transport, loops, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withModel(Model v) {
        return new ServerConfig(host, port, v, transport, loops, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withTransport(TransportKind v) {
        return new ServerConfig(host, port, model, v, loops, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withLoops(int v) {
        return new ServerConfig(host, port, model, transport, v, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withAcceptMode(AcceptMode v) {
        return new ServerConfig(host, port, model, transport, loops, v, workers, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withWorkers(WorkerPoolConfig v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, v, limits, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withLimits(Limits v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, v, waterMarks, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withWaterMarks(WaterMarks v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, limits, v, buffers, socket, shutdownTimeout, tls);
    }

    public ServerConfig withBuffers(BufferConfig v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, limits, waterMarks, v, socket, shutdownTimeout, tls);
    }

    public ServerConfig withSocket(SocketOptions v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, limits, waterMarks, buffers, v, shutdownTimeout, tls);
    }

    public ServerConfig withShutdownTimeout(Duration v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, limits, waterMarks, buffers, socket, v, tls);
    }

    /** The effective configuration as indented YAML-like lines, printed by servers at start. */
    /** The same server with TLS on every connection ({@code null} for none). */
    public ServerConfig withTls(io.throng.core.tls.TlsConfig v) {
        return new ServerConfig(host, port, model, transport, loops, acceptMode, workers, limits, waterMarks, buffers, socket, shutdownTimeout, v);
    }

    public String describe() {
        ConfigText t = new ConfigText();
        t.line(0, "server");
        t.value(1, "host", host);
        t.value(1, "port", port);
        t.value(1, "model", model);
        t.value(1, "transport", transport);
        int effective = effectiveLoops();
        if (model == Model.LEADER_FOLLOWER) {
            t.value(1, "groups", loops);
            t.value(1, "threads-per-group", workers.threads());
        } else {
            t.value(1, "loops", effective == 0 ? "none (thread per connection)" : effective);
            if (effective > 1) {
                t.value(1, "accept", acceptMode);
            }
        }
        if (model == Model.WORKER_POOL) {
            t.line(1, "workers");
            t.value(2, "threads", workers.threads());
            t.value(2, "queue", workers.queueCapacity());
            t.value(2, "virtual", workers.virtualThreads());
        }
        t.limits(1, limits);
        t.waterMarks(1, waterMarks);
        t.buffers(1, buffers);
        t.socket(1, socket);
        t.value(1, "shutdown-timeout", ConfigText.duration(shutdownTimeout));
        if (tls != null) {
            t.line(1, "tls");
            t.value(2, "certificates", tls.credentials().stream().map(c -> c.files().get(0).toString()).toList());
            t.value(2, "protocols", String.join(", ", tls.protocols()));
            if (!tls.alpn().isEmpty()) {
                t.value(2, "alpn", String.join(", ", tls.alpn()));
            }
            t.value(2, "client-auth", tls.clientAuth());
            t.value(2, "handshake-timeout", ConfigText.duration(tls.handshakeTimeout()));
            t.value(2, "reload-check", ConfigText.duration(tls.reloadCheck()));
        }
        return t.toString();
    }
}
