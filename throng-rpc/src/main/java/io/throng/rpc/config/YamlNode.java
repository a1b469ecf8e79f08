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
        // An integer of int's range only: comparing longValue() with intValue() took 8000.5 as 8000
        // and wrapped 2^64 + 5 to 5 (found by RpcConfigFuzzTest).
        Long exact = v instanceof Number n ? exactLong(n) : null;
        if (exact != null && exact == exact.intValue()) {
            return exact.intValue();
        }
        throw new IllegalArgumentException(path(key) + " must be an integer, got " + v);
    }

    /** {@code n} if it is an integer that a long holds (SnakeYAML reads one as Integer, Long or BigInteger), else null. */
    private static Long exactLong(Number n) {
        if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
            return n.longValue();
        }
        if (n instanceof java.math.BigInteger b && b.bitLength() < Long.SIZE) {
            return b.longValue();
        }
        return null;
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

    /**
     * A duration: an integer in milliseconds (tRPC-Go's unit) or a string such as 500ms, 2s, 1m;
     * never negative. (A fraction of a millisecond used to be dropped, and a negative string or
     * minutes past a long's range came out as a negative duration; found by RpcConfigFuzzTest.)
     */
    Duration millis(String key, Duration dflt) {
        Object v = get(key);
        if (v == null) {
            return dflt;
        }
        Duration d;
        if (v instanceof Number n) {
            Long ms = exactLong(n);
            if (ms == null) {
                throw new IllegalArgumentException(path(key) + " must be a whole number of milliseconds, got " + v);
            }
            d = Duration.ofMillis(ms);
        } else {
            d = parseDuration(String.valueOf(v).strip().toLowerCase(java.util.Locale.ROOT), key, v);
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(path(key) + " must not be negative, got " + v);
        }
        return d;
    }

    private Duration parseDuration(String s, String key, Object v) {
        try {
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).strip()));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1).strip()) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofSeconds(Math.multiplyExact(Long.parseLong(s.substring(0, s.length() - 1).strip()), 60));
            }
            return Duration.ofMillis(Long.parseLong(s));
        } catch (NumberFormatException | ArithmeticException e) {
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
