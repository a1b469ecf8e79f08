package io.throng.core.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** One native allocation carved into equal chunks of one size class. Guarded by its class's lock. */
final class Slab {
    final Arena arena;
    final PooledBuffer[] chunks;
    final long bytes;
    int free;

    Slab(int chunkSize, int chunkCount, int sizeClass) {
        this.arena = Arena.ofShared();
        this.bytes = (long) chunkSize * chunkCount;
        MemorySegment whole = arena.allocate(bytes, 64);
        this.chunks = new PooledBuffer[chunkCount];
        for (int i = 0; i < chunkCount; i++) {
            chunks[i] = new PooledBuffer(whole.asSlice((long) i * chunkSize, chunkSize), sizeClass, this);
        }
        this.free = chunkCount;
    }

    void close() {
        arena.close();
    }
}
