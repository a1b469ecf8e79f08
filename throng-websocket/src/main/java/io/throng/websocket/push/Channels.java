package io.throng.websocket.push;

/**
 * Channel names: 1 to 100 characters of {@code A-Z a-z 0-9 . _ - : ~}, so that they can be used in
 * a URL path as they are and logged without escaping.
 */
public final class Channels {
    public static final int MAX_LENGTH = 100;

    private Channels() {
    }

    public static boolean isValid(CharSequence name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '~';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code name} is refused, for error messages. */
    public static String problem(CharSequence name) {
        return "invalid channel name '" + name + "': use 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ - : ~";
    }
}
