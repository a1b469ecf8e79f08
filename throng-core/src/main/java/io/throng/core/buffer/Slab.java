package io.throng.core.buffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One native allocation carved into equal chunks of one size class. Guarded by its class's lock.
 *
 * <p>The memory comes from an automatic arena: the GC frees it once the pool drops the slab. A
 * shared arena could be freed at once, but every NIO read and write on its buffers would then
 * acquire and release the arena's session with atomic operations on one shared word, which
 * profiling showed at a third of the echo path's CPU; an automatic arena's session costs nothing.
 */
final class Slab {
    final Arena arena;
    final PooledBuffer[] chunks;
    final long bytes;
    int free;

    Slab(int chunkSize, int chunkCount, int sizeClass) {
        this.arena = Arena.ofAuto();
        this.bytes = (long) chunkSize * chunkCount;
        MemorySegment whole = arena.allocate(bytes, 64);
        this.chunks = new PooledBuffer[chunkCount];
        for (int i = 0; i < chunkCount; i++) {
            chunks[i] = new PooledBuffer(whole.asSlice((long) i * chunkSize, chunkSize), sizeClass, this);
        }
        this.free = chunkCount;
    }

    /** Forget the memory: the GC returns it to the OS once no chunk view is reachable. */
    void close() {
        // An automatic arena cannot be closed; dropping the slab is what frees it.
    }
}
