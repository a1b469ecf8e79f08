package io.throng.core.engine;

import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.Scratch;
import io.throng.core.transport.Transport;
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
    /**
     * A connection's own thread gathers at most this many: one such context exists per connection
     * (thread-per-connection), and 1,024 slots would cost it 12 KiB of arrays for nothing, its queue
     * rarely holding more than a few chunks.
     */
    static final int THREAD_IOV = 64;

    final Thread thread;
    final BufferCache cache;
    final ByteBuffer[] iov;
    /** The native addresses of {@link #iov}'s buffers (index 0 of each), or 0 where unknown. */
    final long[] iovBase;
    /** The native address of {@link #readBuffer}'s index 0. */
    final long readAddress;
    /** What the transport keeps per thread (the epoll transport's errno, iovec and event segments). */
    final Scratch scratch;
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

    IoContext(Thread thread, Engine engine, int readBufferSize) {
        this(thread, engine.transport, engine.pool, readBufferSize, engine.metrics, MAX_IOV);
    }

    IoContext(Thread thread, Transport transport, BufferPool pool, int readBufferSize, EngineMetrics metrics, int iovCapacity) {
        this.thread = thread;
        this.scratch = transport.newScratch(iovCapacity);
        this.iov = new ByteBuffer[iovCapacity];
        this.iovBase = new long[iovCapacity];
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

    /** The arrays a gathering write fills, for a thread with no context of its own. */
    record Gather(ByteBuffer[] iov, long[] bases) {
    }

    /** Threads without a context (a publisher writing to many connections) gather at most this many buffers. */
    static final int FOREIGN_IOV = 64;
    private static final ThreadLocal<Gather> FOREIGN = ThreadLocal.withInitial(
            () -> new Gather(new ByteBuffer[FOREIGN_IOV], new long[FOREIGN_IOV]));

    /** The calling thread's gather arrays when it has no context. */
    static Gather foreignGather() {
        return FOREIGN.get();
    }

    /** Gives the context's memory back; the thread is done. */
    void release() {
        metrics.retire(this);
        cache.drain();
        cache.pool().release(readChunk);
    }
}
