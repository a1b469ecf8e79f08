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
 * The keys connection tokens may be signed with, as Centrifugo's {@code client.token} has them: an
 * HMAC secret (HS256/384/512), an RSA public key (RS256/384/512), an ECDSA public key
 * (ES256/384/512). A token is checked only with the key of its algorithm's family, so a token
 * "signed" with HMAC over the RSA public key (the old algorithm-confusion attack) finds no HMAC key
 * unless one is configured, and then not that one. The secret is never printed.
 *
 * @param hmacSecret the HMAC secret, at least 32 bytes (RFC 7518 section 3.2, for HS256), or null
 * @param rsa        or null; at least 2048 bits (RFC 7518 section 3.3)
 * @param ecdsa      or null
 */
public record TokenKeys(byte[] hmacSecret, RSAPublicKey rsa, ECPublicKey ecdsa) {
    public static final int MIN_SECRET_BYTES = 32;
    public static final int MIN_RSA_BITS = 2048;
    public static final TokenKeys NONE = new TokenKeys(null, null, null);

    public TokenKeys {
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

    @Override
    public byte[] hmacSecret() {
        return hmacSecret == null ? null : hmacSecret.clone();
    }

    public boolean isEmpty() {
        return hmacSecret == null && rsa == null && ecdsa == null;
    }

    public TokenKeys withRsa(RSAPublicKey v) {
        return new TokenKeys(hmacSecret, v, ecdsa);
    }

    public TokenKeys withEcdsa(ECPublicKey v) {
        return new TokenKeys(hmacSecret, rsa, v);
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
        return parts.isEmpty() ? "none" : String.join(", ", parts);
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
                && java.util.Objects.equals(rsa, k.rsa) && java.util.Objects.equals(ecdsa, k.ecdsa);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(hmacSecret), rsa, ecdsa);
    }

    @Override
    public String toString() {
        return "TokenKeys[" + describe() + "]";
    }
}
