package io.throng.cli;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.TransportKind;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;

/** Command-line spellings of config values. */
final class Converters {
    private Converters() {
    }

    static final class ModelConverter implements ITypeConverter<Model> {
        @Override
        public Model convert(String value) {
            return Model.parse(value);
        }
    }

    static final class TransportConverter implements ITypeConverter<TransportKind> {
        @Override
        public TransportKind convert(String value) {
            return TransportKind.parse(value);
        }
    }

    static final class AcceptConverter implements ITypeConverter<AcceptMode> {
        @Override
        public AcceptMode convert(String value) {
            return AcceptMode.parse(value);
        }
    }

    /** "30s", "500ms", "2m", "1h", or a bare number of seconds. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    static Duration parseDuration(String value) {
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            if (v.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (examples: 500ms, 30s, 2m, 1h)");
        }
    }
}
