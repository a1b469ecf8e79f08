package io.throng.core.buffer;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Off-heap memory for bytes in flight: chunks of seven size classes (256 B to 1 MiB, by powers of
 * four) carved from slabs. Anything larger is allocated for the occasion and freed on release.
 *
 * <p>Thread-safe: each class has its own lock, and the threads that lend most (event loops,
 * workers) go through a {@link BufferCache} first, which needs no lock. Fully free slabs beyond
 * {@code maxRetainedBytes} are returned to the operating system by {@link #trim()}, so memory taken
 * by a burst comes back (a common complaint about pooled allocators: netty/netty#9381).
 *
 * <p>Small classes exist because what a connection keeps between reads is usually a few bytes of a
 * partial message: holding a 16 KiB chunk for them would cost 16 GB at a million connections.
 */
public final class BufferPool {
    /** Chunk sizes by class: 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB, 1 MiB. */
    static final int[] SIZES = {256, 1024, 4096, 16384, 65536, 262144, 1 << 20};
    public static final int MAX_POOLED = 1 << 20;
    static final int UNPOOLED = -1;

    private final SizeClass[] classes = new SizeClass[SIZES.length];
    private final long maxRetainedBytes;
    private final LongAdder lentBuffers = new LongAdder();
    private final LongAdder lentBytes = new LongAdder();
    private final AtomicLong unpooledBytes = new AtomicLong();
    private final AtomicLong releasedToOs = new AtomicLong();
    private final java.util.Set<BufferCache> caches = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public BufferPool(long maxRetainedBytes) {
        if (maxRetainedBytes < 0) {
            throw new IllegalArgumentException("maxRetainedBytes must be >= 0");
        }
        this.maxRetainedBytes = maxRetainedBytes;
        for (int i = 0; i < SIZES.length; i++) {
            classes[i] = new SizeClass(i, SIZES[i]);
        }
    }

    /** The class whose chunks hold at least {@code capacity} bytes, or -1 beyond 1 MiB. */
    static int classFor(int capacity) {
        for (int i = 0; i < SIZES.length; i++) {
            if (capacity <= SIZES[i]) {
                return i;
            }
        }
        return UNPOOLED;
    }

    /** The chunk size that {@link #acquire} would lend for {@code capacity} bytes. */
    public static int chunkSizeFor(int capacity) {
        int c = classFor(capacity);
        return c == UNPOOLED ? capacity : SIZES[c];
    }

    /** Lends a cleared buffer of at least {@code minCapacity} bytes. */
    public PooledBuffer acquire(int minCapacity) {
        if (minCapacity < 0) {
            throw new IllegalArgumentException("negative capacity " + minCapacity);
        }
        int c = classFor(minCapacity);
        PooledBuffer b = c == UNPOOLED ? allocateUnpooled(minCapacity) : classes[c].take();
        mark(b);
        lentBuffers.increment();
        lentBytes.add(b.capacity());
        return b;
    }

    PooledBuffer takeFromClass(int sizeClass) {
        return classes[sizeClass].take();
    }

    /** Marks a buffer lent (and cleared); the caller counts it. */
    static void mark(PooledBuffer b) {
        if (b.lent) {
            throw new IllegalStateException("buffer lent twice: " + b);
        }
        b.lent = true;
        b.next(null);
        b.buffer().clear();
    }

    static void unmark(PooledBuffer b) {
        if (b.borrowed()) {
            throw new IllegalArgumentException("a borrowed view belongs to no pool: " + b);
        }
        if (!b.lent) {
            throw new IllegalStateException("buffer released twice: " + b);
        }
        b.lent = false;
    }

    /** Takes a buffer back; the caller must not touch it afterwards. */
    public void release(PooledBuffer b) {
        unmark(b);
        lentBuffers.decrement();
        lentBytes.add(-b.capacity());
        if (b.sizeClass == UNPOOLED) {
            unpooledBytes.addAndGet(-b.capacity());
            b.slab.close();
        } else {
            classes[b.sizeClass].put(b);
        }
    }

    void putToClass(PooledBuffer b) {
        classes[b.sizeClass].put(b);
    }

    private PooledBuffer allocateUnpooled(int capacity) {
        unpooledBytes.addAndGet(capacity);
        return new Slab(capacity, 1, UNPOOLED).chunks[0];
    }

    /** A lock-free cache for one thread (an event loop or a worker). */
    public BufferCache newCache() {
        BufferCache c = new BufferCache(this);
        caches.add(c);
        return c;
    }

    /** A cache is done: fold its counts into the pool's. */
    void retire(BufferCache c, long buffers, long bytes) {
        if (caches.remove(c)) {
            lentBuffers.add(buffers);
            lentBytes.add(bytes);
        }
    }

    /**
     * Returns wholly free slabs to the OS until at most {@code maxRetainedBytes} are free. Cheap
     * when there is nothing to do; servers call it every few seconds.
     *
     * @return bytes released
     */
    public long trim() {
        long free = 0;
        for (SizeClass c : classes) {
            free += c.freeBytes();
        }
        long released = 0;
        for (int i = classes.length - 1; i >= 0 && free - released > maxRetainedBytes; i--) {
            long excess = free - released - maxRetainedBytes;
            long classFree = classes[i].freeBytes();
            released += classes[i].trim(Math.max(0, classFree - excess));
        }
        releasedToOs.addAndGet(released);
        return released;
    }

    /** Frees every slab. Only for when nothing is lent any more (a stopped server). */
    public void close() {
        for (SizeClass c : classes) {
            c.closeAll();
        }
    }

    public Stats stats() {
        long slab = 0;
        long free = 0;
        for (SizeClass c : classes) {
            slab += c.slabBytes();
            free += c.freeBytes();
        }
        long lent = lentBytes.sum();
        long lentCount = lentBuffers.sum();
        for (BufferCache c : caches) {
            lent += c.lentBytes();
            lentCount += c.lentBuffers();
        }
        long unpooled = unpooledBytes.get();
        long cached = slab + unpooled - free - lent;
        return new Stats(slab + unpooled, lentCount, lent, free, Math.max(0, cached), releasedToOs.get());
    }

    /**
     * A snapshot of the pool.
     *
     * @param allocatedBytes  native memory held (slabs and unpooled buffers)
     * @param lentBuffers     buffers lent out now
     * @param lentBytes       bytes of those buffers
     * @param freeBytes       bytes free in the pool
     * @param cachedBytes     bytes free in thread caches
     * @param releasedToOs    bytes returned to the OS by trimming, since start
     */
    public record Stats(long allocatedBytes, long lentBuffers, long lentBytes, long freeBytes, long cachedBytes,
                        long releasedToOs) {
    }

}
