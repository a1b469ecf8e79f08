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
 * @param maxPendingConnects the most connections of the process that may wait for their connect;
 *                           below it, as many as the process connects in a quarter of the stale
 *                           delay at its rate of the last second (ConnectAdmission); upgrades beyond
 *                           are refused (503): throng's own setting, not Centrifugo's. The SDKs
 *                           back off and retry a refused upgrade, but take a stale close (3502) as
 *                           final, so a process that takes more upgrades than it can authenticate
 *                           within the stale delay loses clients for good (a reconnect storm after a
 *                           restart). Default {@value #DEFAULT_MAX_PENDING_CONNECTS}.
 */
public record CentrifugoConfig(TokenKeys keys, boolean allowAnonymous, boolean allowSubscribe, boolean allowPublish,
                               Duration pingInterval, Duration pongTimeout, Duration staleCloseDelay,
                               Duration expiredCloseDelay, int maxTokenBytes, int channelLimit, List<String> allowedOrigins,
                               HistoryOptions history, PresenceOptions presence, List<Namespace> namespaces,
                               ApiKey apiKey, int maxPendingConnects) {
    /**
     * The default of {@link #maxPendingConnects}, a ceiling over the rate's limit: a warm process
     * connects thousands a second, so 1,000 waiting is well under a second of its work.
     */
    public static final int DEFAULT_MAX_PENDING_CONNECTS = 1000;

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
        if (maxPendingConnects < 1) {
            throw new IllegalArgumentException("max pending connects must be >= 1, got " + maxPendingConnects);
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
        return builder(keys, allowAnonymous).build();
    }

    /** A builder with tokens signed with {@code keys}, anonymous access as given, the rest at the defaults. */
    public static Builder builder(TokenKeys keys, boolean allowAnonymous) {
        return new Builder(keys, allowAnonymous);
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public CentrifugoConfig withAllowAnonymous(boolean v) {
        return toBuilder().allowAnonymous(v).build();
    }

    public CentrifugoConfig withAllowSubscribe(boolean v) {
        return toBuilder().allowSubscribe(v).build();
    }

    public CentrifugoConfig withAllowPublish(boolean v) {
        return toBuilder().allowPublish(v).build();
    }

    public CentrifugoConfig withPing(Duration interval, Duration timeout) {
        return toBuilder().ping(interval, timeout).build();
    }

    public CentrifugoConfig withStaleCloseDelay(Duration v) {
        return toBuilder().staleCloseDelay(v).build();
    }

    public CentrifugoConfig withExpiredCloseDelay(Duration v) {
        return toBuilder().expiredCloseDelay(v).build();
    }

    public CentrifugoConfig withMaxTokenBytes(int v) {
        return toBuilder().maxTokenBytes(v).build();
    }

    public CentrifugoConfig withChannelLimit(int v) {
        return toBuilder().channelLimit(v).build();
    }

    public CentrifugoConfig withAllowedOrigins(List<String> v) {
        return toBuilder().allowedOrigins(v).build();
    }

    public CentrifugoConfig withHistory(HistoryOptions v) {
        return toBuilder().history(v).build();
    }

    public CentrifugoConfig withPresence(PresenceOptions v) {
        return toBuilder().presence(v).build();
    }

    public CentrifugoConfig withNamespaces(List<Namespace> v) {
        return toBuilder().namespaces(v).build();
    }

    public CentrifugoConfig withApiKey(ApiKey v) {
        return toBuilder().apiKey(v).build();
    }

    public CentrifugoConfig withMaxPendingConnects(int v) {
        return toBuilder().maxPendingConnects(v).build();
    }

    /**
     * The settings one at a time, for a reader that has many of them (the Centrifugo config file)
     * and for the {@code with} methods; {@link #build} validates them all at once, as the record's
     * constructor does. Starts at Centrifugo's defaults (the class comment). Not thread-safe.
     */
    public static final class Builder {
        private final TokenKeys keys;
        private boolean allowAnonymous;
        private boolean allowSubscribe = true;
        private boolean allowPublish;
        private Duration pingInterval = Duration.ofSeconds(25);
        private Duration pongTimeout = Duration.ofSeconds(8);
        private Duration staleCloseDelay = Duration.ofSeconds(10);
        private Duration expiredCloseDelay = Duration.ofSeconds(25);
        private int maxTokenBytes = 4096;
        private int channelLimit = 128;
        private List<String> allowedOrigins = List.of();
        private HistoryOptions history = HistoryOptions.NONE;
        private PresenceOptions presence = PresenceOptions.NONE;
        private List<Namespace> namespaces = List.of();
        private ApiKey apiKey = ApiKey.NONE;
        private int maxPendingConnects = DEFAULT_MAX_PENDING_CONNECTS;

        private Builder(TokenKeys keys, boolean allowAnonymous) {
            this.keys = keys;
            this.allowAnonymous = allowAnonymous;
        }

        private Builder(CentrifugoConfig c) {
            this(c.keys, c.allowAnonymous);
            allowSubscribe = c.allowSubscribe;
            allowPublish = c.allowPublish;
            pingInterval = c.pingInterval;
            pongTimeout = c.pongTimeout;
            staleCloseDelay = c.staleCloseDelay;
            expiredCloseDelay = c.expiredCloseDelay;
            maxTokenBytes = c.maxTokenBytes;
            channelLimit = c.channelLimit;
            allowedOrigins = c.allowedOrigins;
            history = c.history;
            presence = c.presence;
            namespaces = c.namespaces;
            apiKey = c.apiKey;
            maxPendingConnects = c.maxPendingConnects;
        }

        public Builder allowAnonymous(boolean v) {
            allowAnonymous = v;
            return this;
        }

        public Builder allowSubscribe(boolean v) {
            allowSubscribe = v;
            return this;
        }

        public Builder allowPublish(boolean v) {
            allowPublish = v;
            return this;
        }

        /** The ping interval and the pong timeout, together: the timeout must be below the interval. */
        public Builder ping(Duration interval, Duration timeout) {
            pingInterval = interval;
            pongTimeout = timeout;
            return this;
        }

        public Builder staleCloseDelay(Duration v) {
            staleCloseDelay = v;
            return this;
        }

        public Builder expiredCloseDelay(Duration v) {
            expiredCloseDelay = v;
            return this;
        }

        public Builder maxTokenBytes(int v) {
            maxTokenBytes = v;
            return this;
        }

        public Builder channelLimit(int v) {
            channelLimit = v;
            return this;
        }

        public Builder allowedOrigins(List<String> v) {
            allowedOrigins = v;
            return this;
        }

        public Builder history(HistoryOptions v) {
            history = v;
            return this;
        }

        public Builder presence(PresenceOptions v) {
            presence = v;
            return this;
        }

        public Builder namespaces(List<Namespace> v) {
            namespaces = v;
            return this;
        }

        public Builder apiKey(ApiKey v) {
            apiKey = v;
            return this;
        }

        public Builder maxPendingConnects(int v) {
            maxPendingConnects = v;
            return this;
        }

        /** The settings, validated (IllegalArgumentException says what is wrong). */
        public CentrifugoConfig build() {
            return new CentrifugoConfig(keys, allowAnonymous, allowSubscribe, allowPublish, pingInterval, pongTimeout,
                    staleCloseDelay, expiredCloseDelay, maxTokenBytes, channelLimit, allowedOrigins, history, presence,
                    namespaces, apiKey, maxPendingConnects);
        }
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
                + "  max-pending-connects: " + maxPendingConnects + "\n"
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
