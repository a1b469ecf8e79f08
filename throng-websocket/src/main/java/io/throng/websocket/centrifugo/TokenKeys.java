package io.throng.websocket.centrifugo;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The keys connection tokens may be signed with, and the claims they must carry ({@link ClaimChecks}),
 * as Centrifugo's {@code client.token} has them: an
 * HMAC secret (HS256/384/512), an RSA public key (RS256/384/512), an ECDSA public key
 * (ES256/384/512). A token is checked only with the key of its algorithm's family, so a token
 * "signed" with HMAC over the RSA public key (the old algorithm-confusion attack) finds no HMAC key
 * unless one is configured, and then not that one. The secret is never printed.
 *
 * <p>A JWKS (a JSON Web Key Set, read from a file: Centrifugo's {@code jwks_public_endpoint} serves
 * the same document over HTTP) replaces the static RSA and ECDSA keys, as in Centrifugo: an RS or
 * ES token then names its key by {@code kid}, and a token whose {@code kid} is not in the set, or
 * names a key of the other family, is invalid.
 *
 * @param hmacSecret the HMAC secret, at least 32 bytes (RFC 7518 section 3.2, for HS256), or null
 * @param rsa        or null; at least 2048 bits (RFC 7518 section 3.3)
 * @param ecdsa      or null
 * @param jwks       RSA and EC public keys by key id; empty: none (then not with rsa or ecdsa)
 * @param checks     the {@code aud}/{@code iss} checks every token must pass ({@link ClaimChecks#NONE}: none);
 *                   kept here because Centrifugo's {@code client.token} holds them beside the keys
 * @param subscription the keys and checks of subscription tokens when they have their own
 *                   (Centrifugo's {@code client.subscription_token} with {@code enabled: true}: then
 *                   these, and only these, check subscription tokens); null: subscription tokens are
 *                   checked as connection tokens are, with this record's keys and checks
 */
public record TokenKeys(byte[] hmacSecret, RSAPublicKey rsa, ECPublicKey ecdsa, java.util.Map<String, PublicKey> jwks,
                        ClaimChecks checks, TokenKeys subscription) {
    public static final int MIN_SECRET_BYTES = 32;
    public static final int MIN_RSA_BITS = 2048;
    public static final TokenKeys NONE = new TokenKeys(null, null, null);

    public TokenKeys(byte[] hmacSecret, RSAPublicKey rsa, ECPublicKey ecdsa) {
        this(hmacSecret, rsa, ecdsa, java.util.Map.of());
    }

    public TokenKeys(byte[] hmacSecret, RSAPublicKey rsa, ECPublicKey ecdsa, java.util.Map<String, PublicKey> jwks) {
        this(hmacSecret, rsa, ecdsa, jwks, ClaimChecks.NONE, null);
    }

    public TokenKeys {
        jwks = java.util.Map.copyOf(jwks);
        java.util.Objects.requireNonNull(checks, "checks");
        if (subscription != null && subscription.subscription != null) {
            throw new IllegalArgumentException("the keys of subscription tokens have no keys of subscription tokens of their own");
        }
        if (!jwks.isEmpty() && (rsa != null || ecdsa != null)) {
            throw new IllegalArgumentException("a JWKS replaces the RSA and ECDSA public keys (as in Centrifugo): give one or the other");
        }
        for (var e : jwks.entrySet()) {
            if (e.getValue() instanceof RSAPublicKey r && r.getModulus().bitLength() < MIN_RSA_BITS) {
                throw new IllegalArgumentException("the JWKS key '" + e.getKey() + "' has " + r.getModulus().bitLength()
                        + " bits; RS256 needs at least " + MIN_RSA_BITS + " (RFC 7518 section 3.3)");
            }
            if (!(e.getValue() instanceof RSAPublicKey) && !(e.getValue() instanceof ECPublicKey)) {
                throw new IllegalArgumentException("the JWKS key '" + e.getKey() + "' is neither RSA nor EC");
            }
        }
        if (hmacSecret != null) {
            if (hmacSecret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("the HMAC secret has " + hmacSecret.length + " bytes; HS256 needs at least "
                        + MIN_SECRET_BYTES + " (RFC 7518 section 3.2)");
            }
            hmacSecret = hmacSecret.clone();
        }
        if (rsa != null && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw new IllegalArgumentException("the RSA key has " + rsa.getModulus().bitLength() + " bits; RS256 needs at least "
                    + MIN_RSA_BITS + " (RFC 7518 section 3.3)");
        }
    }

    public static TokenKeys hmac(byte[] secret) {
        return new TokenKeys(secret, null, null);
    }

    /**
     * The public keys of a JWKS document (RFC 7517, {@code {"keys":[...]}}), by {@code kid}. Every
     * key needs a kid; private keys, symmetric keys and other kinds (OKP: Ed25519) are refused, so
     * that a file meant to be public is not a secret by mistake.
     */
    public static java.util.Map<String, PublicKey> jwksFrom(String json) {
        com.nimbusds.jose.jwk.JWKSet set;
        try {
            set = com.nimbusds.jose.jwk.JWKSet.parse(json);
        } catch (java.text.ParseException | RuntimeException e) {
            throw new IllegalArgumentException("not a JWKS document (RFC 7517): " + e.getMessage());
        }
        java.util.Map<String, PublicKey> keys = new java.util.LinkedHashMap<>();
        for (com.nimbusds.jose.jwk.JWK k : set.getKeys()) {
            String kid = k.getKeyID();
            if (kid == null || kid.isEmpty()) {
                throw new IllegalArgumentException("a JWKS key without a kid: tokens choose their key by kid");
            }
            if (k.isPrivate()) {
                throw new IllegalArgumentException("the JWKS key '" + kid + "' is private: give public keys only");
            }
            try {
                PublicKey pk = switch (k) {
                    case com.nimbusds.jose.jwk.RSAKey r -> r.toRSAPublicKey();
                    case com.nimbusds.jose.jwk.ECKey ec -> ec.toECPublicKey();
                    default -> throw new IllegalArgumentException("the JWKS key '" + kid + "' is of type " + k.getKeyType()
                            + "; RSA and EC are supported");
                };
                if (keys.put(kid, pk) != null) {
                    throw new IllegalArgumentException("the JWKS has the kid '" + kid + "' twice");
                }
            } catch (com.nimbusds.jose.JOSEException e) {
                throw new IllegalArgumentException("the JWKS key '" + kid + "' is not usable: " + e.getMessage());
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("the JWKS has no keys");
        }
        return keys;
    }

    public TokenKeys withJwks(java.util.Map<String, PublicKey> v) {
        return new TokenKeys(hmacSecret, rsa, ecdsa, v, checks, subscription);
    }

    public TokenKeys withChecks(ClaimChecks v) {
        return new TokenKeys(hmacSecret, rsa, ecdsa, jwks, v, subscription);
    }

    /** With a key set of their own for subscription tokens (null: the same as connection tokens). */
    public TokenKeys withSubscription(TokenKeys v) {
        return new TokenKeys(hmacSecret, rsa, ecdsa, jwks, checks, v);
    }

    /** The keys and checks subscription tokens are judged by: their own, or these. */
    public TokenKeys forSubscriptions() {
        return subscription == null ? this : subscription;
    }

    @Override
    public byte[] hmacSecret() {
        return hmacSecret == null ? null : hmacSecret.clone();
    }

    public boolean isEmpty() {
        return hmacSecret == null && rsa == null && ecdsa == null && jwks.isEmpty();
    }

    public TokenKeys withRsa(RSAPublicKey v) {
        return new TokenKeys(hmacSecret, v, ecdsa, jwks, checks, subscription);
    }

    public TokenKeys withEcdsa(ECPublicKey v) {
        return new TokenKeys(hmacSecret, rsa, v, jwks, checks, subscription);
    }

    /** What the start lines say: the algorithms and the keys' sizes, never the secret. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (hmacSecret != null) {
            parts.add("HS256/384/512 (secret of " + hmacSecret.length + " bytes)");
        }
        if (rsa != null) {
            parts.add("RS256/384/512 (RSA " + rsa.getModulus().bitLength() + " bits)");
        }
        if (ecdsa != null) {
            parts.add("ES256/384/512 (EC " + ecdsa.getParams().getCurve().getField().getFieldSize() + " bits)");
        }
        if (!jwks.isEmpty()) {
            parts.add("RS/ES by kid from a JWKS of " + jwks.size() + " key(s): " + String.join(", ", new java.util.TreeSet<>(jwks.keySet())));
        }
        String keys = parts.isEmpty() ? "none" : String.join(", ", parts);
        keys = checks.isEmpty() && checks.userIdClaim() == null ? keys : keys + "; claims " + checks.describe();
        return subscription == null ? keys : keys + "; subscription tokens: " + subscription.describe();
    }

    /** An RSA public key from PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
    public static RSAPublicKey rsaFromPem(String pem) {
        return (RSAPublicKey) fromPem(pem, "RSA");
    }

    /** An EC public key from PEM ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo). */
    public static ECPublicKey ecdsaFromPem(String pem) {
        return (ECPublicKey) fromPem(pem, "EC");
    }

    private static PublicKey fromPem(String pem, String algorithm) {
        String begin = "-----BEGIN PUBLIC KEY-----";
        String end = "-----END PUBLIC KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("not a PEM public key (expected " + begin + " ... " + end + ")");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("not an " + algorithm + " public key: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenKeys k && java.util.Arrays.equals(hmacSecret, k.hmacSecret)
                && java.util.Objects.equals(rsa, k.rsa) && java.util.Objects.equals(ecdsa, k.ecdsa) && jwks.equals(k.jwks) && checks.equals(k.checks)
                && java.util.Objects.equals(subscription, k.subscription);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(hmacSecret), rsa, ecdsa, jwks, checks, subscription);
    }

    @Override
    public String toString() {
        return "TokenKeys[" + describe() + "]";
    }
}
