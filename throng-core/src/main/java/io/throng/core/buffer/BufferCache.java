package io.throng.core.buffer;

/**
 * A small per-thread stash of free chunks in front of a {@link BufferPool}, so that the thread that
 * lends and returns most (an event loop, a worker) takes no lock. Confined to its thread; buffers
 * it lends may be released through the pool or another cache.
 */
public final class BufferCache {
    private static final java.lang.invoke.VarHandle LENT_BUFFERS;
    private static final java.lang.invoke.VarHandle LENT_BYTES;

    static {
        try {
            var l = java.lang.invoke.MethodHandles.lookup();
            LENT_BUFFERS = l.findVarHandle(BufferCache.class, "lentBuffers", long.class);
            LENT_BYTES = l.findVarHandle(BufferCache.class, "lentBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Buffers lent through this cache minus those returned to it (either may be negative: a buffer
     * may be lent by one and returned through another). Written by the owning thread only, with
     * opaque stores, so that the pool's statistics can sum them.
     */
    @SuppressWarnings("unused") private long lentBuffers;
    @SuppressWarnings("unused") private long lentBytes;
    /** Chunks kept per class: many small ones (leftovers, small writes), few big ones. */
    private static final int[] LIMITS = {64, 64, 32, 16, 4, 2, 1};

    private final BufferPool pool;
    private final PooledBuffer[][] stacks = new PooledBuffer[BufferPool.SIZES.length][];
    private final int[] counts = new int[BufferPool.SIZES.length];

    BufferCache(BufferPool pool) {
        this.pool = pool;
        for (int i = 0; i < stacks.length; i++) {
            stacks[i] = new PooledBuffer[LIMITS[i]];
        }
    }

    public BufferPool pool() {
        return pool;
    }

    /** Lends a cleared buffer of at least {@code minCapacity} bytes. */
    public PooledBuffer acquire(int minCapacity) {
        int c = BufferPool.classFor(minCapacity);
        if (c == BufferPool.UNPOOLED) {
            return pool.acquire(minCapacity);
        }
        PooledBuffer b;
        if (counts[c] > 0) {
            b = stacks[c][--counts[c]];
            stacks[c][counts[c]] = null;
        } else {
            b = pool.takeFromClass(c);
        }
        BufferPool.mark(b);
        count(1, b.capacity());
        return b;
    }

    private void count(long buffers, long bytes) {
        LENT_BUFFERS.setOpaque(this, (long) LENT_BUFFERS.getOpaque(this) + buffers);
        LENT_BYTES.setOpaque(this, (long) LENT_BYTES.getOpaque(this) + bytes);
    }

    long lentBuffers() {
        return (long) LENT_BUFFERS.getOpaque(this);
    }

    long lentBytes() {
        return (long) LENT_BYTES.getOpaque(this);
    }

    /** Takes a buffer back; it may have been lent by the pool or by any cache of the same pool. */
    public void release(PooledBuffer b) {
        int c = b.sizeClass;
        if (c == BufferPool.UNPOOLED || counts[c] == stacks[c].length) {
            pool.release(b);
            return;
        }
        BufferPool.unmark(b);
        count(-1, -b.capacity());
        stacks[c][counts[c]++] = b;
    }

    /** Gives every cached chunk back to the pool (when the owning thread stops); the cache is done. */
    public void drain() {
        pool.retire(this, lentBuffers(), lentBytes());
        for (int c = 0; c < stacks.length; c++) {
            while (counts[c] > 0) {
                PooledBuffer b = stacks[c][--counts[c]];
                stacks[c][counts[c]] = null;
                pool.putToClass(b);
            }
        }
    }
}
