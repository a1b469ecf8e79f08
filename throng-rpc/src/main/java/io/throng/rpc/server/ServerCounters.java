package io.throng.rpc.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The server's counters and its in-flight gate; any thread. */
final class ServerCounters {
    final LongAdder requests = new LongAdder();
    final LongAdder oneWay = new LongAdder();
    final LongAdder replied = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder overloaded = new LongAdder();
    final LongAdder timedOut = new LongAdder();
    final LongAdder noRoute = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder streams = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final int maxInFlight;

    ServerCounters(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** Takes an in-flight slot, or returns false at the limit (the request gets ret 22). */
    boolean tryAcquire() {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    int maxInFlight() {
        return maxInFlight;
    }

    RpcServerStats snapshot() {
        return new RpcServerStats(requests.sum(), oneWay.sum(), replied.sum(), errors.sum(), overloaded.sum(),
                timedOut.sum(), noRoute.sum(), malformed.sum(), inFlight.get(), streams.sum());
    }
}
