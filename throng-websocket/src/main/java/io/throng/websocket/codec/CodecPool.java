package io.throng.websocket.codec;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Compressors and decompressors shared by the connections that keep no context between messages:
 * each borrows one for a message and gives it back, so such a connection holds none while idle.
 * zlib state is native memory (about 262 KiB a compressor at the default memLevel, about 44 KiB a
 * decompressor), so at most {@code retained} of each are kept; the rest are ended when returned.
 */
public final class CodecPool {
    private final int level;
    private final ArrayBlockingQueue<Deflater> deflaters;
    private final ArrayBlockingQueue<Inflater> inflaters;

    /** @param level the compression level, 0-9 (java.util.zip.Deflater's) */
    public CodecPool(int level, int retained) {
        this.level = level;
        this.deflaters = new ArrayBlockingQueue<>(retained);
        this.inflaters = new ArrayBlockingQueue<>(retained);
    }

    /** A raw (no zlib header) compressor at this pool's level. */
    public Deflater newDeflater() {
        return new Deflater(level, true);
    }

    public Deflater borrowDeflater() {
        Deflater d = deflaters.poll();
        return d != null ? d : newDeflater();
    }

    public void returnDeflater(Deflater d) {
        d.reset();
        if (!deflaters.offer(d)) {
            d.end();
        }
    }

    /** A raw (no zlib header) decompressor. Its 32 KiB window reads streams of any window size. */
    public Inflater borrowInflater() {
        Inflater i = inflaters.poll();
        return i != null ? i : new Inflater(true);
    }

    public void returnInflater(Inflater i) {
        i.reset();
        if (!inflaters.offer(i)) {
            i.end();
        }
    }

    /** Ends every pooled codec (the server stopped). */
    public void close() {
        for (Deflater d; (d = deflaters.poll()) != null; ) {
            d.end();
        }
        for (Inflater i; (i = inflaters.poll()) != null; ) {
            i.end();
        }
    }
}
