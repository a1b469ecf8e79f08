package io.throng.core.transport;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What each descriptor of an epoll set belongs to, indexed by descriptor (descriptors are small,
 * dense integers: no map, no boxing). Reads are lock-free from any thread; writes, which happen
 * once or twice in a connection's life, take a lock so that growing the table loses none.
 */
final class FdTable<T> {
    private final Object lock = new Object();
    private volatile AtomicReferenceArray<T> table = new AtomicReferenceArray<>(1024);

    T get(int fd) {
        AtomicReferenceArray<T> t = table;
        return fd >= 0 && fd < t.length() ? t.get(fd) : null;
    }

    void put(int fd, T value) {
        synchronized (lock) {
            AtomicReferenceArray<T> t = table;
            if (fd >= t.length()) {
                AtomicReferenceArray<T> bigger = new AtomicReferenceArray<>(Math.max(fd + 1, t.length() * 2));
                for (int i = 0; i < t.length(); i++) {
                    bigger.set(i, t.get(i));
                }
                table = t = bigger;
            }
            t.set(fd, value);
        }
    }

    /** Clears {@code fd}'s entry if it is still {@code value} (a reused number belongs to someone else). */
    void remove(int fd, T value) {
        synchronized (lock) {
            AtomicReferenceArray<T> t = table;
            if (fd >= 0 && fd < t.length()) {
                t.compareAndSet(fd, value, null);
            }
        }
    }

    /** Clears {@code fd}'s entry: its owner still holds the descriptor, so the entry is its own. */
    void clear(int fd) {
        synchronized (lock) {
            AtomicReferenceArray<T> t = table;
            if (fd >= 0 && fd < t.length()) {
                t.set(fd, null);
            }
        }
    }

    /** Every entry present now. */
    void forEach(java.util.function.Consumer<T> action) {
        AtomicReferenceArray<T> t = table;
        for (int i = 0; i < t.length(); i++) {
            T v = t.get(i);
            if (v != null) {
                action.accept(v);
            }
        }
    }
}
