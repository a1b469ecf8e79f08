package io.throng.cli.push;

import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.ClaimChecks;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.centrifugo.Namespace;
import io.throng.websocket.centrifugo.PresenceOptions;
import io.throng.websocket.centrifugo.TokenKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A Centrifugo v6 configuration file (JSON or YAML, as Centrifugo reads it) turned into throng's
 * Centrifugo settings, under Centrifugo's own names, so that a deployment moves by pointing
 * {@code throng push --config} at the file it has (docs/centrifugo.md, *Configuration a Centrifugo
 * user already has*).
 *
 * <p>Every key in the file is either read, or known to be safe to leave aside (logging, metrics,
 * the admin UI: {@link #IGNORED}; reported at start), or refused: the start fails with the list of
 * them, because an option that is silently dropped may be one that closes something (a JWKS
 * endpoint, {@code allow_user_limited_channels}, a separate {@code client.subscription_token}). Centrifugo's defaults
 * apply to what the file leaves out, which are closed ones (no subscribing or publishing by
 * clients unless allowed), not throng's command-line defaults. The secrets in the file (the HMAC
 * key, the API key) are read from it, as Centrifugo does, and never printed.
 */
final class CentrifugoFile {
    /** Top-level sections that make a file Centrifugo's rather than throng's push YAML. */
    private static final Set<String> SECTIONS = Set.of("client", "channel", "http_api", "http_server", "websocket", "log",
            "prometheus", "health", "admin", "engine", "usage_stats", "shutdown", "swagger", "opentelemetry", "debug",
            "broker", "presence_manager", "tls", "consumers", "proxies", "unified_proxy", "grpc_api", "uni_websocket",
            "uni_sse", "uni_http_stream", "uni_grpc", "sse", "http_stream", "emulation", "node", "graphite");
    /** Sections whose settings do not change what a client or a publisher may do: reported, not refused. */
    private static final Set<String> IGNORED = Set.of("log", "prometheus", "health", "admin", "usage_stats", "shutdown",
            "swagger", "opentelemetry", "debug", "graphite");

    /** What the file says: the settings, the port and address if it gives them, and what it left aside. */
    record Result(CentrifugoConfig config, Integer port, String address, List<String> ignored) {
    }

    private final Path file;
    private final List<String> refused = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();

    private CentrifugoFile(Path file) {
        this.file = file;
    }

    /** Whether a parsed configuration is Centrifugo's: only its sections, and one of those that matter. */
    static boolean isCentrifugo(Map<?, ?> root) {
        if (root.isEmpty()) {
            return false;
        }
        for (Object k : root.keySet()) {
            if (!SECTIONS.contains(String.valueOf(k))) {
                return false;
            }
        }
        return root.containsKey("client") || root.containsKey("channel") || root.containsKey("http_api")
                || root.containsKey("http_server");
    }

    /** Reads {@code file}; IllegalArgumentException names every key it cannot take. */
    static Result read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--centrifugo-config " + file + ": no such file");
        }
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (YAMLException | ClassCastException e) {
            throw new IllegalArgumentException(file + " is neither JSON nor YAML: " + e.getMessage());
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException(file + ": the configuration holds itself through a YAML alias");
        }
        if (!(parsed instanceof Map<?, ?> root) || !isCentrifugo(root)) {
            throw new IllegalArgumentException(file + " is not a Centrifugo configuration (sections client, channel,"
                    + " http_api, http_server, ...)");
        }
        return new CentrifugoFile(file).read(root);
    }

    private Result read(Map<?, ?> root) {
        Map<String, Object> client = section(root, "client");
        Map<String, Object> token = section(client, "token", "client.");
        Map<String, Object> channel = section(root, "channel");
        Map<String, Object> httpApi = section(root, "http_api");
        Map<String, Object> httpServer = section(root, "http_server");
        Map<String, Object> websocket = section(root, "websocket");
        for (Object k : root.keySet()) {
            String key = String.valueOf(k);
            if (IGNORED.contains(key)) {
                ignored.add(key);
            } else if (key.equals("engine") || key.equals("broker") || key.equals("presence_manager")) {
                Map<String, Object> engine = section(root, key);
                Object type = engine.remove("type");
                if (type != null && !"memory".equals(type)) {
                    refused.add(key + ".type: " + type + " (use throng's --bus redis://... or nats://...)");
                }
                if (engine.containsKey("enabled") && Boolean.FALSE.equals(engine.remove("enabled"))) {
                    // the default memory one
                }
                rest(key + ".", engine);
            } else if (!Set.of("client", "channel", "http_api", "http_server", "websocket").contains(key)) {
                refused.add(key);
            }
        }

        TokenKeys keys = keys(token, "client.token.");
        Map<String, Object> subToken = section(client, "subscription_token", "client.");
        if (!subToken.isEmpty()) {
            // Centrifugo's separate key set for subscription tokens: used (alone) when enabled
            boolean enabled = bool(subToken, "enabled", false, "client.subscription_token.");
            if (enabled) {
                TokenKeys sub = keys(subToken, "client.subscription_token.");
                if (sub.isEmpty()) {
                    refused.add("client.subscription_token: enabled without a key (no subscription token could pass)");
                }
                keys = keys.withSubscription(sub);
            } else {
                for (String k : new TreeSet<>(subToken.keySet())) {
                    refused.add("client.subscription_token." + k + " without enabled: true (Centrifugo does not use it either:"
                            + " remove it or enable the section)");
                }
            }
        }

        boolean anonymous = bool(client, "allow_anonymous_connect_without_token", false, "client.");
        if (bool(client, "insecure", false, "client.")) {
            refused.add("client.insecure: true (throng has no insecure mode)");
        }
        List<String> origins = strings(client, "allowed_origins", "client.");
        Duration ping = duration(client, "ping_interval", Duration.ofSeconds(25), "client.");
        Duration pong = duration(client, "pong_timeout", Duration.ofSeconds(8), "client.");
        Duration expired = duration(client, "expired_close_delay", Duration.ofSeconds(25), "client.");
        Duration stale = duration(client, "stale_close_delay", Duration.ofSeconds(10), "client.");
        int channelLimit = integer(client, "channel_limit", 128, "client.");
        int recoveryMax = integer(client, "recovery_max_publication_limit", HistoryOptions.DEFAULT_RECOVERY_MAX, "client.");
        int historyMax = integer(client, "history_max_publication_limit", HistoryOptions.HISTORY_MAX, "client.");
        if (historyMax != HistoryOptions.HISTORY_MAX) {
            refused.add("client.history_max_publication_limit: " + historyMax + " (throng's is 300, Centrifugo's default)");
        }
        rest("client.", client);

        Duration metaTtl = duration(channel, "history_meta_ttl", HistoryOptions.DEFAULT_META_TTL, "channel.");
        for (String fixed : List.of("private_prefix:$", "namespace_boundary::")) {
            String name = fixed.substring(0, fixed.indexOf(':'));
            String value = fixed.substring(fixed.indexOf(':') + 1);
            String given = string(channel, name, "channel.");
            if (given != null && !given.equals(value)) {
                refused.add("channel." + name + ": " + given + " (throng's is " + value + ")");
            }
        }
        Map<String, Object> top = section(channel, "without_namespace", "channel.");
        Namespace without = namespace("", top, "channel.without_namespace.", metaTtl, recoveryMax);
        List<Namespace> namespaces = new ArrayList<>();
        Object list = channel.remove("namespaces");
        if (list instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                if (!(l.get(i) instanceof Map<?, ?> m)) {
                    refused.add("channel.namespaces[" + i + "]: not a mapping");
                    continue;
                }
                Map<String, Object> ns = copy(m);
                String name = string(ns, "name", "channel.namespaces[" + i + "].");
                if (name == null) {
                    refused.add("channel.namespaces[" + i + "]: no name");
                    continue;
                }
                namespaces.add(namespace(name, ns, "channel.namespaces[" + name + "].", metaTtl, recoveryMax));
            }
        } else if (list != null) {
            refused.add("channel.namespaces: not a list");
        }
        rest("channel.", channel);

        byte[] apiKey = null;
        String key = string(httpApi, "key", "http_api.");
        if (key != null && !key.isEmpty()) {
            apiKey = key.getBytes(StandardCharsets.UTF_8);
        }
        if (bool(httpApi, "insecure", false, "http_api.")) {
            refused.add("http_api.insecure: true (the API always needs its key)");
        }
        String apiPrefix = string(httpApi, "handler_prefix", "http_api.");
        if (apiPrefix != null && !apiPrefix.equals("/api")) {
            refused.add("http_api.handler_prefix: " + apiPrefix + " (throng's is /api)");
        }
        rest("http_api.", httpApi);

        Integer port = httpServer.containsKey("port") ? integer(httpServer, "port", 8000, "http_server.") : null;
        String address = string(httpServer, "address", "http_server.");
        rest("http_server.", httpServer);
        String wsPrefix = string(websocket, "handler_prefix", "websocket.");
        if (wsPrefix != null && !wsPrefix.equals("/connection/websocket")) {
            refused.add("websocket.handler_prefix: " + wsPrefix + " (throng's is /connection/websocket)");
        }
        rest("websocket.", websocket);

        if (!refused.isEmpty()) {
            throw new IllegalArgumentException(file + ": Centrifugo options throng does not support (yet), so it does not"
                    + " start rather than run without them: " + String.join("; ", refused));
        }
        CentrifugoConfig config;
        try {
            config = CentrifugoConfig.builder(keys, anonymous).allowSubscribe(without.allowSubscribe())
                    .allowPublish(without.allowPublish()).ping(ping, pong).staleCloseDelay(stale).expiredCloseDelay(expired)
                    .channelLimit(channelLimit).allowedOrigins(origins).history(without.history())
                    .presence(without.presence()).namespaces(namespaces).apiKey(apiKey == null ? ApiKey.NONE : ApiKey.of(apiKey))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        java.util.Arrays.fill(apiKey == null ? new byte[0] : apiKey, (byte) 0); // ApiKey keeps a digest only
        return new Result(config, port, address == null || address.isEmpty() ? null : address, List.copyOf(ignored));
    }

    /**
     * The keys and claim checks of a {@code client.token} (or {@code client.subscription_token})
     * section, each read key removed and the rest refused ({@code at} names the section).
     */
    private TokenKeys keys(Map<String, Object> token, String at) {
        String hmac = string(token, "hmac_secret_key", at);
        TokenKeys keys = new TokenKeys(hmac == null ? null : hmac.getBytes(StandardCharsets.UTF_8), null, null);
        String rsa = string(token, "rsa_public_key", at);
        if (rsa != null && !rsa.isBlank()) {
            keys = keys.withRsa(TokenKeys.rsaFromPem(rsa));
        }
        String ecdsa = string(token, "ecdsa_public_key", at);
        if (ecdsa != null && !ecdsa.isBlank()) {
            keys = keys.withEcdsa(TokenKeys.ecdsaFromPem(ecdsa));
        }
        String[] claims = new String[5];
        List<String> claimNames = List.of("audience", "audience_regex", "issuer", "issuer_regex", "user_id_claim");
        for (int i = 0; i < claims.length; i++) {
            claims[i] = string(token, claimNames.get(i), at);
        }
        try {
            ClaimChecks checks = new ClaimChecks(claims[0], claims[1], claims[2], claims[3], claims[4]);
            if (!checks.isEmpty() && keys.isEmpty()) {
                refused.add(at.substring(0, at.length() - 1) + ": an audience or issuer, and no key (no token could pass)");
            }
            keys = keys.withChecks(checks);
        } catch (IllegalArgumentException e) {
            refused.add(at.substring(0, at.length() - 1) + ": " + e.getMessage());
        }
        rest(at, token);
        return keys;
    }

    /** A namespace's options (Centrifugo's names), at Centrifugo's defaults where the file is silent. */
    private Namespace namespace(String name, Map<String, Object> o, String at, Duration metaTtl, int recoveryMax) {
        int size = integer(o, "history_size", 0, at);
        Duration ttl = duration(o, "history_ttl", Duration.ZERO, at);
        Duration nsMeta = duration(o, "history_meta_ttl", metaTtl, at);
        boolean forceRecovery = bool(o, "force_recovery", false, at);
        bool(o, "allow_recovery", false, at); // throng lets a client ask for recovery wherever there is history
        boolean allowHistory = bool(o, "allow_history_for_subscriber", false, at);
        boolean presence = bool(o, "presence", false, at);
        boolean allowPresence = bool(o, "allow_presence_for_subscriber", false, at);
        boolean joinLeave = bool(o, "join_leave", false, at);
        boolean forcePush = bool(o, "force_push_join_leave", false, at);
        boolean subscribe = bool(o, "allow_subscribe_for_client", false, at);
        boolean publish = bool(o, "allow_publish_for_client", false, at);
        for (String open : List.of("allow_subscribe_for_anonymous", "allow_publish_for_subscriber", "allow_publish_for_anonymous",
                "allow_history_for_client", "allow_history_for_anonymous", "allow_presence_for_client",
                "allow_presence_for_anonymous", "allow_user_limited_channels", "force_positioning", "allow_positioning")) {
            if (bool(o, open, false, at)) {
                refused.add(at + open + ": true");
            }
        }
        rest(at, o);
        try {
            HistoryOptions history = size == 0 ? HistoryOptions.NONE.withMetaTtl(nsMeta)
                    : new HistoryOptions(size, ttl, nsMeta, forceRecovery, allowHistory, recoveryMax);
            if (size == 0 && (forceRecovery || allowHistory)) {
                refused.add(at + "force_recovery/allow_history_for_subscriber without history_size");
            }
            return new Namespace(name, subscribe, publish, history, new PresenceOptions(presence, allowPresence, joinLeave, forcePush));
        } catch (IllegalArgumentException e) {
            refused.add(at + ": " + e.getMessage());
            return new Namespace(name, false, false, HistoryOptions.NONE, PresenceOptions.NONE);
        }
    }

    // ------------------------------------------------ reading values (each read key is removed from its map)

    private void rest(String at, Map<String, Object> left) {
        for (String k : new TreeSet<>(left.keySet())) {
            refused.add(at + k);
        }
    }

    private Map<String, Object> section(Map<?, ?> from, String key) {
        return section(from, key, "");
    }

    private Map<String, Object> section(Map<?, ?> from, String key, String at) {
        Object v = from.get(key);
        if (v == null) {
            return new LinkedHashMap<>();
        }
        if (!(v instanceof Map<?, ?> m)) {
            refused.add(at + key + ": not a mapping");
            return new LinkedHashMap<>();
        }
        if (from instanceof LinkedHashMap<?, ?> lhm && lhm.containsKey(key) && at.length() > 0) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> mutable = (Map<Object, Object>) lhm;
            mutable.remove(key);
        }
        return copy(m);
    }

    private static Map<String, Object> copy(Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /**
     * The one typed reader: removes {@code key} from {@code o} and returns it as {@code as} reads it,
     * or {@code otherwise} when it is absent; a value {@code as} refuses (IllegalArgumentException,
     * whose message says why) is added to the refused keys, and {@code otherwise} stands in for it,
     * so that one start reports every bad key at once.
     */
    private <T> T value(Map<String, Object> o, String key, T otherwise, String at, Function<Object, T> as) {
        Object v = o.remove(key);
        if (v == null) {
            return otherwise;
        }
        try {
            return as.apply(v);
        } catch (IllegalArgumentException e) {
            refused.add(at + key + ": " + e.getMessage());
            return otherwise;
        }
    }

    private static <T> T wrong(String why) {
        throw new IllegalArgumentException(why);
    }

    private String string(Map<String, Object> o, String key, String at) {
        return value(o, key, null, at, v -> v instanceof Map<?, ?> || v instanceof List<?> ? wrong("not a single value")
                : String.valueOf(v));
    }

    private boolean bool(Map<String, Object> o, String key, boolean otherwise, String at) {
        return value(o, key, otherwise, at, v -> v instanceof Boolean b ? b : wrong(v + " is not true or false"));
    }

    private int integer(Map<String, Object> o, String key, int otherwise, String at) {
        return value(o, key, otherwise, at, v -> v instanceof Integer i ? i : wrong(v + " is not a whole number"));
    }

    private Duration duration(Map<String, Object> o, String key, Duration otherwise, String at) {
        return value(o, key, otherwise, at, v -> Durations.parse(String.valueOf(v)));
    }

    private List<String> strings(Map<String, Object> o, String key, String at) {
        return value(o, key, List.of(), at, v -> v instanceof List<?> l ? l.stream().map(String::valueOf).toList()
                : wrong("not a list"));
    }
}
