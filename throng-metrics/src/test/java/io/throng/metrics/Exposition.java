package io.throng.metrics;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Prometheus text format, 0.0.4, read strictly: every line a HELP, a TYPE or a sample
 * {@code name{labels} value [timestamp]} of a family typed before it. Throws AssertionError on the
 * first line that is not.
 */
final class Exposition {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final String LABEL = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
    private static final String VALUE = "(?:[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?|NaN|[-+]Inf)";
    private static final Pattern SAMPLE = Pattern.compile(
            "(" + NAME + ")(\\{(?:" + LABEL + "(?:," + LABEL + ")*,?)?\\})? (" + VALUE + ")(?: -?\\d+)?");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ")( .*)?");

    private Exposition() {
    }

    /** The samples by series ({@code name{labels}} as written), after checking every line. */
    static Map<String, Double> parse(String text) {
        if (!text.endsWith("\n")) {
            throw new AssertionError("the exposition does not end with a line feed");
        }
        Map<String, Double> samples = new LinkedHashMap<>();
        Set<String> typed = new HashSet<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            Matcher m;
            if ((m = TYPE.matcher(line)).matches()) {
                if (!typed.add(m.group(1))) {
                    throw new AssertionError("line " + n + ": a second TYPE for " + m.group(1));
                }
            } else if (HELP.matcher(line).matches()) {
                continue;
            } else if (line.startsWith("#")) {
                throw new AssertionError("line " + n + ": a comment that is neither HELP nor TYPE: " + line);
            } else if ((m = SAMPLE.matcher(line)).matches()) {
                String name = m.group(1);
                String family = name.replaceFirst("_(bucket|sum|count|created)$", "");
                if (!typed.contains(name) && !typed.contains(family)) {
                    throw new AssertionError("line " + n + ": a sample of no TYPE'd family: " + line);
                }
                String series = name + (m.group(2) == null ? "" : m.group(2));
                if (samples.put(series, parseValue(m.group(3))) != null) {
                    throw new AssertionError("line " + n + ": series " + series + " twice");
                }
            } else {
                throw new AssertionError("line " + n + " is not Prometheus text 0.0.4: " + line);
            }
        }
        return samples;
    }

    private static double parseValue(String v) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }

    /** The value of {@code series}, or an AssertionError naming what there is. */
    static double value(Map<String, Double> samples, String series) {
        Double v = samples.get(series);
        if (v == null) {
            throw new AssertionError("no series " + series + " in the scrape; throng's are "
                    + samples.keySet().stream().filter(s -> s.startsWith("throng_")).toList());
        }
        return v;
    }
}
