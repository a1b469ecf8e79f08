package io.throng.websocket.centrifugo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The key of the server HTTP API ({@code /api/<method>}, Centrifugo's {@code http_api.key}) and of
 * {@code POST /pub} when one is set: a caller presents it as {@code X-API-Key: <key>} or {@code
 * Authorization: apikey <key>}. Held as its SHA-256 digest, and a presented key is hashed and the
 * two digests compared with {@link MessageDigest#isEqual} (constant time): neither the comparison's
 * time nor its length tells how much of a guess was right. Never printed: {@link #toString()} and
 * {@link #describe()} give only its length.
 */
public final class ApiKey {
    /** No key: the API is off and {@code POST /pub} is open (the default). */
    public static final ApiKey NONE = new ApiKey(null, 0);

    private final byte[] digest;
    private final int length;

    private ApiKey(byte[] digest, int length) {
        this.digest = digest;
        this.length = length;
    }

    /**
     * A key of printable ASCII without spaces (it travels in an HTTP header, where other bytes
     * would never match), at least one byte; {@code key} is not kept.
     */
    public static ApiKey of(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("the API key is empty");
        }
        for (byte b : key) {
            if (b < 0x21 || b > 0x7E) {
                throw new IllegalArgumentException("the API key must be printable ASCII without spaces (it is sent in an"
                        + " HTTP header); it has a byte 0x" + Integer.toHexString(b & 0xFF));
            }
        }
        return new ApiKey(sha256(key), key.length);
    }

    public boolean isSet() {
        return digest != null;
    }

    /** Whether {@code presented} (null: none was) is this key; false when no key is set. */
    public boolean matches(String presented) {
        if (digest == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(presented.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /**
     * The key a request presents: the {@code X-API-Key} header, else the credentials of an {@code
     * Authorization: apikey ...} header (the scheme in any case), else null. Not {@code ?api_key=},
     * which Centrifugo also takes: a URL ends up in access logs.
     */
    public static String presented(String xApiKey, String authorization) {
        if (xApiKey != null) {
            return xApiKey;
        }
        if (authorization != null && authorization.length() > 7 && authorization.regionMatches(true, 0, "apikey ", 0, 7)) {
            return authorization.substring(7).strip();
        }
        return null;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** For the effective settings: whether there is a key and its length, never the key. */
    public String describe() {
        return digest == null ? "none" : "a key of " + length + " bytes";
    }

    @Override
    public String toString() {
        return "ApiKey[" + describe() + "]";
    }
}
