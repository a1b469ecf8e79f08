package io.throng.websocket.codec;

/**
 * A JSON string's contents (RFC 8259, section 7), for the replies and notifications written by
 * hand (the bus's outcomes and states, the Centrifugo protocol's): quotes, backslashes and control
 * characters escaped, and the line and paragraph separators U+2028 and U+2029 too: JSON allows
 * them raw, but JavaScript before ES2019 did not in a string literal, so escaped they are safe
 * anywhere. One escaper for both, so that they cannot drift apart.
 */
public final class JsonString {
    private JsonString() {
    }

    /** {@code s} escaped, without the quotes around it. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        escape(s, b);
        return b.toString();
    }

    /** Appends {@code s} escaped, without the quotes around it. */
    public static void escape(String s, StringBuilder b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
