package io.throng.websocket.codec;

import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;

/**
 * Compresses messages for permessage-deflate (RFC 7692 section 7.2.1): deflate with a sync flush,
 * then drop the flush's trailing {@code 00 00 FF FF}. One per server or client, shared by its
 * connections; the codecs come from its {@link CodecPool}.
 *
 * <p>java.util.zip cannot shrink zlib's 32 KiB window, so a window of {@code 2^N < 32 KiB} is
 * honoured by compressing in blocks of {@code 2^N} bytes with a full flush after each: a full flush
 * forgets everything before it, so no back-reference spans more than one block.
 */
public final class MessageCompressor {
    private static final int FULL_WINDOW = 15;

    private final CodecPool codecs;
    private final int minCompressBytes;
    private final BufferPool pool;

    public MessageCompressor(CodecPool codecs, int minCompressBytes, BufferPool pool) {
        this.codecs = codecs;
        this.minCompressBytes = minCompressBytes;
        this.pool = pool;
    }

    public CodecPool codecs() {
        return codecs;
    }

    /** Messages shorter than this are sent uncompressed. */
    public int minCompressBytes() {
        return minCompressBytes;
    }

    /**
     * Compresses {@code payload}'s remaining bytes (not consuming them) into a pooled buffer, flipped
     * for reading, with {@code windowBits} as the window bound. The caller releases the buffer.
     */
    public PooledBuffer compress(Deflater deflater, ByteBuffer payload, int windowBits, BufferPool pool) {
        if (!payload.hasRemaining()) {
            // An empty message compresses to the one byte 0x00 (RFC 7692 section 7.2.3.6: an empty
            // stored block, which the receiver's 00 00 FF FF completes). Deflating nothing gives
            // nothing on a compressor that has just flushed (zlib skips a repeated flush), so with
            // context takeover an empty message after another threw below (found by
            // FrameDecoderFuzzTest#roundTrip). The compressor's window is unchanged either way.
            PooledBuffer empty = pool.acquire(1);
            empty.buffer().put((byte) 0).flip();
            return empty;
        }
        PooledBuffer out = pool.acquire(Math.max(64, payload.remaining() / 2 + 64));
        int block = windowBits >= FULL_WINDOW ? Integer.MAX_VALUE : 1 << windowBits;
        int flush = windowBits >= FULL_WINDOW ? Deflater.SYNC_FLUSH : Deflater.FULL_FLUSH;
        ByteBuffer src = payload.duplicate();
        do {
            int n = Math.min(block, src.remaining());
            deflater.setInput(src.slice(src.position(), n));
            src.position(src.position() + n);
            out = deflateAll(deflater, out, flush, pool);
        } while (src.hasRemaining());
        deflater.setInput(new byte[0]);
        ByteBuffer b = out.buffer();
        int end = b.position();
        if (end < 4 || b.get(end - 4) != 0 || b.get(end - 3) != 0 || b.get(end - 2) != (byte) 0xFF
                || b.get(end - 1) != (byte) 0xFF) {
            pool.release(out);
            throw new IllegalStateException("a flushed deflate stream did not end with 00 00 FF FF");
        }
        b.position(end - 4).flip();
        return out;
    }

    /** Runs the deflater until it stops filling the output (its input is used and flushed). */
    private static PooledBuffer deflateAll(Deflater d, PooledBuffer out, int flush, BufferPool pool) {
        while (true) {
            ByteBuffer b = out.buffer();
            if (!b.hasRemaining()) {
                PooledBuffer bigger = pool.acquire(b.capacity() * 2);
                b.flip();
                bigger.buffer().put(b);
                pool.release(out);
                out = bigger;
                b = out.buffer();
            }
            d.deflate(b, flush);
            if (b.hasRemaining()) {
                return out;
            }
        }
    }

    /**
     * A server frame (FIN, RSV1) holding {@code payload} compressed by a fresh compressor with a
     * full window: what every connection with no server context takeover can read. Null if
     * compression does not make it shorter.
     */
    public ByteBuffer frameOnce(boolean text, ByteBuffer payload) {
        Deflater d = codecs.borrowDeflater();
        PooledBuffer compressed = null;
        try {
            compressed = compress(d, payload, FULL_WINDOW, pool);
            ByteBuffer c = compressed.buffer();
            int n = c.remaining();
            if (n >= payload.remaining()) {
                return null;
            }
            ByteBuffer f = ByteBuffer.allocateDirect(Frames.headerLength(n, false) + n);
            Frames.putHeader(f, Frames.FIN | Frames.RSV1 | (text ? Frames.TEXT : Frames.BINARY), n, false, 0);
            f.put(c).flip();
            return f.asReadOnlyBuffer();
        } finally {
            if (compressed != null) {
                pool.release(compressed);
            }
            codecs.returnDeflater(d);
        }
    }
}
