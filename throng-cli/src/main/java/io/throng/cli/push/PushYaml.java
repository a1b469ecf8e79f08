package io.throng.cli.push;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code throng push --config FILE}: a YAML mapping whose keys are the command's long options
 * without the dashes ({@code port: 8973}, {@code model: prefork}), and {@code bus} either a URL or
 * a mapping of the bus settings:
 *
 * <pre>
 * port: 8973
 * model: prefork
 * procs: 4
 * bus:
 *   url: redis://10.0.0.5:6379
 *   relay-queue: 65536
 *   backoff-min: 100ms
 *   backoff-max: 5s
 *   timeout: 2s
 *   heartbeat: 2s
 * centrifugo:                  # Centrifugo's client protocol on /connection/websocket
 *   hmac-secret-file: /etc/throng/centrifugo.key   # or hmac-secret-env: VARIABLE; never the key itself
 *   api-key-file: /etc/throng/api.key   # the server HTTP API's key (or api-key-env: VARIABLE); it guards POST /pub too
 *   rsa-public-key-file: /etc/throng/rsa.pem       # and/or ecdsa-public-key-file (PEM public keys)
 *   allow-anonymous: false
 *   allow-subscribe: true
 *   allow-publish: false
 *   ping-interval: 25s
 *   pong-timeout: 8s
 *   history-size: 1000          # publications kept per channel, for recovery; with history-ttl
 *   history-ttl: 300s
 *   allowed-origins: [https://app.example.com]     # a list, or one comma-separated string
 *   sdk-file: /srv/centrifuge.js # the page /centrifugo loads the SDK from here (else from the CDN)
 *   max-pending-connects: 1000  # upgrades are refused (503) while this many wait for their connect
 * </pre>
 * A {@code centrifugo} mapping turns the protocol on unless it says {@code enabled: false}.
 * An option given on the command line wins over the file. An unknown key, or a value of the wrong
 * type, is an error naming the key: a typo must not silently become a default.
 */
final class PushYaml {
    /** The keys of the {@code bus} mapping and the options they set. */
    private static final Map<String, String> BUS_KEYS = Map.of("url", "--bus", "relay-queue", "--bus-queue",
            "backoff-min", "--bus-backoff-min", "backoff-max", "--bus-backoff-max", "timeout", "--bus-timeout",
            "heartbeat", "--bus-heartbeat");

    /** The keys of the {@code centrifugo} mapping and the options they set. */
    private static final Map<String, String> CENTRIFUGO_KEYS = Map.ofEntries(Map.entry("enabled", "--centrifugo"),
            Map.entry("hmac-secret-file", "--centrifugo-hmac-secret-file"), Map.entry("hmac-secret-env", "--centrifugo-hmac-secret-env"),
            Map.entry("api-key-file", "--centrifugo-api-key-file"), Map.entry("api-key-env", "--centrifugo-api-key-env"),
            Map.entry("rsa-public-key-file", "--centrifugo-rsa-public-key-file"),
            Map.entry("ecdsa-public-key-file", "--centrifugo-ecdsa-public-key-file"), Map.entry("jwks-file", "--centrifugo-jwks-file"),
            Map.entry("token-audience", "--centrifugo-token-audience"),
            Map.entry("token-audience-regex", "--centrifugo-token-audience-regex"),
            Map.entry("token-issuer", "--centrifugo-token-issuer"), Map.entry("token-issuer-regex", "--centrifugo-token-issuer-regex"),
            Map.entry("token-user-id-claim", "--centrifugo-token-user-id-claim"),
            Map.entry("subscription-token-user-id-claim", "--centrifugo-subscription-token-user-id-claim"),
            Map.entry("subscription-hmac-secret-file", "--centrifugo-subscription-hmac-secret-file"),
            Map.entry("subscription-hmac-secret-env", "--centrifugo-subscription-hmac-secret-env"),
            Map.entry("subscription-rsa-public-key-file", "--centrifugo-subscription-rsa-public-key-file"),
            Map.entry("subscription-ecdsa-public-key-file", "--centrifugo-subscription-ecdsa-public-key-file"),
            Map.entry("subscription-jwks-file", "--centrifugo-subscription-jwks-file"),
            Map.entry("subscription-token-audience", "--centrifugo-subscription-token-audience"),
            Map.entry("subscription-token-audience-regex", "--centrifugo-subscription-token-audience-regex"),
            Map.entry("subscription-token-issuer", "--centrifugo-subscription-token-issuer"),
            Map.entry("subscription-token-issuer-regex", "--centrifugo-subscription-token-issuer-regex"),
            Map.entry("allow-anonymous", "--centrifugo-allow-anonymous"), Map.entry("allow-subscribe", "--centrifugo-allow-subscribe"),
            Map.entry("allow-publish", "--centrifugo-allow-publish"), Map.entry("ping-interval", "--centrifugo-ping-interval"),
            Map.entry("pong-timeout", "--centrifugo-pong-timeout"), Map.entry("allowed-origins", "--centrifugo-allowed-origins"),
            Map.entry("history-size", "--centrifugo-history-size"), Map.entry("history-ttl", "--centrifugo-history-ttl"),
            Map.entry("history-meta-ttl", "--centrifugo-history-meta-ttl"),
            Map.entry("force-recovery", "--centrifugo-force-recovery"), Map.entry("allow-history", "--centrifugo-allow-history"),
            Map.entry("recovery-max-publications", "--centrifugo-recovery-max-publications"),
            Map.entry("presence", "--centrifugo-presence"), Map.entry("allow-presence", "--centrifugo-allow-presence"),
            Map.entry("join-leave", "--centrifugo-join-leave"), Map.entry("force-push-join-leave", "--centrifugo-force-push-join-leave"),
            Map.entry("sdk-file", "--centrifugo-sdk-file"), Map.entry("max-pending-connects", "--centrifugo-max-pending-connects"));

    private PushYaml() {
    }

    static void apply(Path file, CommandSpec spec) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + file + ": no such file");
        }
        apply(file, Files.readString(file), spec);
    }

    /** Applies {@code yaml}, the text of {@code file} (which errors name); the fuzz test calls this without a file. */
    static void apply(Path file, String yaml, CommandSpec spec) {
        try {
            applyText(file, yaml, spec);
        } catch (StackOverflowError e) {
            // a collection that holds itself through an alias (as RpcConfig.parse says; found by RpcConfigFuzzTest)
            throw new IllegalArgumentException(file + ": the configuration holds itself through a YAML alias (&x ... *x)");
        }
    }

    private static void applyText(Path file, String yaml, CommandSpec spec) {
        Object parsed;
        try {
            parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        } catch (YAMLException | ClassCastException e) {
            // (SnakeYAML 2.5 throws ClassCastException for a !!binary tag on a sequence; found by RpcConfigFuzzTest)
            throw new IllegalArgumentException(file + " is not valid YAML: " + e.getMessage());
        }
        if (parsed == null) {
            return; // an empty file: nothing to change
        }
        if (!(parsed instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException(file + ": the configuration must be a YAML mapping of option names");
        }
        ParseResult given = spec.commandLine().getParseResult();
        if (CentrifugoFile.isCentrifugo(root)) {
            // Centrifugo's own file: its settings are read from it when the protocol starts; its port here
            set(file, "centrifugo", spec.findOption("--centrifugo"), Boolean.TRUE, given);
            set(file, "centrifugo-config", spec.findOption("--centrifugo-config"), file.toString(), given);
            if (root.get("http_server") instanceof Map<?, ?> server && server.get("port") != null) {
                set(file, "http_server.port", spec.findOption("--port"), server.get("port"), given);
            }
            return;
        }
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals("bus") && e.getValue() instanceof Map<?, ?> bus) {
                for (Map.Entry<?, ?> b : bus.entrySet()) {
                    String busKey = String.valueOf(b.getKey());
                    String option = BUS_KEYS.get(busKey);
                    if (option == null) {
                        throw new IllegalArgumentException(file + ": unknown key bus." + busKey + " (known: "
                                + String.join(", ", new TreeSet<>(BUS_KEYS.keySet())) + ")");
                    }
                    set(file, "bus." + busKey, spec.findOption(option), b.getValue(), given);
                }
                continue;
            }
            if (key.equals("centrifugo") && e.getValue() instanceof Map<?, ?> centrifugo) {
                applyCentrifugo(file, centrifugo, spec, given);
                continue;
            }
            OptionSpec option = spec.findOption("--" + key);
            if (option == null || option.hidden() || key.equals("config") || key.equals("help") || key.equals("version")) {
                throw new IllegalArgumentException(file + ": unknown key " + key + " (known: " + String.join(", ", known(spec)) + ")");
            }
            set(file, key, option, e.getValue(), given);
        }
    }

    private static void applyCentrifugo(Path file, Map<?, ?> centrifugo, CommandSpec spec, ParseResult given) {
        if (!centrifugo.containsKey("enabled")) {
            set(file, "centrifugo.enabled", spec.findOption("--centrifugo"), Boolean.TRUE, given);
        }
        for (Map.Entry<?, ?> c : centrifugo.entrySet()) {
            String key = String.valueOf(c.getKey());
            if (key.equals("hmac-secret") || key.equals("hmac-secret-key") || key.equals("hmac_secret_key")) {
                throw new IllegalArgumentException(file + ": centrifugo." + key + ": the key does not go in the configuration;"
                        + " put it in a file (hmac-secret-file) or an environment variable (hmac-secret-env)");
            }
            if (key.equals("subscription-hmac-secret") || key.equals("subscription-hmac-secret-key")) {
                throw new IllegalArgumentException(file + ": centrifugo." + key + ": the key does not go in the configuration;"
                        + " put it in a file (subscription-hmac-secret-file) or an environment variable (subscription-hmac-secret-env)");
            }
            if (key.equals("api-key") || key.equals("api_key") || key.equals("key") || key.equals("http-api-key")) {
                throw new IllegalArgumentException(file + ": centrifugo." + key + ": the API key does not go in the configuration;"
                        + " put it in a file (api-key-file) or an environment variable (api-key-env)");
            }
            String option = CENTRIFUGO_KEYS.get(key);
            if (option == null) {
                throw new IllegalArgumentException(file + ": unknown key centrifugo." + key + " (known: "
                        + String.join(", ", new TreeSet<>(CENTRIFUGO_KEYS.keySet())) + ")");
            }
            Object value = c.getValue();
            if (key.equals("allowed-origins") && value instanceof List<?> origins) {
                List<String> names = new ArrayList<>();
                for (Object o : origins) {
                    if (o == null || o instanceof Map<?, ?> || o instanceof List<?> || String.valueOf(o).contains(",")) {
                        throw new IllegalArgumentException(file + ": centrifugo.allowed-origins must be a list of origins, got " + o);
                    }
                    names.add(String.valueOf(o));
                }
                value = String.join(",", names);
            }
            set(file, "centrifugo." + key, spec.findOption(option), value, given);
        }
    }

    private static void set(Path file, String key, OptionSpec option, Object value, ParseResult given) {
        if (given != null && given.hasMatchedOption(option)) {
            return; // the command line wins
        }
        if (value == null || value instanceof Map<?, ?> || value instanceof List<?>) {
            throw new IllegalArgumentException(file + ": " + key + " must be a single value, got " + value);
        }
        Class<?> type = option.type();
        Object converted;
        if (type == String.class) {
            converted = String.valueOf(value);
        } else if (type == int.class || type == Integer.class) {
            converted = integral(file, key, value, Integer.MIN_VALUE, Integer.MAX_VALUE).intValue();
        } else if (type == long.class || type == Long.class) {
            converted = integral(file, key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        } else if (type == boolean.class || type == Boolean.class) {
            if (!(value instanceof Boolean b)) {
                throw new IllegalArgumentException(file + ": " + key + " must be true or false, got " + value);
            }
            converted = b;
        } else if (type == Path.class) {
            converted = Path.of(String.valueOf(value));
        } else {
            throw new IllegalStateException("option " + option.longestName() + " has a type YAML cannot set: " + type);
        }
        option.setValue(converted);
    }

    private static Long integral(Path file, String key, Object value, long min, long max) {
        long v;
        if (value instanceof java.math.BigInteger big) {
            // past a long: longValue() wrapped 2^64 + 9100 round to 9100 (found by PushYamlFuzzTest)
            if (big.bitLength() >= Long.SIZE) {
                throw new IllegalArgumentException(file + ": " + key + " is out of range: " + value);
            }
            v = big.longValue();
        } else if (value instanceof Number n && !(value instanceof Double) && !(value instanceof Float)) {
            v = n.longValue();
        } else {
            try {
                v = Long.parseLong(String.valueOf(value).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": " + key + " must be an integer, got " + value);
            }
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(file + ": " + key + " is out of range: " + value);
        }
        return v;
    }

    private static List<String> known(CommandSpec spec) {
        List<String> names = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            String n = o.longestName();
            if (!o.hidden() && n.startsWith("--") && !n.equals("--config") && !n.equals("--help") && !n.equals("--version")) {
                names.add(n.substring(2));
            }
        }
        return names;
    }
}
