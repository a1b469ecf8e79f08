package io.throng.core.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters shared by the threads of one server or client. Striped, so loops do not contend. */
final class EngineMetrics {
    final AtomicInteger connections = new AtomicInteger();
    final LongAdder accepted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder closed = new LongAdder();
    final LongAdder bytesRead = new LongAdder();
    final LongAdder bytesWritten = new LongAdder();
    final LongAdder reads = new LongAdder();
    final LongAdder writes = new LongAdder();
    final LongAdder idleTimeouts = new LongAdder();
    final LongAdder writeLimitCloses = new LongAdder();
    final LongAdder readLimitCloses = new LongAdder();
    final LongAdder handlerErrors = new LongAdder();
    final LongAdder ioErrors = new LongAdder();
    final LongAdder unwritable = new LongAdder();
    final LongAdder acceptErrors = new LongAdder();
    final LongAdder acceptPauses = new LongAdder();
    final LongAdder overflowed = new LongAdder();
}
