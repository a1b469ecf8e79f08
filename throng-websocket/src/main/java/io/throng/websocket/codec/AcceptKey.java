package io.throng.websocket.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 section 4.2.2): the accept value is the
 * base64 of SHA-1(key + the protocol's GUID). The key is hashed straight from the request bytes.
 */
public final class AcceptKey {
    private static final byte[] GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11".getBytes(StandardCharsets.US_ASCII);
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e); // every JDK has SHA-1
        }
    }

    private AcceptKey() {
    }

    /** The accept value for the key in {@code buf[from, to)}. */
    public static String forKey(ByteBuffer buf, int from, int to) {
        MessageDigest sha1 = digest();
        sha1.update(buf.slice(from, to - from));
        sha1.update(GUID);
        return Base64.getEncoder().encodeToString(sha1.digest());
    }

    /** The accept value for {@code key}. */
    public static String forKey(String key) {
        MessageDigest sha1 = digest();
        sha1.update(key.getBytes(StandardCharsets.US_ASCII));
        sha1.update(GUID);
        return Base64.getEncoder().encodeToString(sha1.digest());
    }

    private static MessageDigest digest() {
        try {
            return (MessageDigest) PROTOTYPE.clone(); // cheaper than a provider lookup
        } catch (CloneNotSupportedException e) {
            try {
                return MessageDigest.getInstance("SHA-1");
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    /**
     * Whether {@code buf[from, to)} is a valid key: the base64 of 16 bytes, i.e. 22 base64 characters,
     * the last of which leaves no stray bits (one of A, Q, g, w), then "==".
     */
    public static boolean isValidKey(ByteBuffer buf, int from, int to) {
        if (to - from != 24 || buf.get(from + 22) != '=' || buf.get(from + 23) != '=') {
            return false;
        }
        for (int i = from; i < from + 22; i++) {
            int c = buf.get(i);
            boolean b64 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!b64) {
                return false;
            }
        }
        int last = buf.get(from + 21);
        return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
    }
}
