package io.throng.core.buffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferPoolTest {

    @Test
    void lendsTheSmallestClassThatFitsAndTakesItBack() {
        BufferPool pool = new BufferPool(0);
        PooledBuffer small = pool.acquire(3);
        PooledBuffer mid = pool.acquire(5000);
        PooledBuffer big = pool.acquire(1 << 20);
        assertThat(small.capacity()).isEqualTo(256);
        assertThat(mid.capacity()).isEqualTo(16 * 1024);
        assertThat(big.capacity()).isEqualTo(1 << 20);
        assertThat(small.buffer().isDirect()).isTrue();
        assertThat(pool.stats().lentBuffers()).isEqualTo(3);
        assertThat(pool.stats().lentBytes()).isEqualTo(256 + 16 * 1024 + (1 << 20));
        pool.release(small);
        pool.release(mid);
        pool.release(big);
        assertThat(pool.stats().lentBuffers()).isZero();
        assertThat(pool.stats().lentBytes()).isZero();
    }

    @Test
    void buffersBeyondTheLargestClassAreAllocatedAndFreedOnRelease() {
        BufferPool pool = new BufferPool(0);
        PooledBuffer huge = pool.acquire(3 << 20);
        assertThat(huge.capacity()).isEqualTo(3 << 20);
        assertThat(pool.stats().allocatedBytes()).isGreaterThanOrEqualTo(3L << 20);
        pool.release(huge);
        assertThat(pool.stats().allocatedBytes()).isZero();
    }

    @Test
    void aLentBufferComesBackCleared() {
        BufferPool pool = new BufferPool(1 << 20);
        PooledBuffer b = pool.acquire(100);
        b.buffer().put(new byte[50]).flip();
        pool.release(b);
        PooledBuffer again = pool.acquire(100);
        assertThat(again).isSameAs(b);
        assertThat(again.buffer().position()).isZero();
        assertThat(again.buffer().limit()).isEqualTo(again.capacity());
        pool.release(again);
    }

    @Test
    void releasingTwiceIsAnError() {
        BufferPool pool = new BufferPool(0);
        PooledBuffer b = pool.acquire(10);
        pool.release(b);
        assertThatThrownBy(() -> pool.release(b)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("released twice");
    }

    @Test
    void trimReturnsWhollyFreeSlabsBeyondTheRetainedBytes() {
        BufferPool pool = new BufferPool(64 * 1024);
        List<PooledBuffer> lent = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            lent.add(pool.acquire(16 * 1024)); // 16 slabs of four 16 KiB chunks... or whatever the class uses
        }
        long allocated = pool.stats().allocatedBytes();
        assertThat(allocated).isGreaterThanOrEqualTo(64L * 16 * 1024);
        assertThat(pool.trim()).as("nothing free yet").isZero();
        lent.forEach(pool::release);
        long released = pool.trim();
        assertThat(released).isPositive();
        assertThat(pool.stats().freeBytes()).isLessThanOrEqualTo(64 * 1024);
        assertThat(pool.stats().allocatedBytes()).isEqualTo(allocated - released);
        assertThat(pool.stats().releasedToOs()).isEqualTo(released);
        // and the pool still lends
        PooledBuffer b = pool.acquire(16 * 1024);
        b.buffer().putLong(0, 42L);
        assertThat(b.buffer().getLong(0)).isEqualTo(42L);
        pool.release(b);
    }

    @Test
    void aThreadCacheLendsWithoutTheLockAndKeepsAccountingRight() {
        BufferPool pool = new BufferPool(0);
        BufferCache cache = pool.newCache();
        PooledBuffer a = cache.acquire(200);
        cache.release(a);
        assertThat(pool.stats().lentBuffers()).isZero();
        assertThat(pool.stats().cachedBytes()).isEqualTo(256);
        PooledBuffer again = cache.acquire(200);
        assertThat(again).isSameAs(a);
        pool.release(again); // a cache's buffer may go back through the pool
        cache.drain();
        assertThat(pool.stats().cachedBytes()).isZero();
        assertThat(pool.stats().lentBuffers()).isZero();
    }

    @Test
    void manyThreadsLendAndReturnWithoutLosingAnything() throws Exception {
        BufferPool pool = new BufferPool(0);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int seed = t;
            threads.add(Thread.ofPlatform().start(() -> {
                BufferCache cache = pool.newCache();
                java.util.Random r = new java.util.Random(seed);
                List<PooledBuffer> held = new ArrayList<>();
                for (int i = 0; i < 20_000; i++) {
                    if (held.isEmpty() || r.nextBoolean()) {
                        PooledBuffer b = (r.nextBoolean() ? cache.acquire(1 + r.nextInt(70_000)) : pool.acquire(1 + r.nextInt(5000)));
                        b.buffer().put(0, (byte) seed);
                        held.add(b);
                    } else {
                        PooledBuffer b = held.remove(held.size() - 1);
                        if (b.buffer().get(0) != (byte) seed) {
                            throw new AssertionError("a buffer was shared between threads");
                        }
                        if (r.nextBoolean()) {
                            cache.release(b);
                        } else {
                            pool.release(b);
                        }
                    }
                }
                held.forEach(cache::release);
                cache.drain();
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(pool.stats().lentBuffers()).isZero();
        assertThat(pool.stats().cachedBytes()).isZero();
        assertThat(pool.stats().freeBytes()).isEqualTo(pool.stats().allocatedBytes());
    }
}
