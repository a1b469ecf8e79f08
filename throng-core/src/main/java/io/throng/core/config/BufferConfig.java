package io.throng.core.config;

/**
 * Memory for bytes in flight.
 *
 * @param readBufferSize     the buffer each loop (or worker) reads into; one per loop, not per connection
 * @param threadBufferSize   the buffer a thread-per-connection model's thread holds while it blocks
 * @param maxRetainedBytes   free pooled memory kept for reuse; slabs beyond it go back to the OS
 */
public record BufferConfig(int readBufferSize, int threadBufferSize, long maxRetainedBytes) {

    public static final BufferConfig DEFAULT = new BufferConfig(64 * 1024, 4 * 1024, 64L << 20);

    public BufferConfig {
        if (readBufferSize < 256 || readBufferSize > (1 << 20)) {
            throw new IllegalArgumentException("readBufferSize must be within 256 B .. 1 MiB, got " + readBufferSize);
        }
        if (threadBufferSize < 256 || threadBufferSize > (1 << 20)) {
            throw new IllegalArgumentException("threadBufferSize must be within 256 B .. 1 MiB, got " + threadBufferSize);
        }
        if (maxRetainedBytes < 0) {
            throw new IllegalArgumentException("maxRetainedBytes must be >= 0, got " + maxRetainedBytes);
        }
    }

    public BufferConfig withReadBufferSize(int v) {
        return new BufferConfig(v, threadBufferSize, maxRetainedBytes);
    }

    public BufferConfig withThreadBufferSize(int v) {
        return new BufferConfig(readBufferSize, v, maxRetainedBytes);
    }

    public BufferConfig withMaxRetainedBytes(long v) {
        return new BufferConfig(readBufferSize, threadBufferSize, v);
    }
}
