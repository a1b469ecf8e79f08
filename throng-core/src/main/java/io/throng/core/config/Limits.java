package io.throng.core.config;

import java.time.Duration;

/**
 * Bounds that keep one connection, or too many, from taking the server down.
 *
 * @param maxConnections  connections held at once; the excess is accepted and closed at once (0: no limit)
 * @param idleTimeout     close a connection that read and wrote nothing for this long (zero: never)
 * @param maxQueuedBytes  close a connection whose unsent bytes pass this
 * @param maxInboundBytes close a connection whose handler leaves more than this unconsumed
 * @param lingerTimeout   after a graceful close sends FIN, how long to wait for the peer's FIN
 */
public record Limits(int maxConnections, Duration idleTimeout, long maxQueuedBytes, int maxInboundBytes,
                     Duration lingerTimeout) {

    public static final Limits DEFAULT = new Limits(0, Duration.ZERO, 8L << 20, 8 << 20, Duration.ofSeconds(2));

    public Limits {
        if (maxConnections < 0) {
            throw new IllegalArgumentException("maxConnections must be >= 0 (0: no limit), got " + maxConnections);
        }
        requireNonNegative("idleTimeout", idleTimeout);
        requireNonNegative("lingerTimeout", lingerTimeout);
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes must be >= 1, got " + maxQueuedBytes);
        }
        if (maxInboundBytes < 1) {
            throw new IllegalArgumentException("maxInboundBytes must be >= 1, got " + maxInboundBytes);
        }
    }

    private static void requireNonNegative(String name, Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be zero or positive, got " + d);
        }
    }

    public Limits withMaxConnections(int v) {
        return new Limits(v, idleTimeout, maxQueuedBytes, maxInboundBytes, lingerTimeout);
    }

    public Limits withIdleTimeout(Duration v) {
        return new Limits(maxConnections, v, maxQueuedBytes, maxInboundBytes, lingerTimeout);
    }

    public Limits withMaxQueuedBytes(long v) {
        return new Limits(maxConnections, idleTimeout, v, maxInboundBytes, lingerTimeout);
    }

    public Limits withMaxInboundBytes(int v) {
        return new Limits(maxConnections, idleTimeout, maxQueuedBytes, v, lingerTimeout);
    }

    public Limits withLingerTimeout(Duration v) {
        return new Limits(maxConnections, idleTimeout, maxQueuedBytes, maxInboundBytes, v);
    }
}
