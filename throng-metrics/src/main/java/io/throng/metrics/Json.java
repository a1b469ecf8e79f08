package io.throng.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * JSON text (RFC 8259) for the admin port's answers, written by Jackson: maps (in their order),
 * lists, strings, numbers, booleans, null, and {@link com.fasterxml.jackson.databind.util.RawValue}
 * for JSON that is already text (a configuration given as JSON). Any thread.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("no JSON for " + value.getClass().getName() + ": " + e.getMessage(), e);
        }
    }
}
