package io.throng.websocket.push;

/**
 * Channel names: 1 to 100 characters of {@code A-Z a-z 0-9 . _ - : ~}, so that they can be used in
 * a URL path as they are and logged without escaping; a leading {@code $} makes a channel private
 * (Centrifugo's private prefix): it can be published to, but subscribed to only through the
 * Centrifugo protocol with a subscription token, never through the raw {@code /sub/} endpoint.
 */
public final class Channels {
    public static final int MAX_LENGTH = 100;

    private Channels() {
    }

    public static boolean isValid(CharSequence name) {
        if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
            return false;
        }
        int from = name.charAt(0) == '$' ? 1 : 0;
        if (from == name.length()) {
            return false;
        }
        for (int i = from; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-' || c == ':' || c == '~';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A valid name that starts with {@code $}: subscribing needs a subscription token. */
    public static boolean isPrivate(CharSequence name) {
        return isValid(name) && name.charAt(0) == '$';
    }

    /** Why {@code name} is refused, for error messages. */
    public static String problem(CharSequence name) {
        return "invalid channel name '" + name + "': use 1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ - : ~"
                + " (a leading $ for a private channel)";
    }
}
