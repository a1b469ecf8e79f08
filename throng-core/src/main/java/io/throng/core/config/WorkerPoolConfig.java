package io.throng.core.config;

/**
 * The bounded pool of the worker-pool model.
 *
 * @param threads        workers; each runs one connection's handler at a time
 * @param queueCapacity  readable connections waiting for a worker; when full the server stops
 *                       accepting until it drains (admission control)
 * @param virtualThreads run the workers as virtual threads instead of platform threads
 */
public record WorkerPoolConfig(int threads, int queueCapacity, boolean virtualThreads) {

    public static final WorkerPoolConfig DEFAULT =
            new WorkerPoolConfig(Math.max(2, Runtime.getRuntime().availableProcessors()), 4096, false);

    public WorkerPoolConfig {
        if (threads < 1) {
            throw new IllegalArgumentException("workers must be >= 1, got " + threads);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("worker queue capacity must be >= 1, got " + queueCapacity);
        }
    }

    public WorkerPoolConfig withThreads(int v) {
        return new WorkerPoolConfig(v, queueCapacity, virtualThreads);
    }

    public WorkerPoolConfig withQueueCapacity(int v) {
        return new WorkerPoolConfig(threads, v, virtualThreads);
    }

    public WorkerPoolConfig withVirtualThreads(boolean v) {
        return new WorkerPoolConfig(threads, queueCapacity, v);
    }
}
