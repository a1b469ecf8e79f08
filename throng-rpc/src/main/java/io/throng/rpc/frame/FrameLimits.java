package io.throng.rpc.frame;

/**
 * Size bounds checked as soon as a frame's fixed header arrives, before any of its body is kept.
 *
 * @param maxFrameSize  the largest whole frame accepted or sent; 10 MiB by default, tRPC-Go's
 *                      {@code DefaultMaxFrameSize} and tRPC-Java's {@code payload} default
 * @param maxHeaderSize the largest protobuf header; at most 65,535, since the field is a uint16
 */
public record FrameLimits(int maxFrameSize, int maxHeaderSize) {

    public static final int DEFAULT_MAX_FRAME_SIZE = 10 << 20;
    public static final int MAX_HEADER_SIZE = 0xFFFF;
    public static final FrameLimits DEFAULT = new FrameLimits(DEFAULT_MAX_FRAME_SIZE, MAX_HEADER_SIZE);

    public FrameLimits {
        if (maxFrameSize < FrameHeader.SIZE + 1) {
            throw new IllegalArgumentException("maxFrameSize must be > " + FrameHeader.SIZE + ", got " + maxFrameSize);
        }
        if (maxHeaderSize < 1 || maxHeaderSize > MAX_HEADER_SIZE) {
            throw new IllegalArgumentException("maxHeaderSize must be within 1.." + MAX_HEADER_SIZE + ", got " + maxHeaderSize);
        }
    }

    public FrameLimits withMaxFrameSize(int v) {
        return new FrameLimits(v, maxHeaderSize);
    }

    public FrameLimits withMaxHeaderSize(int v) {
        return new FrameLimits(maxFrameSize, v);
    }
}
