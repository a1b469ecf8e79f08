package io.throng.rpc.frame;

import java.nio.ByteBuffer;

/**
 * The 16-byte fixed header that starts every tRPC frame (big-endian):
 * <pre>
 *  0  magic 0x0930          (2)      8  header size (2)   unary: protobuf header length; stream: 0
 *  2  data frame type       (1)     10  stream id   (4)   unary: the request id (tRPC-Java writes 0)
 *  3  stream frame type     (1)     14  version     (1)   tRPC-Go 1, tRPC-Java 0; servers echo it
 *  4  total size            (4)     15  reserved    (1)
 * </pre>
 *
 * @param dataFrameType   {@link #UNARY} or {@link #STREAM}
 * @param streamFrameType 0 for unary; INIT 1, DATA 2, FEEDBACK 3, CLOSE 4 for streams
 * @param totalSize       the whole frame, these 16 bytes included
 * @param headerSize      the protobuf header's length (unary); 0 for stream frames
 * @param streamId        the frame-level id (unsigned 32 bits, carried as an int)
 * @param version         the protocol version byte
 */
public record FrameHeader(int dataFrameType, int streamFrameType, int totalSize, int headerSize, int streamId,
                          int version) {

    public static final int SIZE = 16;
    public static final int MAGIC = 0x0930;
    public static final int UNARY = 0;
    public static final int STREAM = 1;
    /** The version byte tRPC-Go writes and we send; tRPC-Java and older peers write 0. */
    public static final int VERSION_1 = 1;

    public boolean isUnary() {
        return dataFrameType == UNARY;
    }

    /** Bytes after the fixed header. */
    public int payloadSize() {
        return totalSize - SIZE;
    }

    /**
     * Reads and checks the fixed header at {@code in}'s position without consuming anything.
     *
     * @return null if fewer than 16 bytes are there yet
     * @throws FrameException for bad magic, a size below 16 or over the limits, an unknown frame
     *                        type, or a unary header size of 0 or past the frame's end
     */
    public static FrameHeader peek(ByteBuffer in, FrameLimits limits) {
        if (in.remaining() < SIZE) {
            return null;
        }
        int p = in.position();
        int magic = in.getShort(p) & 0xFFFF;
        if (magic != MAGIC) {
            throw new FrameException(String.format("bad magic 0x%04x, expected 0x%04x", magic, MAGIC));
        }
        int dataType = in.get(p + 2) & 0xFF;
        int streamType = in.get(p + 3) & 0xFF;
        long total = in.getInt(p + 4) & 0xFFFFFFFFL;
        int headerSize = in.getShort(p + 8) & 0xFFFF;
        int streamId = in.getInt(p + 10);
        int version = in.get(p + 14) & 0xFF;
        if (total < SIZE) {
            throw new FrameException("total size " + total + " is below the " + SIZE + "-byte frame header");
        }
        if (total > limits.maxFrameSize()) {
            throw new FrameException("frame of " + total + " bytes exceeds max frame size " + limits.maxFrameSize());
        }
        if (dataType != UNARY && dataType != STREAM) {
            throw new FrameException("unknown data frame type " + dataType + " (0 unary, 1 stream)");
        }
        if (dataType == UNARY) {
            if (headerSize == 0) {
                throw new FrameException("unary frame with header size 0 (a protocol header is required)");
            }
            if (headerSize > total - SIZE) {
                throw new FrameException("header size " + headerSize + " exceeds the " + (total - SIZE)
                        + " bytes after the frame header (total " + total + ")");
            }
            if (headerSize > limits.maxHeaderSize()) {
                throw new FrameException("header of " + headerSize + " bytes exceeds max header size " + limits.maxHeaderSize());
            }
            if (streamType != 0) {
                throw new FrameException("unary frame with stream frame type " + streamType);
            }
        } else if (streamType < 1 || streamType > 4) {
            throw new FrameException("unknown stream frame type " + streamType + " (1 INIT, 2 DATA, 3 FEEDBACK, 4 CLOSE)");
        }
        return new FrameHeader(dataType, streamType, (int) total, headerSize, streamId, version);
    }

    /** Writes this header at {@code out[offset..offset+16)}. */
    public void writeTo(byte[] out, int offset) {
        out[offset] = (byte) (MAGIC >>> 8);
        out[offset + 1] = (byte) MAGIC;
        out[offset + 2] = (byte) dataFrameType;
        out[offset + 3] = (byte) streamFrameType;
        putInt(out, offset + 4, totalSize);
        out[offset + 8] = (byte) (headerSize >>> 8);
        out[offset + 9] = (byte) headerSize;
        putInt(out, offset + 10, streamId);
        out[offset + 14] = (byte) version;
        out[offset + 15] = 0;
    }

    private static void putInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }
}
