package io.throng.core.buffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One off-heap chunk lent by a {@link BufferPool}. The holder owns its position and limit until it
 * gives it back with {@link BufferPool#release} (or a {@link BufferCache}); after that it must not
 * touch it. The handle objects are created once per chunk, so lending allocates nothing.
 */
public final class PooledBuffer {
    private final ByteBuffer buffer;
    private final MemorySegment segment;
    private final long address;
    final int sizeClass;
    final Slab slab;
    boolean lent;
    private PooledBuffer next;

    PooledBuffer(MemorySegment segment, int sizeClass, Slab slab) {
        this.segment = segment;
        this.buffer = segment.asByteBuffer();
        this.address = segment.address();
        this.sizeClass = sizeClass;
        this.slab = slab;
    }

    /** The chunk as a direct buffer; cleared when lent. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The chunk as a memory segment, for native calls. */
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
        return "PooledBuffer[" + buffer.capacity() + " B, " + (lent ? "lent" : "free") + "]";
    }
}
