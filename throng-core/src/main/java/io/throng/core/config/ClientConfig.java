package io.throng.core.config;

import java.time.Duration;
import java.util.Objects;

/**
 * A client's configuration: its connections run on reactor loops, as a multi-reactor server's do.
 *
 * @param loops          event loops; connections are spread over them round-robin
 * @param transport      the readiness mechanism
 * @param limits         per-connection bounds (maxConnections caps the client's open connections)
 * @param waterMarks     backpressure thresholds on queued bytes
 * @param buffers        read buffers and the pool
 * @param socket         socket options
 * @param connectTimeout a connection not established within this fails (the TLS handshake has its own timeout)
 * @param tls            TLS on every connection (the handler sees plain text), or null for none
 */
public record ClientConfig(int loops, TransportKind transport, Limits limits, WaterMarks waterMarks,
                           BufferConfig buffers, SocketOptions socket, Duration connectTimeout,
                           io.throng.core.tls.TlsClientConfig tls) {

    public ClientConfig {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(waterMarks, "waterMarks");
        Objects.requireNonNull(buffers, "buffers");
        Objects.requireNonNull(socket, "socket");
        if (loops < 1 || loops > 1024) {
            throw new IllegalArgumentException("loops must be within 1..1024, got " + loops);
        }
        if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive, got " + connectTimeout);
        }
        if (waterMarks.high() > limits.maxQueuedBytes()) {
            throw new IllegalArgumentException("the high water mark (" + waterMarks.high()
                    + ") must not exceed maxQueuedBytes (" + limits.maxQueuedBytes() + ")");
        }
    }

    public static ClientConfig defaults() {
        return new ClientConfig(ServerConfig.DEFAULT_LOOPS, TransportKind.AUTO, Limits.DEFAULT, WaterMarks.DEFAULT,
                BufferConfig.DEFAULT, SocketOptions.DEFAULT, Duration.ofSeconds(10), null);
    }

    public ClientConfig withLoops(int v) {
        return new ClientConfig(v, transport, limits, waterMarks, buffers, socket, connectTimeout, tls);
    }

    public ClientConfig withTransport(TransportKind v) {
        return new ClientConfig(loops, v, limits, waterMarks, buffers, socket, connectTimeout, tls);
    }

    public ClientConfig withLimits(Limits v) {
        return new ClientConfig(loops, transport, v, waterMarks, buffers, socket, connectTimeout, tls);
    }

    public ClientConfig withWaterMarks(WaterMarks v) {
        return new ClientConfig(loops, transport, limits, v, buffers, socket, connectTimeout, tls);
    }

    public ClientConfig withBuffers(BufferConfig v) {
        return new ClientConfig(loops, transport, limits, waterMarks, v, socket, connectTimeout, tls);
    }

    public ClientConfig withSocket(SocketOptions v) {
        return new ClientConfig(loops, transport, limits, waterMarks, buffers, v, connectTimeout, tls);
    }

    public ClientConfig withConnectTimeout(Duration v) {
        return new ClientConfig(loops, transport, limits, waterMarks, buffers, socket, v, tls);
    }

    /** The effective configuration as indented YAML-like lines. */
    public String describe() {
        ConfigText t = new ConfigText();
        t.line(0, "client");
        t.value(1, "loops", loops);
        t.value(1, "transport", transport);
        t.value(1, "connect-timeout", ConfigText.duration(connectTimeout));
        t.limits(1, limits);
        t.waterMarks(1, waterMarks);
        t.buffers(1, buffers);
        t.socket(1, socket);
        return t.toString();
    }

    /** The same client with TLS on every connection ({@code null} for none). */
    public ClientConfig withTls(io.throng.core.tls.TlsClientConfig v) {
        return new ClientConfig(loops, transport, limits, waterMarks, buffers, socket, connectTimeout, v);
    }
}
