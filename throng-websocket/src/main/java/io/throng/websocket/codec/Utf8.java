package io.throng.websocket.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An incremental UTF-8 validator (RFC 3629): a state that survives between chunks, so that text
 * split anywhere, even inside a code point, is checked as it arrives and the first invalid byte is
 * found at once (Autobahn's "fail fast" cases, 6.4.x), not when the message ends.
 *
 * <p>States: {@link #ACCEPT} between code points, a positive state while a sequence is open (which
 * bytes may follow), {@link #REJECT} for good. Overlong forms, surrogates (U+D800..U+DFFF) and code
 * points above U+10FFFF are rejected through the ranges allowed for the second byte.
 */
public final class Utf8 {
    /** Between code points: a message may end here. */
    public static final int ACCEPT = 0;
    /** Invalid; stays invalid. */
    public static final int REJECT = -1;

    private static final int NEED1 = 1;       // one more continuation byte, 80..BF
    private static final int NEED2 = 2;       // two more, the first 80..BF
    private static final int NEED3 = 3;       // three more, the first 80..BF
    private static final int AFTER_E0 = 4;    // second byte A0..BF (no overlong 3-byte forms)
    private static final int AFTER_ED = 5;    // second byte 80..9F (no surrogates)
    private static final int AFTER_F0 = 6;    // second byte 90..BF (no overlong 4-byte forms)
    private static final int AFTER_F4 = 7;    // second byte 80..8F (nothing above U+10FFFF)
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Utf8() {
    }

    /** The state after {@code b} in state {@code state}. */
    public static int step(int state, int b) {
        b &= 0xFF;
        return switch (state) {
            case ACCEPT -> lead(b);
            case NEED1 -> b >= 0x80 && b <= 0xBF ? ACCEPT : REJECT;
            case NEED2 -> b >= 0x80 && b <= 0xBF ? NEED1 : REJECT;
            case NEED3 -> b >= 0x80 && b <= 0xBF ? NEED2 : REJECT;
            case AFTER_E0 -> b >= 0xA0 && b <= 0xBF ? NEED1 : REJECT;
            case AFTER_ED -> b >= 0x80 && b <= 0x9F ? NEED1 : REJECT;
            case AFTER_F0 -> b >= 0x90 && b <= 0xBF ? NEED2 : REJECT;
            case AFTER_F4 -> b >= 0x80 && b <= 0x8F ? NEED2 : REJECT;
            default -> REJECT;
        };
    }

    private static int lead(int b) {
        if (b < 0x80) {
            return ACCEPT;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            return NEED1;
        }
        if (b == 0xE0) {
            return AFTER_E0;
        }
        if (b == 0xED) {
            return AFTER_ED;
        }
        if (b >= 0xE1 && b <= 0xEF) {
            return NEED2;
        }
        if (b == 0xF0) {
            return AFTER_F0;
        }
        if (b == 0xF4) {
            return AFTER_F4;
        }
        if (b >= 0xF1 && b <= 0xF3) {
            return NEED3;
        }
        return REJECT; // 80..C1 (continuation or overlong lead), F5..FF
    }

    /**
     * Validates {@code buf}'s bytes from {@code from} (inclusive) to {@code to} (exclusive),
     * starting in {@code state}; returns the state after them. Does not move the buffer's position.
     * ASCII runs are skipped eight bytes at a time.
     */
    public static int validate(int state, ByteBuffer buf, int from, int to) {
        int i = from;
        if (buf.order() != ByteOrder.BIG_ENDIAN) {
            buf = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
        }
        while (i < to) {
            if (state == ACCEPT) {
                while (i + 8 <= to && (buf.getLong(i) & HIGH_BITS) == 0) {
                    i += 8;
                }
                if (i == to) {
                    break;
                }
            }
            state = step(state, buf.get(i++));
            if (state == REJECT) {
                return REJECT;
            }
        }
        return state;
    }

    /** Validates {@code length} bytes of {@code bytes} from {@code offset}, starting in {@code state}. */
    public static int validate(int state, byte[] bytes, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            state = step(state, bytes[i]);
            if (state == REJECT) {
                return REJECT;
            }
        }
        return state;
    }

    /** True if the bytes between {@code buf}'s position and limit are complete, valid UTF-8. */
    public static boolean isValid(ByteBuffer buf) {
        return validate(ACCEPT, buf, buf.position(), buf.limit()) == ACCEPT;
    }
}
