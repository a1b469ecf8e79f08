package io.throng.rpc.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads protobuf's wire format from a region of a buffer, field by field. Unknown fields are
 * skipped (a newer peer may add some); malformed input (a varint over ten bytes, a length past the
 * end, a group or reserved wire type) throws {@link FrameException} naming the offset.
 *
 * <p>Does not move the source buffer's position. Not thread-safe.
 */
final class ProtoReader {
    private final ByteBuffer in;
    private final int end;
    private int pos;
    private int wireType;

    /** Reads {@code length} bytes of {@code in} from absolute index {@code offset}. */
    ProtoReader(ByteBuffer in, int offset, int length) {
        this.in = in;
        this.pos = offset;
        this.end = offset + length;
    }

    /** The next field number, or 0 at the end; {@link #wireType()} tells how its value is encoded. */
    int nextField() {
        if (pos >= end) {
            return 0;
        }
        long tag = varint();
        int field = (int) (tag >>> 3);
        wireType = (int) (tag & 7);
        if (field <= 0 || (tag >>> 3) > 0x1FFFFFFFL) {
            throw malformed("invalid field number " + (tag >>> 3));
        }
        return field;
    }

    int wireType() {
        return wireType;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("varint runs past the end");
            }
            byte b = in.get(pos++);
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw malformed("varint longer than 10 bytes");
    }

    /** A uint32 or int32 value: the low 32 bits of the varint, as protobuf's parsers take them. */
    int int32() {
        expect(ProtoWriter.VARINT);
        return (int) varint();
    }

    byte[] bytes() {
        int n = length();
        byte[] b = new byte[n];
        in.get(pos, b);
        pos += n;
        return b;
    }

    String string() {
        int n = length();
        String s = utf8(in, pos, n);
        pos += n;
        return s;
    }

    /** One entry of a {@code map<string, bytes>} field, merged into {@code into} (a later key wins). */
    Map<String, byte[]> mapEntry(Map<String, byte[]> into) {
        int n = length();
        ProtoReader entry = new ProtoReader(in, pos, n);
        pos += n;
        String key = "";
        byte[] value = new byte[0];
        for (int f; (f = entry.nextField()) != 0; ) {
            switch (f) {
                case 1 -> key = entry.string();
                case 2 -> value = entry.bytes();
                default -> entry.skip();
            }
        }
        Map<String, byte[]> map = into == null ? new LinkedHashMap<>() : into;
        map.put(key, value);
        return map;
    }

    /** The current length-delimited field read as an embedded message. */
    ProtoReader message() {
        int n = length();
        ProtoReader m = new ProtoReader(in, pos, n);
        pos += n;
        return m;
    }

    /** Skips the current field's value. */
    void skip() {
        switch (wireType) {
            case 0 -> varint();
            case 1 -> advance(8);
            case 2 -> advance(length());
            case 5 -> advance(4);
            default -> throw malformed("unsupported wire type " + wireType);
        }
    }

    private int length() {
        expect(ProtoWriter.LENGTH_DELIMITED);
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw malformed("length " + n + " exceeds the " + (end - pos) + " bytes left");
        }
        return (int) n;
    }

    private void advance(int n) {
        if (n > end - pos) {
            throw malformed("field of " + n + " bytes exceeds the " + (end - pos) + " bytes left");
        }
        pos += n;
    }

    private void expect(int type) {
        if (wireType != type) {
            throw malformed("wire type " + wireType + " where " + type + " was expected");
        }
    }

    private FrameException malformed(String why) {
        return new FrameException("malformed protobuf header at byte " + pos + ": " + why);
    }

    static String utf8(ByteBuffer b, int offset, int length) {
        if (length == 0) {
            return "";
        }
        if (b.hasArray()) {
            return new String(b.array(), b.arrayOffset() + offset, length, StandardCharsets.UTF_8);
        }
        byte[] tmp = new byte[length];
        b.get(offset, tmp);
        return new String(tmp, StandardCharsets.UTF_8);
    }
}
