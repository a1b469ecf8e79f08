package io.throng.core.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * A provided-buffer ring (Linux 5.19): buffers the kernel picks from when a receive completes, so
 * a socket waiting for bytes holds none, and an idle connection costs no buffer. Made by
 * {@link UringRing#registerBuffers}; used by the ring's owner thread only.
 *
 * <p>The ring is an array of {@code io_uring_buf} entries (16 B: address, length, buffer id) that
 * we fill and the kernel consumes; the tail we publish lives in the first entry's last two bytes
 * and goes out with a release store, after the entries it covers are written. A buffer a completion
 * named is ours until {@link #recycle} hands it back.
 */
public final class UringBufferRing {
    private static final VarHandle U16 = JAVA_SHORT.varHandle();
    private static final int ENTRY = 16;
    private static final int PAGE = 4096;

    private final Arena arena = Arena.ofShared();
    private final int group;
    private final int count;
    private final int size;
    private final int mask;
    private final MemorySegment ring;
    private final MemorySegment buffers;
    private int tail;
    /** Buffers a completion handed out that were not recycled yet. */
    private int held;
    private boolean freed;

    UringBufferRing(int group, int count, int size) {
        if (count <= 0 || count > 32768 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("a buffer ring holds a power of two up to 32768 buffers, not " + count);
        }
        if (size <= 0) {
            throw new IllegalArgumentException("buffer size " + size);
        }
        this.group = group;
        this.count = count;
        this.size = size;
        this.mask = count - 1;
        this.ring = arena.allocate((long) ENTRY * count, PAGE); // the kernel wants it page-aligned
        this.buffers = arena.allocate((long) size * count, 64);
    }

    long ringAddress() {
        return ring.address();
    }

    void fillAll() {
        for (int bid = 0; bid < count; bid++) {
            put(bid);
        }
        publish();
    }

    private void put(int bid) {
        long e = (long) (tail & mask) * ENTRY;
        ring.set(JAVA_LONG, e, buffers.address() + (long) bid * size);
        ring.set(JAVA_INT, e + 8, size);
        ring.set(JAVA_SHORT, e + 12, (short) bid);
        tail++;
    }

    private void publish() {
        U16.setRelease(ring, 14L, (short) tail);
    }

    public int group() {
        return group;
    }

    public int count() {
        return count;
    }

    /** Each buffer's size: the most one receive completion can carry. */
    public int bufferSize() {
        return size;
    }

    /** The address of buffer {@code bid}. */
    public long address(int bid) {
        return buffers.address() + (long) bid * size;
    }

    /** The memory of buffer {@code bid} (its first {@code length} bytes). */
    public MemorySegment segment(int bid, int length) {
        return buffers.asSlice((long) bid * size, length);
    }

    /** A completion handed out buffer {@code bid}: count it as held until {@link #recycle}. */
    public void taken(int bid) {
        assert bid >= 0 && bid < count : "buffer id " + bid;
        held++;
    }

    /** Gives buffer {@code bid} back to the kernel. */
    public void recycle(int bid) {
        assert bid >= 0 && bid < count : "buffer id " + bid;
        held--;
        put(bid);
        publish();
    }

    /** Buffers handed out by completions and not given back (a leak check for tests and the dump). */
    public int held() {
        return held;
    }

    void free() {
        if (!freed) {
            freed = true;
            arena.close();
        }
    }
}
