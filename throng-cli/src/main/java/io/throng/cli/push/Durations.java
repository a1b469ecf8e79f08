package io.throng.cli.push;

import java.time.Duration;
import java.util.Locale;

/** Durations as typed on the command line: "500ms", "30s", "2m", "1h", or seconds. */
final class Durations {
    private Durations() {
    }

    /**
     * Never negative, and an amount past what a Duration holds is an error: "status-interval: -5ms"
     * was taken as is (the settings that check their own sign refused the others),
     * "9999999999999999h" threw ArithmeticException, and minutes past a long wrapped round to a
     * negative amount (found by PushYamlFuzzTest's seeds).
     */
    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Duration d;
        try {
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            } else if (v.endsWith("m")) {
                d = Duration.ofSeconds(Math.multiplyExact(Long.parseLong(v.substring(0, v.length() - 1)), 60));
            } else if (v.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                d = Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (examples: 500ms, 30s, 2m, 1h)");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("'" + value + "' is negative; a duration is 0 or more (examples: 500ms, 30s, 2m, 1h)");
        }
        return d;
    }
}
