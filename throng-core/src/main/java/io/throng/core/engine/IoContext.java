package io.throng.core.engine;

import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * What one I/O thread (an event loop, a worker, a connection's own thread) owns: the buffer it
 * reads into, a buffer cache, and the array it gathers writes into. Confined to that thread, so a
 * dispatch allocates nothing.
 */
final class IoContext {
    private static final VarHandle BYTES_READ;
    private static final VarHandle READS;
    private static final VarHandle BYTES_WRITTEN;
    private static final VarHandle WRITES;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            BYTES_READ = l.findVarHandle(IoContext.class, "bytesRead", long.class);
            READS = l.findVarHandle(IoContext.class, "reads", long.class);
            BYTES_WRITTEN = l.findVarHandle(IoContext.class, "bytesWritten", long.class);
            WRITES = l.findVarHandle(IoContext.class, "writes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Gathering writes carry at most this many buffers (Linux's IOV_MAX). */
    static final int MAX_IOV = 1024;

    final Thread thread;
    final BufferCache cache;
    final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];
    /** The native addresses of {@link #iov}'s buffers (index 0 of each), or 0 where unknown. */
    final long[] iovBase = new long[MAX_IOV];
    /** The native address of {@link #readBuffer}'s index 0. */
    final long readAddress;
    /** What the transport keeps per thread (the epoll transport's errno and iovec segments). */
    Object transportScratch;
    private final PooledBuffer readChunk;
    final ByteBuffer readBuffer;
    /** Whether the last read filled the buffer (so more bytes are probably waiting). */
    boolean lastReadFilled;
    /** What the last read returned: bytes, 0, or -1 at end of stream. */
    int lastRead;
    /**
     * System.nanoTime() as of the current dispatch: loops refresh it after every select, others at
     * every dispatch. Activity stamps use it (timeouts are meant in seconds) instead of a clock read
     * per read and per write.
     */
    long now = System.nanoTime();

    // Hot counters: written only by this context's thread (opaque stores, so the stats reader sees
    // them), summed by EngineMetrics. A LongAdder per event cost more than the event's bookkeeping.
    @SuppressWarnings("unused") private long bytesRead;
    @SuppressWarnings("unused") private long reads;
    @SuppressWarnings("unused") private long bytesWritten;
    @SuppressWarnings("unused") private long writes;
    private final EngineMetrics metrics;

    IoContext(Thread thread, BufferPool pool, int readBufferSize, EngineMetrics metrics) {
        this.thread = thread;
        this.metrics = metrics;
        this.cache = pool.newCache();
        this.readChunk = pool.acquire(readBufferSize);
        ByteBuffer b = readChunk.buffer();
        b.limit(readBufferSize);
        this.readBuffer = b.slice();
        this.readAddress = readChunk.address();
        metrics.register(this);
    }

    void countRead(int n) {
        BYTES_READ.setOpaque(this, (long) BYTES_READ.getOpaque(this) + n);
        READS.setOpaque(this, (long) READS.getOpaque(this) + 1);
    }

    void countWrite(long n) {
        BYTES_WRITTEN.setOpaque(this, (long) BYTES_WRITTEN.getOpaque(this) + n);
        WRITES.setOpaque(this, (long) WRITES.getOpaque(this) + 1);
    }

    long bytesRead() {
        return (long) BYTES_READ.getOpaque(this);
    }

    long reads() {
        return (long) READS.getOpaque(this);
    }

    long bytesWritten() {
        return (long) BYTES_WRITTEN.getOpaque(this);
    }

    long writes() {
        return (long) WRITES.getOpaque(this);
    }

    boolean isCurrent() {
        return thread == Thread.currentThread();
    }

    /** Gives the context's memory back; the thread is done. */
    void release() {
        metrics.retire(this);
        cache.drain();
        cache.pool().release(readChunk);
    }
}
