package io.throng.core.engine;

import io.throng.core.CloseReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by the threads of one server or client. Rare events use striped adders; the
 * per-read and per-write counts live in each thread's {@link IoContext} and are summed here.
 */
final class EngineMetrics {
    private final Set<IoContext> contexts = ConcurrentHashMap.newKeySet();
    /** Reads and writes counted by threads that are gone, or that have no context. */
    private final LongAdder otherBytesRead = new LongAdder();
    private final LongAdder otherReads = new LongAdder();
    private final LongAdder otherBytesWritten = new LongAdder();
    private final LongAdder otherWrites = new LongAdder();

    final AtomicInteger connections = new AtomicInteger();
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder closed = new LongAdder();
    /**
     * Closes by {@link CloseReason.Kind}, indexed by ordinal: one more increment per close, none per
     * read or write. The one count of closes by reason: idle timeouts and the write and read limits'
     * closes are read from here ({@code ServerStats.idleTimeouts()} and its siblings).
     */
    final LongAdder[] closedBy = adders(CloseReason.Kind.values().length);
    final LongAdder handlerErrors = new LongAdder();
    final LongAdder ioErrors = new LongAdder();
    final LongAdder unwritable = new LongAdder();
    final LongAdder acceptErrors = new LongAdder();
    final LongAdder acceptPauses = new LongAdder();
    final LongAdder overflowed = new LongAdder();

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** The closes by reason, every kind present (zero if none). */
    Map<CloseReason.Kind, Long> closedByKind() {
        Map<CloseReason.Kind, Long> m = new EnumMap<>(CloseReason.Kind.class);
        for (CloseReason.Kind k : CloseReason.Kind.values()) {
            m.put(k, closedBy[k.ordinal()].sum());
        }
        return m;
    }

    void register(IoContext c) {
        contexts.add(c);
    }

    void retire(IoContext c) {
        if (contexts.remove(c)) {
            otherBytesRead.add(c.bytesRead());
            otherReads.add(c.reads());
            otherBytesWritten.add(c.bytesWritten());
            otherWrites.add(c.writes());
        }
    }

    /** A write by a thread without a context (a publisher writing to many connections). */
    void countForeignWrite(long bytes) {
        otherBytesWritten.add(bytes);
        otherWrites.increment();
    }

    long bytesRead() {
        long n = otherBytesRead.sum();
        for (IoContext c : contexts) {
            n += c.bytesRead();
        }
        return n;
    }

    long reads() {
        long n = otherReads.sum();
        for (IoContext c : contexts) {
            n += c.reads();
        }
        return n;
    }

    long bytesWritten() {
        long n = otherBytesWritten.sum();
        for (IoContext c : contexts) {
            n += c.bytesWritten();
        }
        return n;
    }

    long writes() {
        long n = otherWrites.sum();
        for (IoContext c : contexts) {
            n += c.writes();
        }
        return n;
    }
}
