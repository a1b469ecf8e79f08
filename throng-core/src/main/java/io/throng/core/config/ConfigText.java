package io.throng.core.config;

import java.time.Duration;

/** Renders configuration records as indented "key: value" lines (valid YAML). */
final class ConfigText {
    private final StringBuilder out = new StringBuilder();

    void line(int depth, String key) {
        out.append("  ".repeat(depth)).append(key).append(":\n");
    }

    void value(int depth, String key, Object value) {
        out.append("  ".repeat(depth)).append(key).append(": ").append(value).append('\n');
    }

    void limits(int depth, Limits l) {
        line(depth, "limits");
        value(depth + 1, "max-connections", l.maxConnections() == 0 ? "unlimited" : l.maxConnections());
        value(depth + 1, "idle-timeout", l.idleTimeout().isZero() ? "none" : duration(l.idleTimeout()));
        value(depth + 1, "max-queued-bytes", bytes(l.maxQueuedBytes()));
        value(depth + 1, "max-inbound-bytes", bytes(l.maxInboundBytes()));
        value(depth + 1, "linger-timeout", duration(l.lingerTimeout()));
    }

    void waterMarks(int depth, WaterMarks w) {
        line(depth, "water-marks");
        value(depth + 1, "low", bytes(w.low()));
        value(depth + 1, "high", bytes(w.high()));
    }

    void buffers(int depth, BufferConfig b) {
        line(depth, "buffers");
        value(depth + 1, "read-buffer", bytes(b.readBufferSize()));
        value(depth + 1, "thread-buffer", bytes(b.threadBufferSize()));
        value(depth + 1, "max-retained", bytes(b.maxRetainedBytes()));
    }

    void socket(int depth, SocketOptions s) {
        line(depth, "socket");
        value(depth + 1, "tcp-no-delay", s.tcpNoDelay());
        value(depth + 1, "receive-buffer", s.receiveBufferSize() == 0 ? "kernel default" : bytes(s.receiveBufferSize()));
        value(depth + 1, "send-buffer", s.sendBufferSize() == 0 ? "kernel default" : bytes(s.sendBufferSize()));
        value(depth + 1, "backlog", s.backlog());
        if (s.reusePort()) {
            value(depth + 1, "reuse-port", true);
        }
    }

    static String bytes(long n) {
        if (n >= (1L << 30) && n % (1L << 30) == 0) {
            return (n >> 30) + " GiB";
        }
        if (n >= (1L << 20) && n % (1L << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        if (n >= 1024 && n % 1024 == 0) {
            return (n >> 10) + " KiB";
        }
        return n + " B";
    }

    static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return ms + "ms";
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
