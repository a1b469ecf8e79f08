package io.throng.websocket.centrifugo;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The Centrifugo client protocol's settings ({@code /connection/websocket} of the push service),
 * validated. Defaults follow Centrifugo's where it has one ({@code client.ping_interval} 25 s,
 * {@code pong_timeout} 8 s, {@code stale_close_delay} 10 s, {@code expired_close_delay} 25 s,
 * {@code channel_limit} 128, an empty {@code allowed_origins} accepting only requests without an
 * Origin header).
 *
 * @param keys               the keys of connection tokens ({@link TokenKeys#NONE}: only anonymous
 *                           connections, which must then be allowed), with their aud/iss checks and,
 *                           if subscription tokens have their own, those. The secrets are never printed.
 * @param allowAnonymous     a connect without a token is accepted, as user "" (Centrifugo's
 *                           {@code allow_anonymous_connect_without_token}); off by default
 * @param allowSubscribe     connected clients may subscribe to any channel the push service takes
 *                           (Centrifugo's {@code allow_subscribe_for_client}); on by default: the raw
 *                           endpoint lets anyone subscribe too
 * @param allowPublish       connected clients may publish (Centrifugo's {@code allow_publish_for_client}); off by default
 * @param pingInterval       the server's {@code {}} ping to every connected client, whole seconds (the
 *                           connect reply announces it in seconds); zero for none
 * @param pongTimeout        a client whose pong is not in this long after a ping is closed with 3012;
 *                           below the ping interval
 * @param staleCloseDelay    a connection that has not connected within this is closed with 3502
 * @param expiredCloseDelay  how long past its token's expiry a connection that did not refresh is kept (then 3005)
 * @param maxTokenBytes      a longer token is refused as invalid (3500) before it is decoded. Default 4 KiB
 * @param channelLimit       subscriptions per connection; more get error 106
 * @param allowedOrigins     the Origin header values accepted at the upgrade ("*" for any); empty: only
 *                           requests without one (browsers always send one: list their origins)
 * @param history            history and recovery of the channels ({@link HistoryOptions#NONE}: none)
 * @param presence           presence and join/leave ({@link PresenceOptions#NONE}: none)
 * @param namespaces         the channel namespaces; the options above (subscribe, publish, history,
 *                           presence) are those of channels without a namespace
 * @param apiKey             the key of the server HTTP API ({@code POST /api/<method>}), which then
 *                           also guards {@code POST /pub}; {@link ApiKey#NONE}: no API, and /pub open.
 */
public record CentrifugoConfig(TokenKeys keys, boolean allowAnonymous, boolean allowSubscribe, boolean allowPublish,
                               Duration pingInterval, Duration pongTimeout, Duration staleCloseDelay,
                               Duration expiredCloseDelay, int maxTokenBytes, int channelLimit, List<String> allowedOrigins,
                               HistoryOptions history, PresenceOptions presence, List<Namespace> namespaces,
                               ApiKey apiKey) {
    public CentrifugoConfig {
        Objects.requireNonNull(keys, "keys");
        if (keys.isEmpty() && !allowAnonymous) {
            throw new IllegalArgumentException("no token key (an HMAC secret, an RSA or ECDSA public key) and anonymous"
                    + " connections not allowed: no client could connect");
        }
        Objects.requireNonNull(pingInterval, "pingInterval");
        if (pingInterval.isNegative() || pingInterval.toMillis() % 1000 != 0) {
            throw new IllegalArgumentException("ping interval must be zero (none) or whole seconds, got " + pingInterval);
        }
        positive("pong timeout", pongTimeout);
        if (!pingInterval.isZero() && pongTimeout.compareTo(pingInterval) >= 0) {
            throw new IllegalArgumentException("pong timeout " + pongTimeout + " must be below the ping interval " + pingInterval);
        }
        positive("stale close delay", staleCloseDelay);
        positive("expired close delay", expiredCloseDelay);
        if (maxTokenBytes < 64) {
            throw new IllegalArgumentException("max token bytes must be >= 64, got " + maxTokenBytes);
        }
        if (channelLimit < 1) {
            throw new IllegalArgumentException("channel limit must be >= 1, got " + channelLimit);
        }
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(apiKey, "apiKey");
        namespaces = List.copyOf(namespaces);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Namespace n : namespaces) {
            if (n.name().isEmpty() || !names.add(n.name())) {
                throw new IllegalArgumentException("namespace '" + n.name() + "' is empty or given twice");
            }
        }
        allowedOrigins = List.copyOf(allowedOrigins);
        for (String o : allowedOrigins) {
            if (o.isBlank()) {
                throw new IllegalArgumentException("an allowed origin is empty");
            }
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }

    /** Tokens signed with {@code hmacSecret}; every other setting at its default. */
    public static CentrifugoConfig withSecret(byte[] hmacSecret) {
        return of(hmacSecret, false);
    }

    /** Tokens signed with {@code hmacSecret} (null: no tokens), anonymous access as given, the rest at the defaults. */
    public static CentrifugoConfig of(byte[] hmacSecret, boolean allowAnonymous) {
        return of(hmacSecret == null ? TokenKeys.NONE : TokenKeys.hmac(hmacSecret), allowAnonymous);
    }

    /** Tokens signed with {@code keys}, anonymous access as given, the rest at the defaults. */
    public static CentrifugoConfig of(TokenKeys keys, boolean allowAnonymous) {
        return new CentrifugoConfig(keys, allowAnonymous, true, false, Duration.ofSeconds(25), Duration.ofSeconds(8),
                Duration.ofSeconds(10), Duration.ofSeconds(25), 4096, 128, List.of(), HistoryOptions.NONE, PresenceOptions.NONE, List.of(), ApiKey.NONE);
    }

    public CentrifugoConfig withAllowAnonymous(boolean v) {
        return new CentrifugoConfig(keys, v, allowSubscribe, allowPublish, pingInterval, pongTimeout, staleCloseDelay,
                expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withAllowSubscribe(boolean v) {
        return new CentrifugoConfig(keys, allowAnonymous, v, allowPublish, pingInterval, pongTimeout, staleCloseDelay,
                expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withAllowPublish(boolean v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, v, pingInterval, pongTimeout, staleCloseDelay,
                expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withPing(Duration interval, Duration timeout) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, interval, timeout, staleCloseDelay,
                expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withStaleCloseDelay(Duration v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout, v,
                expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withExpiredCloseDelay(Duration v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, v, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withMaxTokenBytes(int v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, v, channelLimit, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withChannelLimit(int v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, v, allowedOrigins, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withAllowedOrigins(List<String> v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, v, history, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withHistory(HistoryOptions v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, v, presence, namespaces, apiKey);
    }

    public CentrifugoConfig withPresence(PresenceOptions v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, v, namespaces, apiKey);
    }

    public CentrifugoConfig withNamespaces(List<Namespace> v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, v, apiKey);
    }

    public CentrifugoConfig withApiKey(ApiKey v) {
        return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence, namespaces, v);
    }

    /** The options of {@code channel}'s namespace (those without a namespace if it has none), or null for an unknown one. */
    public Namespace namespaceOf(String channel) {
        String name = Namespace.of(channel);
        if (name.isEmpty()) {
            return new Namespace("", allowSubscribe, allowPublish, history, presence);
        }
        for (Namespace n : namespaces) {
            if (n.name().equals(name)) {
                return n;
            }
        }
        return null;
    }

    /** Whether any channel can have a history. */
    public boolean anyHistory() {
        return history.enabled() || namespaces.stream().anyMatch(n -> n.history().enabled());
    }

    /** The HMAC secret (a copy), or null. */
    public byte[] hmacSecret() {
        return keys.hmacSecret();
    }

    /** Whether an upgrade request with this Origin header (null: none) is accepted. */
    public boolean originAllowed(String origin) {
        return origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin);
    }

    /** The effective settings as YAML-like lines, printed at start; the secret only as whether there is one. */
    public String describe() {
        return "centrifugo:\n"
                + "  endpoint: /connection/websocket (client protocol v2, JSON)\n"
                + "  token: " + keys.describe() + "\n"
                + "  allow-anonymous: " + allowAnonymous + "\n"
                + "  allow-subscribe: " + allowSubscribe + "\n"
                + "  allow-publish: " + allowPublish + "\n"
                + "  ping-interval: " + (pingInterval.isZero() ? "none" : pingInterval.toSeconds() + "s") + "\n"
                + "  pong-timeout: " + pongTimeout.toMillis() + "ms\n"
                + "  channel-limit: " + channelLimit + "\n"
                + "  allowed-origins: " + (allowedOrigins.isEmpty() ? "none (requests without Origin only)" : String.join(", ", allowedOrigins)) + "\n"
                + (history.enabled() ? "  history: " + history.size() + " publications for " + history.ttl().toSeconds()
                        + "s a channel, force-recovery " + history.forceRecovery() + ", allow-history " + history.allowHistory()
                        + ", recovery-max-publications " + history.recoveryMaxPublications() + "\n" : "  history: none\n")
                + "  presence: " + presence.presence() + ", allow-presence " + presence.allowPresence() + ", join-leave "
                + presence.joinLeave() + ", force-push-join-leave " + presence.forcePushJoinLeave() + "\n"
                + (namespaces.isEmpty() ? "" : "  namespaces: " + String.join(", ", namespaces.stream().map(Namespace::name).toList())
                        + "\n")
                + "  api: " + (apiKey.isSet() ? "POST /api/<method> and POST /pub need the API key (" + apiKey.describe() + ")"
                        : "off (no API key); POST /pub open") + "\n";
    }

    @Override
    public String toString() {
        return "CentrifugoConfig[token " + keys.describe() + ", anonymous " + allowAnonymous
                + ", subscribe " + allowSubscribe + ", publish " + allowPublish + ", ping " + pingInterval + ", api key " + apiKey.describe() + "]";
    }
}
