package io.throng.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An effective configuration as JSON, for {@code GET /cmds/config}: made from the indented
 * "key: value" lines the configuration records print at start ({@code ServerConfig.describe()}
 * and its siblings), so the admin port shows exactly what the log showed. Whole numbers and
 * true/false become JSON numbers and booleans; the rest stays text ("8 MiB", "10s").
 *
 * <p>The describes hold no secrets (TLS shows certificate paths, never a key or its contents); as a
 * second fence, a value whose key names a password, passphrase, secret, token or credential is
 * replaced by {@code "(redacted)"}.
 */
public final class ConfigJson {
    private static final Pattern SECRET = Pattern.compile(".*(password|passphrase|secret|token|credential).*");
    private static final Pattern WHOLE = Pattern.compile("-?\\d{1,18}");

    private ConfigJson() {
    }

    /**
     * JSON for the lines in {@code describe}: two spaces of indent per level, "key:" (or a bare
     * "key") opening a section, "key: value" a setting. Throws IllegalArgumentException naming the line if the
     * text is not of that shape.
     */
    public static String fromDescribe(String describe) {
        Map<String, Object> root = new LinkedHashMap<>();
        List<Map<String, Object>> open = new ArrayList<>(List.of(root)); // open.get(d): the section at depth d
        int number = 0;
        for (String line : describe.split("\n")) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            int spaces = 0;
            while (spaces < line.length() && line.charAt(spaces) == ' ') {
                spaces++;
            }
            int depth = spaces / 2;
            int colon = line.indexOf(':');
            boolean bare = colon < 0 && line.strip().matches("[A-Za-z0-9_.-]+"); // a section without its colon
            if (spaces % 2 != 0 || depth >= open.size() || (colon <= spaces && !bare)) {
                throw new IllegalArgumentException("line " + number + " is not an indented 'key: value': " + line);
            }
            String key = bare ? line.strip() : line.substring(spaces, colon).strip();
            String value = bare ? "" : line.substring(colon + 1).strip();
            Map<String, Object> section = open.get(depth);
            open.subList(depth + 1, open.size()).clear();
            if (value.isEmpty()) {
                Map<String, Object> child = new LinkedHashMap<>();
                section.put(key, child);
                open.add(child);
            } else {
                section.put(key, SECRET.matcher(key.toLowerCase(Locale.ROOT)).matches() ? "(redacted)" : typed(value));
            }
        }
        return Json.write(root);
    }

    private static Object typed(String value) {
        if (value.equals("true") || value.equals("false")) {
            return Boolean.valueOf(value);
        }
        if (WHOLE.matcher(value).matches()) {
            return Long.parseLong(value);
        }
        return value;
    }
}
