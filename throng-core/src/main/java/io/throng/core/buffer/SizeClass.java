package io.throng.core.buffer;

import java.util.ArrayList;
import java.util.List;

/** The free chunks of one size: a LIFO stack (the most recently used chunk is the warmest). */
final class SizeClass {
    final int index;
    final int chunkSize;
    final int chunksPerSlab;
    private final List<Slab> slabs = new ArrayList<>();
    private PooledBuffer[] free = new PooledBuffer[64];
    private int freeCount;

    SizeClass(int index, int chunkSize) {
        this.index = index;
        this.chunkSize = chunkSize;
        // Slabs of at least 64 KiB amortise the native allocation; big classes take 4 chunks a slab.
        this.chunksPerSlab = Math.max(4, (64 * 1024) / chunkSize);
    }

    synchronized PooledBuffer take() {
        if (freeCount == 0) {
            grow();
        }
        PooledBuffer b = free[--freeCount];
        free[freeCount] = null;
        b.slab.free--;
        return b;
    }

    synchronized void put(PooledBuffer b) {
        if (freeCount == free.length) {
            free = java.util.Arrays.copyOf(free, free.length * 2);
        }
        free[freeCount++] = b;
        b.slab.free++;
    }

    private void grow() {
        Slab slab = new Slab(chunkSize, chunksPerSlab, index);
        slabs.add(slab);
        if (free.length < freeCount + chunksPerSlab) {
            free = java.util.Arrays.copyOf(free, Math.max(free.length * 2, freeCount + chunksPerSlab));
        }
        // Push in reverse so that chunk 0 is lent first: neighbouring chunks stay together.
        for (int i = chunksPerSlab - 1; i >= 0; i--) {
            free[freeCount++] = slab.chunks[i];
        }
    }

    synchronized long slabBytes() {
        long total = 0;
        for (Slab s : slabs) {
            total += s.bytes;
        }
        return total;
    }

    synchronized long freeBytes() {
        return (long) freeCount * chunkSize;
    }

    synchronized int slabCount() {
        return slabs.size();
    }

    /**
     * Returns wholly free slabs to the OS while this class holds more than {@code keepBytes} free.
     * @return the bytes released
     */
    synchronized long trim(long keepBytes) {
        long released = 0;
        for (int i = slabs.size() - 1; i >= 0 && (long) freeCount * chunkSize > keepBytes; i--) {
            Slab s = slabs.get(i);
            if (s.free != s.chunks.length) {
                continue;
            }
            int kept = 0;
            for (int j = 0; j < freeCount; j++) {
                if (free[j].slab != s) {
                    free[kept++] = free[j];
                }
            }
            java.util.Arrays.fill(free, kept, freeCount, null);
            freeCount = kept;
            slabs.remove(i);
            s.close();
            released += s.bytes;
        }
        return released;
    }

    synchronized void closeAll() {
        for (Slab s : slabs) {
            s.close();
        }
        slabs.clear();
        java.util.Arrays.fill(free, null);
        freeCount = 0;
    }
}
