package io.throng.metrics;

import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the admin port listens.
 *
 * @param host           the address to bind. Default 127.0.0.1: the port answers anyone who reaches
 *                       it (it can change log levels and shows the configuration), so opening it
 *                       to the network is a deliberate choice (0.0.0.0, or an interface's address)
 * @param port           the port; 0 picks a free one
 * @param requestTimeout a connection must deliver a whole request within this, and a kept-alive one
 *                       is closed after this long without one; a slow client gets 408. Default
 *                       3 s (tRPC-Go's admin read_timeout)
 * @param maxConnections connections at once; past it the port stops accepting until one closes.
 *                       Default 64: a scraper or two and an operator need a handful, and a flood
 *                       holds no more than 64 threads and buffers
 */
public record AdminConfig(String host, int port, Duration requestTimeout, int maxConnections) {

    public AdminConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin port must be within 0..65535, got " + port);
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, got " + requestTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be >= 1, got " + maxConnections);
        }
    }

    public static AdminConfig defaults() {
        return new AdminConfig("127.0.0.1", 0, Duration.ofSeconds(3), 64);
    }

    public AdminConfig withHost(String v) {
        return new AdminConfig(v, port, requestTimeout, maxConnections);
    }

    public AdminConfig withPort(int v) {
        return new AdminConfig(host, v, requestTimeout, maxConnections);
    }

    public AdminConfig withRequestTimeout(Duration v) {
        return new AdminConfig(host, port, v, maxConnections);
    }

    public AdminConfig withMaxConnections(int v) {
        return new AdminConfig(host, port, requestTimeout, v);
    }
}
