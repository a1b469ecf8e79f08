package io.throng.core.buffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One off-heap chunk lent by a {@link BufferPool}. The holder owns its position and limit until it
 * gives it back with {@link BufferPool#release} (or a {@link BufferCache}); after that it must not
 * touch it. The handle objects are created once per chunk, so lending allocates nothing.
 *
 * <p>Or, made by {@link #borrow}, a view of bytes no pool owns (a frame encoded once and sent to
 * many connections), so that it can stand in a chain of chunks in its place instead of being copied
 * into one. A borrowed view is never released: a pool refuses it, and its holder drops it.
 */
public final class PooledBuffer {
    private final ByteBuffer buffer;
    private final MemorySegment segment;
    private final long address;
    final int sizeClass;
    final Slab slab;
    boolean lent;
    private PooledBuffer next;

    /** {@link #sizeClass} of a borrowed view. */
    static final int BORROWED = -2;

    PooledBuffer(MemorySegment segment, int sizeClass, Slab slab) {
        this.segment = segment;
        this.buffer = segment.asByteBuffer();
        this.address = segment.address();
        this.sizeClass = sizeClass;
        this.slab = slab;
    }

    private PooledBuffer(ByteBuffer view, long address) {
        this.segment = null;
        this.buffer = view;
        this.address = address;
        this.sizeClass = BORROWED;
        this.slab = null;
    }

    /**
     * Borrows the direct bytes {@code view} shows, which the caller promises never change again, to
     * link into a chain in place of a copy. The view becomes this one's buffer (its position and
     * limit are the chain's from now on: pass a duplicate of a buffer others use); it keeps the
     * memory it shows alive until it is dropped.
     */
    public static PooledBuffer borrow(ByteBuffer view) {
        if (!view.isDirect()) {
            throw new IllegalArgumentException("only direct bytes can be borrowed: a heap array may move");
        }
        return new PooledBuffer(view, MemorySegment.ofBuffer(view).address() - view.position());
    }

    /** Whether this is a {@link #borrow borrowed} view rather than a pool's chunk. */
    public boolean borrowed() {
        return sizeClass == BORROWED;
    }

    /** The chunk as a direct buffer; cleared when lent. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The chunk as a memory segment, for native calls; null for a borrowed view. */
    public MemorySegment segment() {
        return segment;
    }

    /** The next buffer of the chain this one is in (a write queue, say), or null. */
    public PooledBuffer next() {
        return next;
    }

    /** Links {@code next} after this buffer; chains cost no node objects. */
    public void next(PooledBuffer next) {
        this.next = next;
    }

    /** The native address of the chunk's first byte, for system calls. */
    public long address() {
        return address;
    }

    public int capacity() {
        return buffer.capacity();
    }

    @Override
    public String toString() {
        return "PooledBuffer[" + buffer.capacity() + " B, " + (borrowed() ? "borrowed" : lent ? "lent" : "free") + "]";
    }
}
