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
 * <p>{@code userIdClaim} is Centrifugo's {@code user_id_claim}: the claim the user comes from instead
 * of {@code sub} (a top-level claim, named as Centrifugo requires: letters and underscores).
 *
 * @param audience      or null
 * @param audienceRegex or null
 * @param issuer        or null
 * @param issuerRegex   or null
 * @param userIdClaim   or null for {@code sub}
 */
public record ClaimChecks(String audience, String audienceRegex, String issuer, String issuerRegex, String userIdClaim) {
    public static final ClaimChecks NONE = new ClaimChecks(null, null, null, null, null);
    /** Centrifugo's rule for a user id claim's name (it reads a top-level claim only). */
    private static final Pattern CLAIM_NAME = Pattern.compile("[a-zA-Z_]+");

    /** The aud/iss checks alone, the user from {@code sub}. */
    public ClaimChecks(String audience, String audienceRegex, String issuer, String issuerRegex) {
        this(audience, audienceRegex, issuer, issuerRegex, null);
    }

    public ClaimChecks {
        audience = emptyIsNull(audience);
        audienceRegex = emptyIsNull(audienceRegex);
        issuer = emptyIsNull(issuer);
        issuerRegex = emptyIsNull(issuerRegex);
        userIdClaim = emptyIsNull(userIdClaim);
        if (userIdClaim != null && !CLAIM_NAME.matcher(userIdClaim).matches()) {
            throw new IllegalArgumentException("the user id claim '" + userIdClaim + "' is not a claim name: letters and"
                    + " underscores only (as Centrifugo)");
        }
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

    /** No aud/iss check (the user id claim is not a check). */
    public boolean isEmpty() {
        return audience == null && audienceRegex == null && issuer == null && issuerRegex == null;
    }

    /** This with the user read from {@code claim} (null or empty: from {@code sub}). */
    public ClaimChecks withUserIdClaim(String claim) {
        return new ClaimChecks(audience, audienceRegex, issuer, issuerRegex, claim);
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
        if (userIdClaim != null) {
            parts.add("user from " + userIdClaim);
        }
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
