package io.throng.load;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A broadcast's payload: ASCII, so the push server sends it as a text frame, as notifications are.
 *
 * <pre>
 * '#' | round: 8 hex digits | channel index: 6 hex digits | publish time: 16 hex digits | '.' padding
 * </pre>
 * The publish time is {@link WallClock#micros()} taken just before the publish was written, so
 * that a subscriber in any process on the machine can time its own delivery. Lower-case hex;
 * parsed in place, without allocating, on the subscribers' loops.
 *
 * <p>On the Centrifugo path the same bytes travel as a JSON string, {@code "#..."} (see
 * {@link #encodeJson}): the protocol carries a publication's data as JSON, and none of these
 * characters needs escaping, so the subscriber finds them verbatim inside the push.
 */
final class BroadcastPayload {
    static final int MIN_BYTES = 31;
    private static final int ROUND_AT = 1;
    private static final int CHANNEL_AT = 9;
    private static final int STAMP_AT = 15;
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private BroadcastPayload() {
    }

    static byte[] encode(int round, int channel, long stampMicros, int size) {
        if (size < MIN_BYTES) {
            throw new IllegalArgumentException("a broadcast payload needs " + MIN_BYTES + " bytes, got " + size);
        }
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) '.');
        b[0] = '#';
        putHex(b, ROUND_AT, 8, round & 0xFFFF_FFFFL);
        putHex(b, CHANNEL_AT, 6, channel & 0xFF_FFFFL);
        putHex(b, STAMP_AT, 16, stampMicros);
        return b;
    }

    /** The payload of {@code size} bytes in all as a JSON string: a quote, {@link #encode}'s {@code size - 2} bytes, a quote. */
    static byte[] encodeJson(int round, int channel, long stampMicros, int size) {
        byte[] inner = encode(round, channel, stampMicros, size - 2);
        byte[] b = new byte[size];
        b[0] = '"';
        System.arraycopy(inner, 0, b, 1, inner.length);
        b[size - 1] = '"';
        return b;
    }

    private static void putHex(byte[] b, int at, int digits, long value) {
        for (int i = digits - 1; i >= 0; i--) {
            b[at + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }

    /** The round, or -1 if {@code p} is not a broadcast payload. */
    static int round(ByteBuffer p) {
        return round(p, p.position());
    }

    /** The channel index, or -1. */
    static int channel(ByteBuffer p) {
        return channel(p, p.position());
    }

    /** The publish time in epoch microseconds, or -1. */
    static long stamp(ByteBuffer p) {
        return stamp(p, p.position());
    }

    /** The round of the payload at index {@code at} of {@code p} (up to its limit), or -1 if there is none. */
    static int round(ByteBuffer p, int at) {
        if (p.limit() - at < MIN_BYTES || p.get(at) != '#') {
            return -1;
        }
        long v = hex(p, at + ROUND_AT, 8);
        return v < 0 || v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    /** The channel index of the payload at index {@code at}, or -1. */
    static int channel(ByteBuffer p, int at) {
        return p.limit() - at < MIN_BYTES ? -1 : (int) hex(p, at + CHANNEL_AT, 6);
    }

    /** The publish time of the payload at index {@code at}, in epoch microseconds, or -1. */
    static long stamp(ByteBuffer p, int at) {
        return p.limit() - at < MIN_BYTES ? -1 : hex(p, at + STAMP_AT, 16);
    }

    /** {@code digits} hex digits from absolute index {@code base}; -1 if one is not a lower-case hex digit. */
    private static long hex(ByteBuffer p, int base, int digits) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int c = p.get(base + i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
