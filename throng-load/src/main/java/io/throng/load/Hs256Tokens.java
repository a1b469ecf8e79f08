package io.throng.load;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Centrifugo connection tokens for the load's subscribers: compact JWS, HS256, claims {@code sub}
 * and {@code exp}, as {@code centrifugo gentoken} makes them. Signed with the JDK's HMAC: the tool
 * only mints, and a JWT library would be a dependency for three lines. One instance per thread
 * (a {@link Mac} is not thread-safe); the driver thread mints each subscriber's token as it dials.
 */
final class Hs256Tokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
            .getBytes(StandardCharsets.US_ASCII));

    private final Mac mac;

    Hs256Tokens(byte[] key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** A token for user {@code sub} (letters, digits, '-': nothing to escape) expiring at {@code exp} (epoch seconds). */
    String token(String sub, long exp) {
        String claims = B64.encodeToString(("{\"sub\":\"" + sub + "\",\"exp\":" + exp + "}").getBytes(StandardCharsets.US_ASCII));
        String signingInput = HEADER + "." + claims;
        byte[] signature = mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + B64.encodeToString(signature);
    }
}
