package io.throng.websocket.codec;

import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One connection's permessage-deflate: the agreed parameters, and the codecs it keeps only where
 * context takeover requires it. Without takeover on a side, that side's codec is borrowed from the
 * shared pool per message, so the connection holds nothing between messages.
 *
 * <p>Compression runs under the session's send lock; decompression in its serial context.
 */
public final class PerMessageDeflate implements Inflation {
    private final DeflateParams params;
    private final MessageCompressor compressor;
    private Deflater ownDeflater;
    private Inflater ownInflater;

    public PerMessageDeflate(DeflateParams params, MessageCompressor compressor) {
        this.params = params;
        this.compressor = compressor;
    }

    public DeflateParams params() {
        return params;
    }

    public MessageCompressor compressor() {
        return compressor;
    }

    /**
     * The compressed payload (a pooled buffer, flipped; the caller releases it), or null when the
     * message is too short to be worth compressing. Caller holds the session's send lock.
     */
    public PooledBuffer compress(ByteBuffer payload, BufferPool pool) {
        if (payload.remaining() < compressor.minCompressBytes()) {
            return null;
        }
        if (params.localNoContextTakeover()) {
            Deflater d = compressor.codecs().borrowDeflater();
            try {
                return compressor.compress(d, payload, params.localMaxWindowBits(), pool);
            } finally {
                compressor.codecs().returnDeflater(d);
            }
        }
        if (ownDeflater == null) {
            ownDeflater = compressor.codecs().newDeflater();
        }
        return compressor.compress(ownDeflater, payload, params.localMaxWindowBits(), pool);
    }

    @Override
    public Inflater beginMessage() {
        if (params.peerNoContextTakeover()) {
            return compressor.codecs().borrowInflater();
        }
        if (ownInflater == null) {
            ownInflater = new Inflater(true);
        }
        return ownInflater;
    }

    @Override
    public void endMessage(Inflater inflater, boolean complete) {
        if (params.peerNoContextTakeover()) {
            compressor.codecs().returnInflater(inflater);
        } else if (!complete) {
            inflater.reset(); // an abandoned message leaves the stream unusable; the connection is failing anyway
        }
    }

    @Override
    public void close() {
        if (ownDeflater != null) {
            ownDeflater.end();
            ownDeflater = null;
        }
        if (ownInflater != null) {
            ownInflater.end();
            ownInflater = null;
        }
    }
}
