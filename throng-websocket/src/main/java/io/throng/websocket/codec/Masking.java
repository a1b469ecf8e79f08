package io.throng.websocket.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The XOR masking of RFC 6455 section 5.3, eight bytes at a time. A mask is an int whose most
 * significant byte masks payload byte 0; {@code offset} is the payload index of the first byte
 * given, so a payload that arrives in pieces is unmasked piece by piece.
 */
public final class Masking {
    private Masking() {
    }

    /** Unmasks (or masks: XOR is its own inverse) {@code length} bytes of {@code buf} at {@code from}, in place. */
    public static void applyInPlace(ByteBuffer buf, int from, int length, int mask, long offset) {
        int m = Integer.rotateLeft(mask, 8 * (int) (offset & 3));
        long wide = ((long) m << 32) | (m & 0xFFFFFFFFL);
        if (buf.order() != ByteOrder.BIG_ENDIAN) {
            wide = Long.reverseBytes(wide);
        }
        int i = from;
        int end = from + length;
        for (; i + 8 <= end; i += 8) {
            buf.putLong(i, buf.getLong(i) ^ wide);
        }
        for (int k = 0; i < end; i++, k++) {
            buf.put(i, (byte) (buf.get(i) ^ (m >>> (24 - 8 * (k & 3)))));
        }
    }

    /**
     * Copies {@code src}'s remaining bytes into {@code dst} at its position, masked, advancing both
     * positions. {@code dst} must have room.
     */
    public static void copyMasked(ByteBuffer src, ByteBuffer dst, int mask) {
        int n = src.remaining();
        int at = dst.position();
        dst.put(at, src, src.position(), n);
        applyInPlace(dst, at, n, mask, 0);
        src.position(src.limit());
        dst.position(at + n);
    }

    /** Masks or unmasks {@code length} bytes of {@code bytes} in place. */
    public static void applyInPlace(byte[] bytes, int offset, int length, int mask, long maskOffset) {
        int m = Integer.rotateLeft(mask, 8 * (int) (maskOffset & 3));
        for (int k = 0; k < length; k++) {
            bytes[offset + k] ^= (byte) (m >>> (24 - 8 * (k & 3)));
        }
    }
}
