package io.throng.websocket.centrifugo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Checks Centrifugo connection tokens: JWTs signed with HS256/384/512, RS256/384/512 or
 * ES256/384/512, each family with its own key from {@link TokenKeys} (nimbus-jose-jwt decodes and
 * verifies; the MAC comparison is constant-time). Claims read: {@code sub} (the user; absent means ""), {@code exp}
 * and {@code nbf} (each only if present, as Centrifugo does), {@code expire_at} (the connection's
 * expiry, overriding {@code exp}; 0 for never), {@code channels} (server-side subscriptions),
 * {@code info}/{@code b64info} (the client info), and {@code aud}/{@code iss} when the keys carry
 * {@link ClaimChecks} (checked before the expiry, as in Centrifugo).
 * A token with a {@code channel} claim is a subscription token and refused here, as Centrifugo does.
 *
 * <p>A token naming another algorithm ({@code none}, PS256, EdDSA...), or one whose family has no
 * key configured, is invalid whatever its signature. Verdicts never carry the token, so that nobody logs it by accident.
 * Thread-safe.
 */
public final class ConnectionTokens {
    /** What a connection token says. */
    public sealed interface Verdict {
    }

    /** What a subscription token says. */
    public sealed interface SubscriptionVerdict {
    }

    /**
     * A good token. {@code expiresAt}: when the connection must have refreshed it, in Unix seconds,
     * 0 for never. {@code infoJson}: its {@code info} (or {@code b64info} decoded) as compact JSON
     * text, Centrifugo's {@code conn_info}; null when it has none.
     */
    public record Valid(String user, long expiresAt, List<String> channels, String infoJson) implements Verdict {
        public Valid(String user, long expiresAt, List<String> channels) {
            this(user, expiresAt, channels, null);
        }
    }

    /** Signed correctly but past its {@code exp}: error 109, the SDK fetches a new one. */
    public record Expired() implements Verdict, SubscriptionVerdict {
    }

    /** Anything else: close 3500. {@code why} names the problem, never the token. */
    public record Invalid(String why) implements Verdict, SubscriptionVerdict {
    }

    private final MACVerifier hmac;
    private final RSASSAVerifier rsa;
    private final ECDSAVerifier ecdsa;
    /** A JWKS's verifiers by kid (RSA keys' and EC keys'); empty without one. */
    private final java.util.Map<String, JWSVerifier> byKid;
    private final int maxTokenBytes;
    /** The aud/iss checks (null: that check is off). */
    private final String audience;
    private final java.util.regex.Pattern audienceRegex;
    private final String issuer;
    private final java.util.regex.Pattern issuerRegex;
    /** The claim the user comes from (Centrifugo's user_id_claim), or null for {@code sub}. */
    private final String userIdClaim;

    public ConnectionTokens(byte[] hmacSecret, int maxTokenBytes) {
        this(TokenKeys.hmac(hmacSecret), maxTokenBytes);
    }

    public ConnectionTokens(TokenKeys keys, int maxTokenBytes) {
        try {
            byte[] secret = keys.hmacSecret();
            this.hmac = secret == null ? null : new MACVerifier(secret);
            this.rsa = keys.rsa() == null ? null : new RSASSAVerifier(keys.rsa());
            this.ecdsa = keys.ecdsa() == null ? null : new ECDSAVerifier(keys.ecdsa());
            java.util.Map<String, JWSVerifier> kids = new java.util.HashMap<>();
            for (var e : keys.jwks().entrySet()) {
                kids.put(e.getKey(), e.getValue() instanceof java.security.interfaces.RSAPublicKey r ? new RSASSAVerifier(r)
                        : new ECDSAVerifier((java.security.interfaces.ECPublicKey) e.getValue()));
            }
            this.byKid = java.util.Map.copyOf(kids);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("a token key cannot verify: " + e.getMessage());
        }
        this.maxTokenBytes = maxTokenBytes;
        ClaimChecks checks = keys.checks();
        this.audience = checks.audience();
        this.audienceRegex = ClaimChecks.compile("audience regex", checks.audienceRegex());
        this.issuer = checks.issuer();
        this.issuerRegex = ClaimChecks.compile("issuer regex", checks.issuerRegex());
        this.userIdClaim = checks.userIdClaim();
    }

    /**
     * The verifier for {@code alg}'s family (and, with a JWKS, the key {@code kid} names, of that
     * family), or null when the algorithm is not accepted or there is no such key.
     */
    private JWSVerifier verifierFor(JWSAlgorithm alg, String kid) {
        if (JWSAlgorithm.HS256.equals(alg) || JWSAlgorithm.HS384.equals(alg) || JWSAlgorithm.HS512.equals(alg)) {
            return hmac;
        }
        boolean rs = JWSAlgorithm.RS256.equals(alg) || JWSAlgorithm.RS384.equals(alg) || JWSAlgorithm.RS512.equals(alg);
        boolean es = JWSAlgorithm.ES256.equals(alg) || JWSAlgorithm.ES384.equals(alg) || JWSAlgorithm.ES512.equals(alg);
        if (!rs && !es) {
            return null;
        }
        if (!byKid.isEmpty()) {
            JWSVerifier v = kid == null ? null : byKid.get(kid);
            // the key's family must be the algorithm's: an RS token naming an EC key's kid is refused
            return rs && v instanceof RSASSAVerifier || es && v instanceof ECDSAVerifier ? v : null;
        }
        return rs ? rsa : ecdsa;
    }

    /**
     * A good subscription token (Centrifugo's claims): {@code sub} (the user it was made for; absent
     * means ""), {@code channel} (required), the expiry as for connection tokens ({@code exp},
     * {@code expire_at}; 0 for never), {@code client} (deprecated; null when absent) and {@code
     * data} as JSON text for the subscribe result (null when absent); {@code infoJson}: its {@code
     * info} or {@code b64info} as compact JSON text, Centrifugo's {@code chan_info} (null when absent).
     */
    public record SubscriptionValid(String user, String channel, long expiresAt, String client, String dataJson,
                                    String infoJson) implements SubscriptionVerdict {
        public SubscriptionValid(String user, String channel, long expiresAt, String client, String dataJson) {
            this(user, channel, expiresAt, client, dataJson, null);
        }
    }

    /** Judges {@code token} at {@code nowMillis} as a connection token. */
    public Verdict verify(String token, long nowMillis) {
        return (Verdict) judge(token, nowMillis, false, (jwt, claims, c) -> {
            List<String> channels = claims.getStringListClaim("channels");
            return new Valid(c.user(), c.expiresAt(), channels == null ? List.of() : List.copyOf(channels), c.infoJson());
        });
    }

    /**
     * Judges {@code token} at {@code nowMillis} as a subscription token: {@link SubscriptionValid},
     * {@link Expired} or {@link Invalid}. Whether its user, channel and client are the ones asking
     * is the caller's to check.
     */
    public SubscriptionVerdict verifySubscription(String token, long nowMillis) {
        return (SubscriptionVerdict) judge(token, nowMillis, true, (jwt, claims, c) -> {
            Map<String, Object> payload = jwt.getPayload().toJSONObject();
            Object client = payload.get("client");
            if (client != null && !(client instanceof String)) {
                return new Invalid("a client claim that is not a string");
            }
            Object data = payload.get("data");
            String dataJson = data == null ? null : data instanceof Map<?, ?> m
                    ? com.nimbusds.jose.util.JSONObjectUtils.toJSONString(castMap(m)) : null;
            if (data != null && dataJson == null) {
                return new Invalid("a data claim that is not a JSON object");
            }
            return new SubscriptionValid(c.user(), (String) payload.get("channel"), c.expiresAt(), (String) client, dataJson,
                    c.infoJson());
        });
    }

    /** What one kind of token reads beyond the claims both share, once those passed. */
    private interface KindClaims {
        Object read(SignedJWT jwt, JWTClaimsSet claims, Common common) throws ParseException;
    }

    /**
     * The check both kinds go through: {@link #signed}, then the kind ({@code subscription}: a
     * non-empty {@code channel} claim; a connection token: none), then the claims both share
     * ({@link #common}), then the kind's own ({@code kind}). Returns an {@link Expired}, an
     * {@link Invalid}, or what {@code kind} returns.
     */
    private Object judge(String token, long nowMillis, boolean subscription, KindClaims kind) {
        Object checked = signed(token, nowMillis);
        if (!(checked instanceof SignedJWT jwt)) {
            return checked;
        }
        try {
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (subscription) {
                if (!(jwt.getPayload().toJSONObject().get("channel") instanceof String ch) || ch.isEmpty()) {
                    return new Invalid("no channel claim: not a subscription token");
                }
            } else if (claims.getClaim("channel") != null) {
                return new Invalid("a channel claim: a subscription token, not a connection token");
            }
            Object common = common(jwt, claims, nowMillis, userIdClaim);
            return common instanceof Common c ? kind.read(jwt, claims, c) : common;
        } catch (ParseException | RuntimeException e) {
            return new Invalid("malformed claims");
        }
    }

    /** The claims both kinds of token carry alike: the user ("" when absent), the expiry (0: never), the info (null: none). */
    private record Common(String user, long expiresAt, String infoJson) {
    }

    /**
     * Reads the claims both kinds share, in this order: the user ({@code sub}, or {@code
     * userIdClaim} when one is configured, whose value may be a string or an integer, as
     * Centrifugo reads it), the expiry (so that an expired token is {@link Expired} whatever else is
     * wrong after it), the info.
     * Returns their {@link Common}, or the {@link Expired} or {@link Invalid} (both a {@link Verdict}
     * and a {@link SubscriptionVerdict}) that ends the check.
     */
    private static Object common(SignedJWT jwt, JWTClaimsSet claims, long nowMillis, String userIdClaim) throws ParseException {
        Invalid bad = subjectProblem(jwt); // a sub, if any, is a string even when the user comes from another claim
        if (bad != null) {
            return bad;
        }
        String user;
        if (userIdClaim == null) {
            String sub = claims.getStringClaim("sub");
            user = sub == null ? "" : sub;
        } else {
            Object raw = jwt.getPayload().toJSONObject().get(userIdClaim);
            if (raw == null) {
                user = "";
            } else if (raw instanceof String s) {
                user = s;
            } else if (raw instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e15) {
                user = Long.toString(n.longValue()); // an integer id, as its JSON text
            } else {
                return new Invalid("the user id claim is neither a string nor an integer");
            }
        }
        long expiresAt = expiry(claims, nowMillis);
        if (expiresAt < 0) {
            return expiresAt == EXPIRED ? new Expired() : new Invalid("a negative expire_at");
        }
        Object info = info(jwt);
        if (info instanceof Invalid i) {
            return i;
        }
        return new Common(user, expiresAt, (String) info);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> castMap(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }

    private static final long EXPIRED = -1;
    private static final long NEGATIVE = -2;

    /** The token's expiry in Unix seconds (0: never), or {@link #EXPIRED}, or {@link #NEGATIVE} for a bad expire_at. */
    private static long expiry(JWTClaimsSet claims, long nowMillis) throws ParseException {
        long nowSeconds = nowMillis / 1000;
        Date exp = claims.getExpirationTime();
        long expiresAt = exp == null ? 0 : exp.getTime() / 1000;
        if (claims.getClaim("expire_at") != null) {
            Long at = claims.getLongClaim("expire_at");
            expiresAt = at == null ? 0 : at;
            if (expiresAt < 0) {
                return NEGATIVE;
            }
            if (expiresAt != 0 && expiresAt <= nowSeconds) {
                return EXPIRED;
            }
        }
        return expiresAt;
    }

    /**
     * The token's client info as compact JSON text: {@code b64info} decoded when it is a non-empty
     * string (it wins over {@code info}, as in Centrifugo), else {@code info} (any JSON value but
     * null), else null. The JSON protocol embeds the info as raw JSON, so a {@code b64info} whose
     * bytes are not JSON cannot be carried and makes the token invalid (Centrifugo would write the
     * bytes into the frame as they are, which the SDK cannot parse). Returns a String, null or an
     * {@link Invalid}.
     */
    private static Object info(SignedJWT jwt) {
        java.util.Map<String, Object> claims = jwt.getPayload().toJSONObject();
        Object b64 = claims.get("b64info");
        if (b64 != null && !(b64 instanceof String)) {
            return new Invalid("a b64info that is not a string");
        }
        String infoText;
        if (b64 instanceof String text && !text.isEmpty()) {
            try {
                infoText = new String(java.util.Base64.getDecoder().decode(text), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new Invalid("a b64info that is not base64");
            }
        } else if (claims.get("info") != null) {
            infoText = null; // read from the payload below
        } else {
            return null;
        }
        try {
            // read with the protocol's own parser: it keeps numbers as written, and writes compactly
            Object info;
            if (infoText != null) {
                info = Json.parse(infoText);
            } else {
                Object payload = Json.parse(jwt.getPayload().toString());
                info = payload instanceof java.util.Map<?, ?> m ? m.get("info") : null;
            }
            return info == null || info == Json.NULL ? null : Json.write(info);
        } catch (Json.JsonException e) {
            return new Invalid(infoText != null ? "a b64info that is not JSON (the JSON protocol carries info as JSON)"
                    : "malformed claims");
        }
    }

    /** nimbus reads a numeric sub as its digits; Centrifugo's claims take a string only. */
    private static Invalid subjectProblem(SignedJWT jwt) {
        Object rawSub = jwt.getPayload().toJSONObject().get("sub");
        return rawSub != null && !(rawSub instanceof String) ? new Invalid("a sub that is not a string") : null;
    }

    /**
     * The configured {@code aud}/{@code iss} checks (Centrifugo's {@code validateClaims} and its
     * regex matching): null if the token passes them. The reasons name the claim, never its value
     * (the log carries no part of a token).
     */
    private Invalid claimProblem(JWTClaimsSet claims) throws ParseException {
        if (audience != null || audienceRegex != null) {
            List<String> aud = claims.getAudience(); // a string or a list of strings; empty when absent
            boolean ok = false;
            for (String a : aud) {
                if (a != null && (audience != null ? audience.equals(a) : audienceRegex.matcher(a).find())) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return new Invalid(aud.isEmpty() ? "no aud claim, and an audience is required" : "aud is not the expected audience");
            }
        }
        if (issuer != null || issuerRegex != null) {
            Object iss = claims.getClaim("iss");
            if (iss != null && !(iss instanceof String)) {
                return new Invalid("an iss that is not a string");
            }
            String given = iss == null ? "" : (String) iss;
            if (issuer != null ? !issuer.equals(given) : !issuerRegex.matcher(given).find()) {
                return new Invalid(iss == null ? "no iss claim, and an issuer is required" : "iss is not the expected issuer");
            }
        }
        return null;
    }

    /**
     * The checks both kinds share: size, parse, an accepted algorithm with its key, the signature,
     * {@code nbf} and {@code exp}. Returns the verdict if it failed, else the parsed token.
     */
    private Object signed(String token, long nowMillis) {
        if (token.length() > maxTokenBytes) {
            return new Invalid("a token of " + token.length() + " bytes, over the limit of " + maxTokenBytes);
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException | RuntimeException e) {
            // nimbus-jose-jwt 10.10 throws a NullPointerException for a header that decodes to the
            // JSON literal null (found by CI's fuzzing: CentrifugoFuzzTestInputs/token/crash-1246...)
            return new Invalid("not a signed JWT");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        JWSVerifier verifier = verifierFor(alg, jwt.getHeader().getKeyID());
        if (verifier == null) {
            // (not the kid itself in the message: the token's words do not go to the log)
            return new Invalid("algorithm " + alg + " not accepted (no key configured for it"
                    + (byKid.isEmpty() ? "" : ", or its kid names no JWKS key of that kind") + ")");
        }
        try {
            if (!jwt.verify(verifier)) {
                return new Invalid("bad signature");
            }
        } catch (JOSEException | IllegalStateException e) {
            return new Invalid("signature not checkable");
        }
        try {
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            // before the expiry, as Centrifugo: an expired token for another audience is invalid, not expired
            Invalid wrong = claimProblem(claims);
            if (wrong != null) {
                return wrong;
            }
            long nowSeconds = nowMillis / 1000;
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && nbf.getTime() / 1000 > nowSeconds) {
                // expired, not invalid, as Centrifugo (a token not valid yet is checked with exp): the
                // SDK then asks its application for another token (109) instead of stopping (3500)
                return new Expired();
            }
            Date exp = claims.getExpirationTime();
            if (exp != null && exp.getTime() / 1000 <= nowSeconds) {
                return new Expired();
            }
        } catch (ParseException | RuntimeException e) {
            return new Invalid("malformed claims");
        }
        return jwt;
    }
}
