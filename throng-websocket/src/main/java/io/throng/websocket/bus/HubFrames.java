package io.throng.websocket.bus;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;

/**
 * The prefork hub's wire format, on a Unix domain socket between the supervisor and each worker:
 *
 * <pre>
 * frame     op (1) | channel length (1, 1-255) | channel (ASCII) [| payload length (u32) | payload]
 * op        1 subscribe, 2 unsubscribe, 3 publish (worker to hub); 4 message (hub to worker)
 * </pre>
 * Publish and message carry a payload; integers are big-endian. Both ends are ours and run the
 * same jar, so there is no version byte; a frame that breaks these rules ends the connection.
 */
final class HubFrames {
    static final byte SUBSCRIBE = 1;
    static final byte UNSUBSCRIBE = 2;
    static final byte PUBLISH = 3;
    static final byte MESSAGE = 4;
    /** What a reader starts with and shrinks back to after a large frame. */
    private static final int READ_BUFFER = 64 * 1024;

    private HubFrames() {
    }

    /** One decoded frame, handed over valid during the call. */
    interface Sink {
        void frame(byte op, String channel, ByteBuffer payload) throws IOException;
    }

    static boolean hasPayload(byte op) {
        return op == PUBLISH || op == MESSAGE;
    }

    static int size(String channel, int payloadLength, boolean withPayload) {
        return 2 + channel.length() + (withPayload ? 4 + payloadLength : 0);
    }

    /** Appends a frame; {@code payload} is read from its position, not consumed. */
    static void put(ByteBuffer b, byte op, String channel, ByteBuffer payload) {
        int length = channel.length();
        if (length == 0 || length > 255) {
            throw new IllegalArgumentException("channel of " + length + " characters; the hub takes 1-255");
        }
        b.put(op).put((byte) length);
        for (int i = 0; i < length; i++) {
            b.put((byte) channel.charAt(i));
        }
        if (hasPayload(op)) {
            b.putInt(payload.remaining()).put(payload.duplicate());
        }
    }

    /** One frame in a buffer of its own (flipped, ready to write). */
    static ByteBuffer frame(byte op, String channel, ByteBuffer payload) {
        ByteBuffer b = ByteBuffer.allocate(size(channel, payload == null ? 0 : payload.remaining(), hasPayload(op)));
        put(b, op, channel, payload);
        return b.flip();
    }

    /**
     * Reads frames from {@code in} (blocking) until it ends: returns at a clean end, throws at a
     * broken frame, a closed connection mid-frame, or a payload over {@code maxPayload}.
     */
    static void readAll(ReadableByteChannel in, int maxPayload, Sink sink) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(READ_BUFFER);
        while (true) {
            if (in.read(buf) < 0) {
                if (buf.position() > 0) {
                    throw new EOFException("the hub connection closed in the middle of a frame");
                }
                return;
            }
            buf.flip();
            int needed = 0;
            while (buf.remaining() >= 2) {
                int p = buf.position();
                byte op = buf.get(p);
                int channelLength = buf.get(p + 1) & 0xFF;
                if (op < SUBSCRIBE || op > MESSAGE || channelLength == 0) {
                    throw new IOException("not a hub frame (op " + op + ", channel length " + channelLength + ")");
                }
                boolean withPayload = hasPayload(op);
                int head = 2 + channelLength + (withPayload ? 4 : 0);
                if (buf.remaining() < head) {
                    needed = head;
                    break;
                }
                int payloadLength = withPayload ? buf.getInt(p + 2 + channelLength) : 0;
                if (payloadLength < 0 || payloadLength > maxPayload) {
                    throw new IOException("hub frame with a payload of " + (payloadLength & 0xFFFFFFFFL)
                            + " B, over the limit of " + maxPayload + " B");
                }
                if (buf.remaining() < head + payloadLength) {
                    needed = head + payloadLength;
                    break;
                }
                String channel = StandardCharsets.ISO_8859_1.decode(buf.slice(p + 2, channelLength)).toString();
                sink.frame(op, channel, buf.slice(p + head, payloadLength));
                buf.position(p + head + payloadLength);
            }
            buf.compact();
            if (needed > buf.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, buf.capacity() * 2));
                buf = bigger.put(buf.flip());
            } else if (buf.position() == 0 && buf.capacity() > READ_BUFFER) {
                buf = ByteBuffer.allocate(READ_BUFFER);
            }
        }
    }
}
