package io.throng.rpc.frame;

import java.nio.ByteBuffer;

/**
 * Splits what a connection received into whole frames. Each complete frame is handed to the sink
 * with the buffer positioned at its first byte and is consumed afterwards; a partial frame is left
 * in place for the engine to keep until more bytes arrive. Only the fixed header is needed to know
 * a frame's size, so an oversize or malformed frame is refused before its body is buffered.
 */
public final class FrameReader {

    /** Receives one whole frame; it may read {@code in} at absolute indexes but must not keep it. */
    @FunctionalInterface
    public interface Sink {
        void onFrame(FrameHeader header, ByteBuffer in);
    }

    private FrameReader() {
    }

    /**
     * Hands every complete frame in {@code in} to {@code sink}, consuming it.
     *
     * @return the number of frames handed over
     * @throws FrameException at the first malformed frame (the caller closes the connection)
     */
    public static int drain(ByteBuffer in, FrameLimits limits, Sink sink) {
        int frames = 0;
        while (true) {
            FrameHeader h = FrameHeader.peek(in, limits);
            if (h == null || in.remaining() < h.totalSize()) {
                return frames;
            }
            int start = in.position();
            int end = start + h.totalSize();
            sink.onFrame(h, in);
            in.position(end);
            frames++;
        }
    }
}
