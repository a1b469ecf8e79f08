package io.throng.websocket;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The WebSocket layer's settings, validated, with documented defaults. The engine's own settings
 * (model, loops, water marks, max-queued-bytes) stay in the server's {@code ServerConfig}.
 *
 * @param maxFrameBytes         the largest payload one frame may declare; more is refused with 1009
 *                              before any of it is read. Default 1 MiB.
 * @param maxMessageBytes       the largest message (after inflation); more is 1009. Default 1 MiB:
 *                              notifications are small, and a limit belongs in the defaults
 *                              (gobwas/ws#223 is an OOM from an unlimited one).
 * @param maxRequestHeadBytes   the largest request head; more is 431. Default 8 KiB (nginx's
 *                              default buffer for a large header line).
 * @param handshakeTimeout      a connection must deliver a complete request within this; else 408
 *                              (or a silent close if it sent nothing). Default 10 s (Netty's).
 * @param maxHandshakesInFlight connections accepted and not yet upgraded (or answered). Past it a
 *                              newcomer evicts the oldest, which gets 408 if its request is still
 *                              incomplete 200 ms later (HandshakeTable): slow heads are the
 *                              oldest, so a slowloris cannot shut normal clients out. 503 only if
 *                              every one is a request body being answered. Default 4,096: at 8 KiB
 *                              of head each, 32 MiB, plus the heads evicted in the last 300 ms.
 * @param idleTimeout           close (1001) a connection that sent no frame for this long; zero
 *                              for never. Default 120 s (uWebSockets').
 * @param autoPing              ping a connection silent for half the idle timeout, so a live but
 *                              quiet peer answers and stays. Default on.
 * @param closeTimeout          after sending Close, wait this long for the peer's. Default 5 s.
 * @param subprotocols          the subprotocols the server speaks, matched against the client's
 *                              offer in the client's order; the client's: what it offers
 * @param deflate               permessage-deflate; off by default
 * @param slowSubscribers       the fan-out's policy for subscribers that do not keep up
 */
public record WebSocketConfig(int maxFrameBytes, int maxMessageBytes, int maxRequestHeadBytes,
                              Duration handshakeTimeout, int maxHandshakesInFlight, Duration idleTimeout,
                              boolean autoPing, Duration closeTimeout, List<String> subprotocols,
                              DeflateConfig deflate, SlowSubscriberPolicy slowSubscribers) {

    public WebSocketConfig {
        if (maxFrameBytes < 125) {
            throw new IllegalArgumentException("maxFrameBytes must be >= 125, got " + maxFrameBytes);
        }
        if (maxMessageBytes < 125 || maxMessageBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxMessageBytes must be within 125 .. 2 GiB, got " + maxMessageBytes);
        }
        if (maxRequestHeadBytes < 256) {
            throw new IllegalArgumentException("maxRequestHeadBytes must be >= 256, got " + maxRequestHeadBytes);
        }
        positive("handshakeTimeout", handshakeTimeout);
        positive("closeTimeout", closeTimeout);
        if (idleTimeout == null || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must be zero (never) or positive, got " + idleTimeout);
        }
        if (maxHandshakesInFlight < 1) {
            throw new IllegalArgumentException("maxHandshakesInFlight must be >= 1, got " + maxHandshakesInFlight);
        }
        Objects.requireNonNull(deflate, "deflate");
        Objects.requireNonNull(slowSubscribers, "slowSubscribers");
        subprotocols = List.copyOf(subprotocols);
        for (String p : subprotocols) {
            if (p.isEmpty() || !p.chars().allMatch(c -> c > 0x20 && c < 0x7F && c != ',')) {
                throw new IllegalArgumentException("invalid subprotocol name '" + p + "'");
            }
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    public static WebSocketConfig defaults() {
        return new WebSocketConfig(1 << 20, 1 << 20, 8 * 1024, Duration.ofSeconds(10), 4096, Duration.ofSeconds(120),
                true, Duration.ofSeconds(5), List.of(), DeflateConfig.DISABLED, SlowSubscriberPolicy.DEFAULT);
    }

    /** Sets both size limits, frame and message, to {@code v}. */
    public WebSocketConfig withMaxMessageBytes(int v) {
        return new WebSocketConfig(v, v, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withMaxFrameBytes(int v) {
        return new WebSocketConfig(v, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout, maxHandshakesInFlight,
                idleTimeout, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withMaxRequestHeadBytes(int v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, v, handshakeTimeout, maxHandshakesInFlight,
                idleTimeout, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withHandshakeTimeout(Duration v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, v, maxHandshakesInFlight,
                idleTimeout, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withMaxHandshakesInFlight(int v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout, v,
                idleTimeout, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withIdleTimeout(Duration v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, v, autoPing, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withAutoPing(boolean v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, v, closeTimeout, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withCloseTimeout(Duration v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, autoPing, v, subprotocols, deflate, slowSubscribers);
    }

    public WebSocketConfig withSubprotocols(List<String> v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, autoPing, closeTimeout, v, deflate, slowSubscribers);
    }

    public WebSocketConfig withDeflate(DeflateConfig v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, autoPing, closeTimeout, subprotocols, v, slowSubscribers);
    }

    public WebSocketConfig withSlowSubscribers(SlowSubscriberPolicy v) {
        return new WebSocketConfig(maxFrameBytes, maxMessageBytes, maxRequestHeadBytes, handshakeTimeout,
                maxHandshakesInFlight, idleTimeout, autoPing, closeTimeout, subprotocols, deflate, v);
    }

    /** The effective settings as YAML-like lines, printed by servers at start. */
    public String describe() {
        StringBuilder sb = new StringBuilder("websocket:\n");
        line(sb, "max-frame", bytes(maxFrameBytes));
        line(sb, "max-message", bytes(maxMessageBytes));
        line(sb, "max-request-head", bytes(maxRequestHeadBytes));
        line(sb, "handshake-timeout", seconds(handshakeTimeout));
        line(sb, "max-handshakes-in-flight", maxHandshakesInFlight);
        line(sb, "idle-timeout", idleTimeout.isZero() ? "none" : seconds(idleTimeout));
        line(sb, "auto-ping", autoPing);
        line(sb, "close-timeout", seconds(closeTimeout));
        line(sb, "subprotocols", subprotocols.isEmpty() ? "none" : String.join(", ", subprotocols));
        sb.append("  deflate:\n");
        sb.append("    enabled: ").append(deflate.enabled()).append('\n');
        if (deflate.enabled()) {
            sb.append("    server-no-context-takeover: ").append(deflate.serverNoContextTakeover()).append('\n');
            sb.append("    client-no-context-takeover: ").append(deflate.clientNoContextTakeover()).append('\n');
            sb.append("    server-max-window-bits: ").append(deflate.serverMaxWindowBits()).append('\n');
            sb.append("    level: ").append(deflate.level()).append('\n');
            sb.append("    min-compress: ").append(bytes(deflate.minCompressBytes())).append('\n');
        }
        sb.append("  slow-subscriber:\n");
        sb.append("    limit: ").append(bytes(slowSubscribers.maxQueuedBytes())).append('\n');
        sb.append("    action: ").append(slowSubscribers.action().name().toLowerCase(java.util.Locale.ROOT)).append('\n');
        return sb.toString();
    }

    private static void line(StringBuilder sb, String key, Object value) {
        sb.append("  ").append(key).append(": ").append(value).append('\n');
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static String bytes(long n) {
        if (n >= (1 << 20) && n % (1 << 20) == 0) {
            return (n >> 20) + " MiB";
        }
        if (n >= 1024 && n % 1024 == 0) {
            return (n >> 10) + " KiB";
        }
        return n + " B";
    }
}
