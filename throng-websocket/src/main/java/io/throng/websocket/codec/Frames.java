package io.throng.websocket.codec;

import java.nio.ByteBuffer;

/** Frame header constants and encoding (RFC 6455 section 5.2). */
public final class Frames {
    // Close codes the decoder fails with (RFC 6455 7.4.1; CloseCodes is the API's list of them).
    public static final int CLOSE_PROTOCOL_ERROR = 1002;
    public static final int CLOSE_NO_STATUS = 1005;
    public static final int CLOSE_INVALID_PAYLOAD = 1007;
    public static final int CLOSE_TOO_BIG = 1009;

    /**
     * Whether a Close frame may carry {@code code}: 1000-1003, 1007-1014 and 3000-4999. Not 1004
     * (reserved), 1005, 1006 and 1015 (reported only, never sent), other 1xxx (reserved for the
     * RFC), 0-999 and 2000-2999 (unused) or 5000 and above.
     */
    public static boolean closeCodeMayAppearOnWire(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    public static final int FIN = 0x80;
    public static final int RSV1 = 0x40;
    public static final int RSV2 = 0x20;
    public static final int RSV3 = 0x10;
    public static final int OPCODE = 0x0F;
    public static final int MASKED = 0x80;

    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** Control frames carry at most this many payload bytes (section 5.5). */
    public static final int MAX_CONTROL_PAYLOAD = 125;
    /** The longest header: 2 bytes, an 8-byte length, a 4-byte mask. */
    public static final int MAX_HEADER = 14;

    private Frames() {
    }

    public static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    /** Whether {@code opcode} is one RFC 6455 defines (the others are reserved: 3-7, 11-15). */
    public static boolean isKnown(int opcode) {
        return opcode <= BINARY || (opcode >= CLOSE && opcode <= PONG);
    }

    /** Header bytes for a payload of {@code length}, masked or not. */
    public static int headerLength(long length, boolean masked) {
        int n = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        return masked ? n + 4 : n;
    }

    /**
     * Writes a header at {@code dst}'s position (advancing it): first byte {@code b0} (FIN, RSV,
     * opcode), the minimal length encoding, and the mask when {@code masked}.
     */
    public static void putHeader(ByteBuffer dst, int b0, long length, boolean masked, int mask) {
        int maskBit = masked ? MASKED : 0;
        dst.put((byte) b0);
        if (length <= 125) {
            dst.put((byte) (maskBit | length));
        } else if (length <= 0xFFFF) {
            dst.put((byte) (maskBit | 126));
            dst.putShort((short) length);
        } else {
            dst.put((byte) (maskBit | 127));
            dst.putLong(length);
        }
        if (masked) {
            dst.putInt(mask);
        }
    }

    /** As {@link #putHeader(ByteBuffer, int, long, boolean, int)} into an array; returns the bytes written. */
    public static int putHeader(byte[] dst, int b0, long length, boolean masked, int mask) {
        int maskBit = masked ? MASKED : 0;
        dst[0] = (byte) b0;
        int n;
        if (length <= 125) {
            dst[1] = (byte) (maskBit | length);
            n = 2;
        } else if (length <= 0xFFFF) {
            dst[1] = (byte) (maskBit | 126);
            dst[2] = (byte) (length >>> 8);
            dst[3] = (byte) length;
            n = 4;
        } else {
            dst[1] = (byte) (maskBit | 127);
            for (int i = 0; i < 8; i++) {
                dst[2 + i] = (byte) (length >>> (56 - 8 * i));
            }
            n = 10;
        }
        if (masked) {
            dst[n] = (byte) (mask >>> 24);
            dst[n + 1] = (byte) (mask >>> 16);
            dst[n + 2] = (byte) (mask >>> 8);
            dst[n + 3] = (byte) mask;
            n += 4;
        }
        return n;
    }
}
