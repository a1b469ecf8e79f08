package io.throng.websocket.centrifugo;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code aud} and {@code iss} checks of tokens, as Centrifugo's {@code client.token} has them
 * ({@code audience}, {@code audience_regex}, {@code issuer}, {@code issuer_regex}): each one, when
 * set, is required of every connection and subscription token, and a token that fails it is
 * invalid (close 3500 at connect and refresh, error 103 at subscribe), whatever its expiry says.
 *
 * <ul>
 *   <li>{@code audience}: the token's {@code aud} (a string, or a list of which one must be it)
 *       equals it;</li>
 *   <li>{@code audience_regex}: one of the token's audiences contains a match (Centrifugo uses Go's
 *       {@code FindStringSubmatch}, unanchored: anchor with {@code ^...$} to match the whole);</li>
 *   <li>{@code issuer} / {@code issuer_regex}: the same for {@code iss} (a missing one is "").</li>
 * </ul>
 * The regexes are Java's ({@link Pattern}); Go's named groups {@code (?P<name>...)} are accepted
 * and read as Java's {@code (?<name>...)} (Centrifugo uses the groups for JWKS endpoint templates,
 * which throng does not fetch). A value and its regex together are refused, as Centrifugo does.
 *
 * @param audience      or null
 * @param audienceRegex or null
 * @param issuer        or null
 * @param issuerRegex   or null
 */
public record ClaimChecks(String audience, String audienceRegex, String issuer, String issuerRegex) {
    public static final ClaimChecks NONE = new ClaimChecks(null, null, null, null);

    public ClaimChecks {
        audience = emptyIsNull(audience);
        audienceRegex = emptyIsNull(audienceRegex);
        issuer = emptyIsNull(issuer);
        issuerRegex = emptyIsNull(issuerRegex);
        if (audience != null && audienceRegex != null) {
            throw new IllegalArgumentException("both a token audience and an audience regex: configure one of them (as Centrifugo)");
        }
        if (issuer != null && issuerRegex != null) {
            throw new IllegalArgumentException("both a token issuer and an issuer regex: configure one of them (as Centrifugo)");
        }
        compile("audience regex", audienceRegex);
        compile("issuer regex", issuerRegex);
    }

    private static String emptyIsNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** {@code regex} compiled (Go's {@code (?P<name>} read as Java's {@code (?<name>}), or null for none. */
    static Pattern compile(String what, String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex.replace("(?P<", "(?<"));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("the token " + what + " is not a regular expression: " + e.getDescription());
        }
    }

    public boolean isEmpty() {
        return audience == null && audienceRegex == null && issuer == null && issuerRegex == null;
    }

    /** For the start lines; "none" without checks. The values are not secret (they are in every token). */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (audience != null) {
            parts.add("aud = " + audience);
        }
        if (audienceRegex != null) {
            parts.add("aud ~ /" + audienceRegex + "/");
        }
        if (issuer != null) {
            parts.add("iss = " + issuer);
        }
        if (issuerRegex != null) {
            parts.add("iss ~ /" + issuerRegex + "/");
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
