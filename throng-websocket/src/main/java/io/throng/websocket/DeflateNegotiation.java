package io.throng.websocket;

import io.throng.websocket.codec.DeflateParams;
import java.util.ArrayList;
import java.util.List;

/**
 * permessage-deflate negotiation (RFC 7692 section 7.1): the server picks the first acceptable
 * offer of a Sec-WebSocket-Extensions list; the client checks the server's answer against its offer.
 * An offer with an unknown, repeated or out-of-range parameter is declined (the next one is tried);
 * an answer like that fails the client's handshake.
 */
public final class DeflateNegotiation {
    public static final String NAME = "permessage-deflate";
    private static final String SERVER_NO_TAKEOVER = "server_no_context_takeover";
    private static final String CLIENT_NO_TAKEOVER = "client_no_context_takeover";
    private static final String SERVER_WINDOW = "server_max_window_bits";
    private static final String CLIENT_WINDOW = "client_max_window_bits";

    private DeflateNegotiation() {
    }

    /** One extension of a list: its name and parameters (value null when absent). */
    record Extension(String name, List<String[]> params) {
    }

    /** The server's choice among the offers in {@code header} (all Sec-WebSocket-Extensions values, comma-joined), or null. */
    public static DeflateParams accept(String header, DeflateConfig config) {
        List<Extension> offers = parse(header);
        if (offers == null) {
            return null;
        }
        for (Extension offer : offers) {
            if (!offer.name().equalsIgnoreCase(NAME)) {
                continue;
            }
            DeflateParams p = acceptOne(offer, config);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    private static DeflateParams acceptOne(Extension offer, DeflateConfig config) {
        boolean serverNoTakeover = false;
        boolean clientNoTakeover = false;
        int serverWindow = 0;
        boolean clientWindowOffered = false;
        for (String[] p : offer.params()) {
            String name = p[0];
            String value = p[1];
            switch (name.toLowerCase(java.util.Locale.ROOT)) {
                case SERVER_NO_TAKEOVER -> {
                    if (serverNoTakeover || value != null) {
                        return null;
                    }
                    serverNoTakeover = true;
                }
                case CLIENT_NO_TAKEOVER -> {
                    if (clientNoTakeover || value != null) {
                        return null;
                    }
                    clientNoTakeover = true;
                }
                case SERVER_WINDOW -> {
                    int bits = windowBits(value);
                    if (serverWindow != 0 || bits == 0) {
                        return null;
                    }
                    serverWindow = bits;
                }
                case CLIENT_WINDOW -> {
                    if (clientWindowOffered || (value != null && windowBits(value) == 0)) {
                        return null;
                    }
                    clientWindowOffered = true;
                }
                default -> {
                    return null;
                }
            }
        }
        boolean localNoTakeover = serverNoTakeover || config.serverNoContextTakeover();
        boolean peerNoTakeover = clientNoTakeover || config.clientNoContextTakeover();
        int window = serverWindow == 0 ? config.serverMaxWindowBits() : Math.min(serverWindow, config.serverMaxWindowBits());
        StringBuilder answer = new StringBuilder(NAME);
        if (localNoTakeover) {
            answer.append("; ").append(SERVER_NO_TAKEOVER);
        }
        if (peerNoTakeover) {
            answer.append("; ").append(CLIENT_NO_TAKEOVER);
        }
        if (serverWindow != 0 || window < 15) {
            answer.append("; ").append(SERVER_WINDOW).append('=').append(window);
        }
        // client_max_window_bits is never limited: our decompressor reads any window size.
        return new DeflateParams(localNoTakeover, peerNoTakeover, window, answer.toString());
    }

    /** The offer a client sends for {@code config}. */
    public static String offer(DeflateConfig config) {
        StringBuilder sb = new StringBuilder(NAME);
        if (config.serverNoContextTakeover()) {
            sb.append("; ").append(SERVER_NO_TAKEOVER);
        }
        if (config.clientNoContextTakeover()) {
            sb.append("; ").append(CLIENT_NO_TAKEOVER);
        }
        if (config.serverMaxWindowBits() < 15) {
            sb.append("; ").append(SERVER_WINDOW).append('=').append(config.serverMaxWindowBits());
        }
        sb.append("; ").append(CLIENT_WINDOW);
        return sb.toString();
    }

    /**
     * Checks the server's answer (null when it sent none) against what {@link #offer} offered.
     * Returns null when compression was not accepted, or throws with the reason when the answer is
     * not one the offer allows.
     */
    public static DeflateParams clientAccepts(String answer, DeflateConfig config) {
        if (answer == null || answer.isBlank()) {
            return null;
        }
        List<Extension> exts = parse(answer);
        if (exts == null || exts.size() != 1 || !exts.get(0).name().equalsIgnoreCase(NAME)) {
            throw new IllegalArgumentException("the server answered with extensions we did not offer: " + answer);
        }
        boolean serverNoTakeover = false;
        boolean clientNoTakeover = false;
        int serverWindow = 0;
        int clientWindow = 0;
        for (String[] p : exts.get(0).params()) {
            String name = p[0].toLowerCase(java.util.Locale.ROOT);
            String value = p[1];
            boolean ok = switch (name) {
                case SERVER_NO_TAKEOVER -> !serverNoTakeover && value == null && (serverNoTakeover = true);
                case CLIENT_NO_TAKEOVER -> !clientNoTakeover && value == null && (clientNoTakeover = true);
                case SERVER_WINDOW -> serverWindow == 0 && (serverWindow = windowBits(value)) != 0
                        && (config.serverMaxWindowBits() == 15 || serverWindow <= config.serverMaxWindowBits());
                case CLIENT_WINDOW -> clientWindow == 0 && (clientWindow = windowBits(value)) != 0;
                default -> false;
            };
            if (!ok) {
                throw new IllegalArgumentException("the server's permessage-deflate answer is not acceptable: " + answer);
            }
        }
        if (config.serverNoContextTakeover() && !serverNoTakeover) {
            throw new IllegalArgumentException("the server did not accept server_no_context_takeover: " + answer);
        }
        return new DeflateParams(clientNoTakeover || config.clientNoContextTakeover(), serverNoTakeover,
                clientWindow == 0 ? 15 : clientWindow, null);
    }

    /** 8..15 from a (possibly quoted) decimal value, or 0 if it is not one. */
    static int windowBits(String value) {
        if (value == null || value.isEmpty() || value.length() > 2 || value.charAt(0) == '0') {
            return 0;
        }
        int bits = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            bits = bits * 10 + (c - '0');
        }
        return bits >= 8 && bits <= 15 ? bits : 0;
    }

    /**
     * Parses {@code extension *( ";" param )} separated by commas, params being
     * {@code token [ "=" ( token | quoted-string ) ]}. Returns null if the list is malformed.
     */
    static List<Extension> parse(String s) {
        List<Extension> out = new ArrayList<>();
        int[] at = {0};
        while (true) {
            skipSpace(s, at);
            if (at[0] >= s.length()) {
                return out;
            }
            if (s.charAt(at[0]) == ',') { // empty list elements are allowed (RFC 9110 section 5.6.1)
                at[0]++;
                continue;
            }
            String name = token(s, at);
            if (name == null) {
                return null;
            }
            List<String[]> params = new ArrayList<>();
            while (true) {
                skipSpace(s, at);
                if (at[0] >= s.length() || s.charAt(at[0]) == ',') {
                    break;
                }
                if (s.charAt(at[0]) != ';') {
                    return null;
                }
                at[0]++;
                skipSpace(s, at);
                String pname = token(s, at);
                if (pname == null) {
                    return null;
                }
                skipSpace(s, at);
                String value = null;
                if (at[0] < s.length() && s.charAt(at[0]) == '=') {
                    at[0]++;
                    skipSpace(s, at);
                    value = at[0] < s.length() && s.charAt(at[0]) == '"' ? quoted(s, at) : token(s, at);
                    if (value == null) {
                        return null;
                    }
                }
                params.add(new String[] {pname, value});
            }
            out.add(new Extension(name, params));
        }
    }

    private static void skipSpace(String s, int[] at) {
        while (at[0] < s.length() && (s.charAt(at[0]) == ' ' || s.charAt(at[0]) == '\t')) {
            at[0]++;
        }
    }

    private static String token(String s, int[] at) {
        int start = at[0];
        while (at[0] < s.length() && Http.isTokenChar(s.charAt(at[0]))) {
            at[0]++;
        }
        return at[0] == start ? null : s.substring(start, at[0]);
    }

    private static String quoted(String s, int[] at) {
        StringBuilder sb = new StringBuilder();
        at[0]++; // opening quote
        while (at[0] < s.length()) {
            char c = s.charAt(at[0]++);
            if (c == '"') {
                return sb.toString();
            }
            if (c == '\\' && at[0] < s.length()) {
                c = s.charAt(at[0]++);
            }
            sb.append(c);
        }
        return null;
    }
}
