package io.throng.rpc.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mapping read from YAML, with typed getters whose errors name the path ({@code
 * client.service[1].multiplexed.max_vir_conns_per_conn}), and a check that no unknown key was
 * written (a typo must not silently become a default).
 */
final class YamlNode {
    private final String path;
    private final Map<?, ?> map;
    private final Set<String> read = new HashSet<>();

    YamlNode(String path, Map<?, ?> map) {
        this.path = path;
        this.map = map == null ? Map.of() : map;
    }

    static YamlNode root(Object parsed) {
        if (parsed != null && !(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("the configuration must be a YAML mapping, got " + parsed.getClass().getSimpleName());
        }
        return new YamlNode("", (Map<?, ?>) parsed);
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return map.containsKey(key);
    }

    private Object get(String key) {
        read.add(key);
        return map.get(key);
    }

    YamlNode child(String key) {
        Object v = get(key);
        if (v == null) {
            return new YamlNode(path(key), Map.of());
        }
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(path(key) + " must be a mapping, got " + v);
        }
        return new YamlNode(path(key), m);
    }

    List<YamlNode> list(String key) {
        Object v = get(key);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException(path(key) + " must be a list, got " + v);
        }
        List<YamlNode> out = new ArrayList<>();
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(path(key) + "[" + i + "] must be a mapping, got " + l.get(i));
            }
            out.add(new YamlNode(path(key) + "[" + i + "]", m));
        }
        return out;
    }

    String string(String key, String dflt) {
        Object v = get(key);
        return v == null ? dflt : String.valueOf(v);
    }

    int integer(String key, int dflt) {
        Object v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n && n.longValue() == n.intValue()) {
            return n.intValue();
        }
        throw new IllegalArgumentException(path(key) + " must be an integer, got " + v);
    }

    boolean bool(String key, boolean dflt) {
        Object v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(path(key) + " must be true or false, got " + v);
    }

    /** A duration: an integer in milliseconds (tRPC-Go's unit) or a string such as 500ms, 2s, 1m. */
    Duration millis(String key, Duration dflt) {
        Object v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            if (n.longValue() < 0) {
                throw new IllegalArgumentException(path(key) + " must not be negative, got " + v);
            }
            return Duration.ofMillis(n.longValue());
        }
        String s = String.valueOf(v).strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).strip()) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1).strip()) * 60);
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(path(key) + " must be milliseconds or a duration like 500ms, 2s, 1m; got " + v);
        }
    }

    /** Fails on keys that were never read: a typo must not silently become a default. */
    void rejectUnknown(String... ignored) {
        Set<String> skip = Set.of(ignored);
        for (Object k : map.keySet()) {
            String key = String.valueOf(k);
            if (!read.contains(key) && !skip.contains(key)) {
                throw new IllegalArgumentException("unknown key " + path(key) + " (known here: "
                        + String.join(", ", read) + ")");
            }
        }
    }
}
