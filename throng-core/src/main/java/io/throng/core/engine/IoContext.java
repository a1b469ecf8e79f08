package io.throng.core.engine;

import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.nio.ByteBuffer;

/**
 * What one I/O thread (an event loop, a worker, a connection's own thread) owns: the buffer it
 * reads into, a buffer cache, and the array it gathers writes into. Confined to that thread, so a
 * dispatch allocates nothing.
 */
final class IoContext {
    /** Gathering writes carry at most this many buffers (Linux's IOV_MAX). */
    static final int MAX_IOV = 1024;

    final Thread thread;
    final BufferCache cache;
    final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];
    private final PooledBuffer readChunk;
    final ByteBuffer readBuffer;
    /** Whether the last read filled the buffer (so more bytes are probably waiting). */
    boolean lastReadFilled;
    /** What the last read returned: bytes, 0, or -1 at end of stream. */
    int lastRead;

    IoContext(Thread thread, BufferPool pool, int readBufferSize) {
        this.thread = thread;
        this.cache = pool.newCache();
        this.readChunk = pool.acquire(readBufferSize);
        ByteBuffer b = readChunk.buffer();
        b.limit(readBufferSize);
        this.readBuffer = b.slice();
    }

    boolean isCurrent() {
        return thread == Thread.currentThread();
    }

    /** Gives the context's memory back; the thread is done. */
    void release() {
        cache.drain();
        cache.pool().release(readChunk);
    }
}
