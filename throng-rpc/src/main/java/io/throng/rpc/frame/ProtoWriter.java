package io.throng.rpc.frame;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Writes protobuf's wire format into a byte array sized in advance: the tRPC headers are a dozen
 * scalar fields and one map, so a hand-written writer sizes and encodes them without building
 * message objects, and the frame is assembled in a single array with no intermediate copy.
 *
 * <p>Proto3 rules: a scalar equal to its default (0, empty) is not written; a map entry always
 * carries both its key (field 1) and value (field 2), as protobuf-java writes them. Not thread-safe.
 */
final class ProtoWriter {
    static final int VARINT = 0;
    static final int LENGTH_DELIMITED = 2;

    private final byte[] out;
    private int pos;

    ProtoWriter(byte[] out, int offset) {
        this.out = out;
        this.pos = offset;
    }

    int position() {
        return pos;
    }

    // ---- sizes -------------------------------------------------------------------------------

    /** Bytes of a varint holding {@code v} taken as unsigned 64 bits. */
    static int varintSize(long v) {
        return v == 0 ? 1 : (63 - Long.numberOfLeadingZeros(v)) / 7 + 1;
    }

    static int tagSize(int field) {
        return varintSize((long) field << 3);
    }

    /** A uint32 field: 0 is not written. */
    static int uint32Size(int field, int value) {
        return value == 0 ? 0 : tagSize(field) + varintSize(value & 0xFFFFFFFFL);
    }

    /** An int32 field: 0 is not written; a negative value takes ten bytes (sign-extended). */
    static int int32Size(int field, int value) {
        return value == 0 ? 0 : tagSize(field) + varintSize(value);
    }

    static int bytesSize(int field, byte[] value) {
        return value == null || value.length == 0 ? 0 : lengthDelimitedSize(field, value.length);
    }

    static int lengthDelimitedSize(int field, int length) {
        return tagSize(field) + varintSize(length) + length;
    }

    /** A {@code map<string, bytes>} field: one length-delimited entry message per pair. */
    static int mapSize(int field, Map<String, byte[]> map) {
        if (map == null || map.isEmpty()) {
            return 0;
        }
        int size = 0;
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            size += lengthDelimitedSize(field, entrySize(e.getKey(), e.getValue()));
        }
        return size;
    }

    private static int entrySize(String key, byte[] value) {
        return lengthDelimitedSize(1, utf8Length(key)) + lengthDelimitedSize(2, value == null ? 0 : value.length);
    }

    static int utf8Length(String s) {
        int n = s.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                // rare in tRPC metadata keys: count exactly by encoding
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return bytes;
    }

    // ---- writes ------------------------------------------------------------------------------

    void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
    }

    void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    void uint32(int field, int value) {
        if (value != 0) {
            tag(field, VARINT);
            varint(value & 0xFFFFFFFFL);
        }
    }

    void int32(int field, int value) {
        if (value != 0) {
            tag(field, VARINT);
            varint(value);
        }
    }

    void bytes(int field, byte[] value) {
        if (value != null && value.length > 0) {
            tag(field, LENGTH_DELIMITED);
            varint(value.length);
            raw(value);
        }
    }

    void map(int field, Map<String, byte[]> map) {
        if (map == null || map.isEmpty()) {
            return;
        }
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] value = e.getValue() == null ? new byte[0] : e.getValue();
            tag(field, LENGTH_DELIMITED);
            varint(lengthDelimitedSize(1, key.length) + lengthDelimitedSize(2, value.length));
            tag(1, LENGTH_DELIMITED);
            varint(key.length);
            raw(key);
            tag(2, LENGTH_DELIMITED);
            varint(value.length);
            raw(value);
        }
    }

    void raw(byte[] b) {
        System.arraycopy(b, 0, out, pos, b.length);
        pos += b.length;
    }
}
