package io.throng.websocket;

import io.throng.websocket.codec.Frames;
import io.throng.websocket.codec.Masking;
import io.throng.websocket.codec.PerMessageDeflate;
import io.throng.core.Connection;
import io.throng.core.buffer.PooledBuffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Encodes outgoing frames onto a connection's write queue: the header from a small array, the
 * payload as it is (copied by the engine only if the socket cannot take it now), compressed first
 * when permessage-deflate pays, masked on a client (with a pooled scratch buffer). Callers hold the
 * session's monitor, so a frame's header and payload are never split by another thread's frame.
 */
final class FrameWriter {
    private FrameWriter() {
    }

    /**
     * Writes one frame whose first byte is {@code b0} and consumes {@code payload}. With a
     * {@code deflate}, the payload is compressed (and RSV1 set) unless it is too short to pay.
     */
    static void writeFrame(Connection c, Endpoint e, PerMessageDeflate deflate, int b0, ByteBuffer payload) {
        PooledBuffer compressed = deflate != null ? deflate.compress(payload, e.pool) : null;
        ByteBuffer body = payload;
        if (compressed != null) {
            body = compressed.buffer();
            b0 |= Frames.RSV1;
        }
        try {
            int n = body.remaining();
            boolean mask = e.client;
            int maskKey = mask ? ThreadLocalRandom.current().nextInt() : 0;
            byte[] header = new byte[Frames.MAX_HEADER];
            c.write(header, 0, Frames.putHeader(header, b0, n, mask, maskKey));
            if (!mask) {
                c.write(body);
            } else if (n > 0) {
                PooledBuffer masked = e.pool.acquire(n);
                try {
                    ByteBuffer m = masked.buffer();
                    Masking.copyMasked(body, m, maskKey);
                    m.flip();
                    c.write(m);
                } finally {
                    e.pool.release(masked);
                }
            }
            payload.position(payload.limit());
        } finally {
            if (compressed != null) {
                e.pool.release(compressed);
            }
        }
    }

    /** Writes a Close frame with {@code code} and {@code reason} (cut to fit 125 bytes), or an empty one for code 0. */
    static void writeClose(Connection c, Endpoint e, int code, String reason) {
        ByteBuffer payload;
        if (code == 0) {
            payload = ByteBuffer.allocate(0);
        } else {
            byte[] r = truncateUtf8(reason, Frames.MAX_CONTROL_PAYLOAD - 2);
            payload = ByteBuffer.allocate(2 + r.length);
            payload.putShort((short) code).put(r).flip();
        }
        writeFrame(c, e, null, Frames.FIN | Frames.CLOSE, payload);
    }

    /** The UTF-8 bytes of {@code s}, cut to at most {@code max} bytes on a code point boundary. */
    static byte[] truncateUtf8(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= max) {
            return b;
        }
        int n = max;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--; // b[n] continues a code point: cut before its lead byte
        }
        return java.util.Arrays.copyOf(b, n);
    }
}
