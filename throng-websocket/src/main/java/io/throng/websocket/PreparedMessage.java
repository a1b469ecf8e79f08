package io.throng.websocket;

import io.throng.websocket.codec.Frames;
import io.throng.websocket.codec.MessageCompressor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A server message framed once, for sending to many connections ({@link WebSocket#send}, topic
 * fan-out): header and payload sit in one direct buffer, and every connection gets <em>the same
 * bytes</em> through the engine's shared write, copied only into the queue of a connection whose
 * socket cannot take them at once. Immutable and safe to share between threads.
 *
 * <p>For connections that negotiated permessage-deflate without context takeover on the server
 * side (the default), a compressed framing is made once, on first need, and shared the same way.
 * Other connections get the uncompressed frame, which RFC 7692 always allows.
 */
public final class PreparedMessage {
    private final boolean text;
    private final int payloadLength;
    private final ByteBuffer frame;
    private volatile ByteBuffer compressedFrame;

    private PreparedMessage(boolean text, ByteBuffer payload) {
        this.text = text;
        this.payloadLength = payload.remaining();
        int opcode = text ? Frames.TEXT : Frames.BINARY;
        ByteBuffer f = ByteBuffer.allocateDirect(Frames.headerLength(payloadLength, false) + payloadLength);
        Frames.putHeader(f, Frames.FIN | opcode, payloadLength, false, 0);
        f.put(payload.duplicate()).flip();
        this.frame = f.asReadOnlyBuffer();
    }

    /** A text message. */
    public static PreparedMessage text(String text) {
        return new PreparedMessage(true, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** A text message from UTF-8 bytes (not checked; not consumed). */
    public static PreparedMessage text(ByteBuffer utf8) {
        return new PreparedMessage(true, utf8);
    }

    /** A binary message (the bytes are copied; {@code data} is not consumed). */
    public static PreparedMessage binary(ByteBuffer data) {
        return new PreparedMessage(false, data);
    }

    public static PreparedMessage binary(byte[] data) {
        return binary(ByteBuffer.wrap(data));
    }

    public boolean isText() {
        return text;
    }

    public int payloadLength() {
        return payloadLength;
    }

    /** The uncompressed frame (a read-only view; position 0). */
    public ByteBuffer frame() {
        return frame.duplicate();
    }

    /** The payload bytes (a read-only view). */
    public ByteBuffer payload() {
        return frame.slice(frame.limit() - payloadLength, payloadLength);
    }

    /** Frame length in bytes, header included. */
    public int frameLength() {
        return frame.limit();
    }

    /**
     * The frame for a connection that accepts a message compressed without context: the compressed
     * framing if compressing pays (the payload is at least the configured minimum and shrinks),
     * else the plain frame. Made once, on first call.
     */
    public ByteBuffer frameForSharedDeflate(MessageCompressor compressor) {
        if (payloadLength < compressor.minCompressBytes()) {
            return frame();
        }
        ByteBuffer c = compressedFrame;
        if (c == null) {
            synchronized (this) {
                c = compressedFrame;
                if (c == null) {
                    c = compressor.frameOnce(text, payload());
                    if (c == null) {
                        c = frame; // compression would not shrink it
                    }
                    compressedFrame = c;
                }
            }
        }
        return c.duplicate();
    }
}
