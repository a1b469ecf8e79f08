package io.throng.websocket.bus;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Which bus a push node uses and how its link behaves. Built from {@code --bus} (or the YAML key
 * {@code bus.url}) by {@link #parse}; the other fields have defaults and their own options.
 *
 * @param kind          embedded, redis or nats
 * @param host          the broker's host (redis, nats); null for embedded
 * @param port          the broker's port (redis, nats); 0 for embedded
 * @param hub           embedded under prefork: the supervisor's hub socket; null elsewhere (then
 *                      the embedded bus is the in-process one)
 * @param relayQueue    publishes waiting for the link at most; past it a publish is refused (503)
 *                      and counted as dropped
 * @param backoffMin    the first wait before reconnecting; it doubles after each failed attempt
 * @param backoffMax    the longest wait between attempts
 * @param timeout       connecting, and waiting for the broker's acknowledgement of a batch
 * @param heartbeat     an idle link checks the broker this often (a hung broker is noticed within
 *                      heartbeat + timeout)
 */
public record BusConfig(Kind kind, String host, int port, Path hub, int relayQueue, Duration backoffMin,
                        Duration backoffMax, Duration timeout, Duration heartbeat) {

    public static final int DEFAULT_RELAY_QUEUE = 65_536;
    public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(100);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);

    public enum Kind {
        EMBEDDED(0), REDIS(6379), NATS(4222);

        final int defaultPort;

        Kind(int defaultPort) {
            this.defaultPort = defaultPort;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BusConfig {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.EMBEDDED) {
            if (host != null || port != 0) {
                throw new IllegalArgumentException("the embedded bus has no host or port");
            }
        } else {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("the " + kind.id() + " bus needs a host");
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("bus port must be within 1..65535, got " + port);
            }
            if (hub != null) {
                throw new IllegalArgumentException("a hub socket belongs to the embedded bus only");
            }
        }
        if (relayQueue < 1 || relayQueue > 16 << 20) {
            throw new IllegalArgumentException("bus relay queue must be within 1..16777216 messages, got " + relayQueue);
        }
        positive(backoffMin, "bus backoff-min");
        positive(backoffMax, "bus backoff-max");
        if (backoffMax.compareTo(backoffMin) < 0) {
            throw new IllegalArgumentException("bus backoff-max (" + backoffMax.toMillis() + " ms) is below backoff-min ("
                    + backoffMin.toMillis() + " ms)");
        }
        positive(timeout, "bus timeout");
        positive(heartbeat, "bus heartbeat");
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, got " + d.toMillis() + " ms");
        }
    }

    /** The default: embedded (in-process, or the supervisor's hub under prefork). */
    public static BusConfig embedded() {
        return new BusConfig(Kind.EMBEDDED, null, 0, null, DEFAULT_RELAY_QUEUE, DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX,
                DEFAULT_TIMEOUT, DEFAULT_HEARTBEAT);
    }

    /**
     * {@code embedded}, {@code redis://host[:port]} or {@code nats://host[:port]} (ports default to
     * 6379 and 4222), with the other settings at their defaults.
     */
    public static BusConfig parse(String text) {
        String usage = "; use embedded, redis://HOST:PORT or nats://HOST:PORT";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty bus" + usage);
        }
        String t = text.strip();
        if (t.equalsIgnoreCase("embedded")) {
            return embedded();
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid bus '" + text + "'" + usage);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Kind kind = switch (scheme) {
            case "redis" -> Kind.REDIS;
            case "nats" -> Kind.NATS;
            case "rediss", "tls" -> throw new IllegalArgumentException("bus '" + text + "': TLS to the broker is not supported"
                    + usage);
            default -> throw new IllegalArgumentException("unknown bus '" + text + "'" + usage);
        };
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("bus '" + text + "' has no host" + usage);
        }
        if (uri.getUserInfo() != null || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalArgumentException("bus '" + text + "': only scheme://host:port is understood (no user,"
                    + " path or query)");
        }
        int port = uri.getPort() == -1 ? kind.defaultPort : uri.getPort();
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1); // an IPv6 literal, without its URL brackets
        }
        return embedded().with(kind, host, port);
    }

    private BusConfig with(Kind k, String h, int p) {
        return new BusConfig(k, h, p, null, relayQueue, backoffMin, backoffMax, timeout, heartbeat);
    }

    public BusConfig withHub(Path socket) {
        return new BusConfig(kind, host, port, socket, relayQueue, backoffMin, backoffMax, timeout, heartbeat);
    }

    public BusConfig withRelayQueue(int messages) {
        return new BusConfig(kind, host, port, hub, messages, backoffMin, backoffMax, timeout, heartbeat);
    }

    public BusConfig withBackoff(Duration min, Duration max) {
        return new BusConfig(kind, host, port, hub, relayQueue, min, max, timeout, heartbeat);
    }

    public BusConfig withTimeout(Duration t) {
        return new BusConfig(kind, host, port, hub, relayQueue, backoffMin, backoffMax, t, heartbeat);
    }

    public BusConfig withHeartbeat(Duration h) {
        return new BusConfig(kind, host, port, hub, relayQueue, backoffMin, backoffMax, timeout, h);
    }

    /** As written on the command line: {@code embedded}, {@code redis://host:port}, {@code nats://host:port}. */
    public String url() {
        if (kind == Kind.EMBEDDED) {
            return "embedded";
        }
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return kind.id() + "://" + h + ":" + port;
    }

    /** The effective settings as YAML lines (the push command prints them at start). */
    public String describe() {
        StringBuilder b = new StringBuilder("bus:\n");
        b.append("  url: ").append(url()).append('\n');
        if (kind == Kind.EMBEDDED) {
            b.append("  mode: ").append(hub == null ? "in-process" : "prefork hub at " + hub).append('\n');
            if (hub == null) {
                return b.toString();
            }
        }
        b.append("  relay-queue: ").append(relayQueue).append('\n');
        b.append("  backoff-min: ").append(millis(backoffMin)).append('\n');
        b.append("  backoff-max: ").append(millis(backoffMax)).append('\n');
        b.append("  timeout: ").append(millis(timeout)).append('\n');
        b.append("  heartbeat: ").append(millis(heartbeat)).append('\n');
        return b.toString();
    }

    private static String millis(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
