package io.throng.websocket.centrifugo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.util.Date;
import java.util.List;

/**
 * Checks Centrifugo connection tokens: JWTs signed with HS256 (nimbus-jose-jwt does the decoding and
 * the constant-time MAC check). Claims read: {@code sub} (the user; absent means ""), {@code exp}
 * and {@code nbf} (each only if present, as Centrifugo does), {@code expire_at} (the connection's
 * expiry, overriding {@code exp}; 0 for never), {@code channels} (server-side subscriptions).
 * A token with a {@code channel} claim is a subscription token and refused here, as Centrifugo does.
 *
 * <p>Only HS256 is accepted: a token naming any other algorithm ({@code none} included) is invalid,
 * whatever its signature. Verdicts never carry the token, so that nobody logs it by accident.
 * Thread-safe.
 */
public final class ConnectionTokens {
    /** What a token says. */
    public sealed interface Verdict {
    }

    /**
     * A good token. {@code expiresAt}: when the connection must have refreshed it, in Unix seconds,
     * 0 for never.
     */
    public record Valid(String user, long expiresAt, List<String> channels) implements Verdict {
    }

    /** Signed correctly but past its {@code exp}: error 109, the SDK fetches a new one. */
    public record Expired() implements Verdict {
    }

    /** Anything else: close 3500. {@code why} names the problem, never the token. */
    public record Invalid(String why) implements Verdict {
    }

    private final MACVerifier verifier;
    private final int maxTokenBytes;

    public ConnectionTokens(byte[] hmacSecret, int maxTokenBytes) {
        try {
            this.verifier = new MACVerifier(hmacSecret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the HMAC secret cannot verify HS256: " + e.getMessage());
        }
        this.maxTokenBytes = maxTokenBytes;
    }

    /** Judges {@code token} at {@code nowMillis}. */
    public Verdict verify(String token, long nowMillis) {
        if (token.length() > maxTokenBytes) {
            return new Invalid("a token of " + token.length() + " bytes, over the limit of " + maxTokenBytes);
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return new Invalid("not a signed JWT");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!JWSAlgorithm.HS256.equals(alg)) {
            return new Invalid("algorithm " + alg + " not accepted (HS256 only)");
        }
        try {
            if (!jwt.verify(verifier)) {
                return new Invalid("bad signature");
            }
        } catch (JOSEException | IllegalStateException e) {
            return new Invalid("signature not checkable");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
            long nowSeconds = nowMillis / 1000;
            Date nbf = claims.getNotBeforeTime();
            if (nbf != null && nbf.getTime() / 1000 > nowSeconds) {
                return new Invalid("not valid before " + nbf.toInstant());
            }
            Date exp = claims.getExpirationTime();
            if (exp != null && exp.getTime() / 1000 <= nowSeconds) {
                return new Expired();
            }
            if (claims.getClaim("channel") != null) {
                return new Invalid("a channel claim: a subscription token, not a connection token");
            }
            // nimbus reads a numeric sub as its digits; Centrifugo's claims take a string only
            Object rawSub = jwt.getPayload().toJSONObject().get("sub");
            if (rawSub != null && !(rawSub instanceof String)) {
                return new Invalid("a sub that is not a string");
            }
            String sub = claims.getStringClaim("sub");
            List<String> channels = claims.getStringListClaim("channels");
            long expiresAt = exp == null ? 0 : exp.getTime() / 1000;
            if (claims.getClaim("expire_at") != null) {
                Long at = claims.getLongClaim("expire_at");
                expiresAt = at == null ? 0 : at;
                if (expiresAt < 0) {
                    return new Invalid("a negative expire_at");
                }
                if (expiresAt != 0 && expiresAt <= nowSeconds) {
                    return new Expired();
                }
            }
            return new Valid(sub == null ? "" : sub, expiresAt, channels == null ? List.of() : List.copyOf(channels));
        } catch (ParseException | RuntimeException e) {
            return new Invalid("malformed claims");
        }
    }
}
