package io.throng.websocket.centrifugo;

import io.throng.websocket.codec.JsonString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON this protocol needs (RFC 8259, strict): {@link #parse} makes objects into maps, arrays
 * into lists, strings into Strings, numbers into {@link Number}s that keep their literal text,
 * {@code true}/{@code false} into Booleans and {@code null} into {@link #NULL}; {@link #write}
 * writes such a tree back compactly. A payload ({@code data}) is re-written rather than copied
 * byte for byte, so that a line break in a pretty-printed one cannot split a line of the
 * newline-delimited framing.
 *
 * <p>Nesting is limited to {@value #MAX_DEPTH} levels, so that a hostile line cannot overflow the
 * stack of the thread that parses it.
 */
public final class Json {
    /** Deeper documents are refused: no payload a notification carries needs more. */
    public static final int MAX_DEPTH = 64;
    /** The JSON {@code null}, as a value distinct from a missing key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    /** A number as written: its text is kept, so that an offset above 2^53 or a decimal is not rounded. */
    public record Number(String literal) {
        /** The value if it is an integer within [min, max], else null. */
        public Long integer(long min, long max) {
            try {
                long v = Long.parseLong(literal);
                return v >= min && v <= max ? v : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    /** Not JSON, with where and why. */
    public static final class JsonException extends Exception {
        JsonException(String message) {
            super(message, null, false, false);
        }
    }

    private final String s;
    private int p;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value that fills {@code text} (whitespace around it allowed). */
    public static Object parse(String text) throws JsonException {
        Json j = new Json(text);
        j.skipSpace();
        Object v = j.value(0);
        j.skipSpace();
        if (j.p != text.length()) {
            throw j.error("text after the value");
        }
        return v;
    }

    /** The value compactly written. */
    public static String write(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b);
        return b.toString();
    }

    public static void write(Object value, StringBuilder b) {
        switch (value) {
            case String str -> quote(str, b);
            case Number n -> b.append(n.literal());
            case Boolean bool -> b.append(bool);
            case Map<?, ?> m -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        b.append(',');
                    }
                    first = false;
                    quote(String.valueOf(e.getKey()), b);
                    b.append(':');
                    write(e.getValue(), b);
                }
                b.append('}');
            }
            case List<?> l -> {
                b.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    write(l.get(i), b);
                }
                b.append(']');
            }
            default -> {
                if (value != NULL) {
                    throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
                }
                b.append("null");
            }
        }
    }

    /** Appends {@code str} as a JSON string (quotes, backslashes, control characters, U+2028 and U+2029 escaped). */
    public static void quote(String str, StringBuilder b) {
        b.append('"');
        JsonString.escape(str, b);
        b.append('"');
    }

    // ================================================================ parsing

    private Object value(int depth) throws JsonException {
        if (p >= s.length()) {
            throw error("a value expected");
        }
        char c = s.charAt(p);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) throws JsonException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        p++; // {
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            p++;
            return m;
        }
        while (true) {
            skipSpace();
            if (peek() != '"') {
                throw error("a key expected");
            }
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            m.put(key, value(depth));
            skipSpace();
            char c = peek();
            p++;
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                throw error("',' or '}' expected");
            }
        }
    }

    private List<Object> array(int depth) throws JsonException {
        if (depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
        p++; // [
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            p++;
            return l;
        }
        while (true) {
            skipSpace();
            l.add(value(depth));
            skipSpace();
            char c = peek();
            p++;
            if (c == ']') {
                return l;
            }
            if (c != ',') {
                throw error("',' or ']' expected");
            }
        }
    }

    private String string() throws JsonException {
        p++; // "
        StringBuilder b = null;
        int start = p;
        while (true) {
            if (p >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(p);
            if (c == '"') {
                String out = b == null ? s.substring(start, p) : b.append(s, start, p).toString();
                p++;
                return out;
            }
            if (c < 0x20) {
                throw error("a control character in a string");
            }
            if (c != '\\') {
                p++;
                continue;
            }
            if (b == null) {
                b = new StringBuilder();
            }
            b.append(s, start, p);
            p++;
            if (p >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(p++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (p + 4 > s.length()) {
                        throw error("short \\u escape");
                    }
                    int v = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = Character.digit(s.charAt(p + i), 16);
                        if (d < 0) {
                            throw error("bad \\u escape");
                        }
                        v = v * 16 + d;
                    }
                    p += 4;
                    b.append((char) v);
                }
                default -> throw error("bad escape \\" + e);
            }
            start = p;
        }
    }

    private Number number() throws JsonException {
        int start = p;
        if (peek() == '-') {
            p++;
        }
        if (peek() == '0') {
            p++;
        } else if (digit()) {
            while (digit()) {
                p++;
            }
        } else {
            throw error("a digit expected");
        }
        if (peek() == '.') {
            p++;
            if (!digit()) {
                throw error("a digit expected after '.'");
            }
            while (digit()) {
                p++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            p++;
            if (peek() == '+' || peek() == '-') {
                p++;
            }
            if (!digit()) {
                throw error("a digit expected in the exponent");
            }
            while (digit()) {
                p++;
            }
        }
        return new Number(s.substring(start, p));
    }

    private boolean digit() {
        char c = peek();
        return c >= '0' && c <= '9';
    }

    private Object literal(String word, Object value) throws JsonException {
        if (!s.startsWith(word, p)) {
            throw error("unexpected characters");
        }
        p += word.length();
        return value;
    }

    private char peek() {
        return p < s.length() ? s.charAt(p) : '\0';
    }

    private void expect(char c) throws JsonException {
        if (peek() != c) {
            throw error("'" + c + "' expected");
        }
        p++;
    }

    private void skipSpace() {
        while (p < s.length()) {
            char c = s.charAt(p);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            p++;
        }
    }

    private JsonException error(String why) {
        return new JsonException(why + " at offset " + p);
    }
}
