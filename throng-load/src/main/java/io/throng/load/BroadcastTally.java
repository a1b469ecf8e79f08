package io.throng.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;

/**
 * One process's account of every broadcast round, written by the subscribers' loop threads: per
 * round, distinct deliveries, duplicates, the latency histogram (microseconds), the largest latency
 * and the latest receipt, both exact.
 *
 * <p>The histograms are HdrHistogram's {@code AtomicHistogram}: a fixed range (1 us to 100 s, 2
 * significant digits: 21 KiB a round), counted with atomic increments, so that several loops may
 * record into one round at once and nothing ever resizes. (HdrHistogram 2.2.2's
 * {@code PackedConcurrentHistogram}, which would take less memory, hung within a few thousand tries
 * of two threads recording a fresh one's first values at once; the round's p50 and p99 need no
 * more than 1 %, and its max and time to the last subscriber are kept exactly beside it.)
 */
final class BroadcastTally {
    private final int rounds;
    private final int warmup;
    /** The histograms' range: a delivery later than this is recorded as this (its exact max is kept). */
    static final long MAX_MICROS = 100_000_000L;

    private final AtomicHistogram[] latency;
    private final AtomicLongArray delivered;
    private final AtomicLongArray duplicates;
    private final AtomicLongArray maxMicros;
    private final AtomicLongArray lastReceived;
    private final AtomicLongArray firstStamp;
    private final LongAdder distinct = new LongAdder();

    BroadcastTally(int rounds, int warmup) {
        this.rounds = rounds;
        this.warmup = warmup;
        this.latency = new AtomicHistogram[rounds];
        for (int i = 0; i < rounds; i++) {
            latency[i] = new AtomicHistogram(1, MAX_MICROS, 2);
        }
        this.delivered = new AtomicLongArray(rounds);
        this.duplicates = new AtomicLongArray(rounds);
        this.maxMicros = new AtomicLongArray(rounds);
        this.lastReceived = new AtomicLongArray(rounds);
        this.firstStamp = new AtomicLongArray(rounds);
        for (int i = 0; i < rounds; i++) {
            firstStamp.set(i, Long.MAX_VALUE);
        }
    }

    boolean inRange(int round) {
        return round >= 0 && round < rounds;
    }

    boolean warmup(int round) {
        return round < warmup;
    }

    /** A subscriber got {@code round} for the first time, stamped {@code stamp}, at {@code now}. Returns the latency. */
    long delivered(int round, long stamp, long now) {
        long micros = Math.max(0, now - stamp);
        latency[round].recordValue(Math.min(micros, MAX_MICROS));
        delivered.incrementAndGet(round);
        maxMicros.accumulateAndGet(round, micros, Math::max);
        lastReceived.accumulateAndGet(round, now, Math::max);
        firstStamp.accumulateAndGet(round, stamp, Math::min);
        distinct.increment();
        return micros;
    }

    void duplicate(int round) {
        duplicates.incrementAndGet(round);
    }

    /** Distinct deliveries of every round so far. */
    long distinct() {
        return distinct.sum();
    }

    long duplicates() {
        long n = 0;
        for (int i = 0; i < rounds; i++) {
            n += duplicates.get(i);
        }
        return n;
    }

    /**
     * The rounds as this process saw them, each expecting {@code subscribers} deliveries. The round's
     * start is the earliest stamp seen here (the publisher's own start, when it is known, replaces it).
     */
    List<WsReport.Round> rounds(long subscribers) {
        List<WsReport.Round> out = new ArrayList<>(rounds);
        for (int i = 0; i < rounds; i++) {
            long stamp = firstStamp.get(i);
            out.add(WsReport.Round.of(i, i < warmup, stamp == Long.MAX_VALUE ? 0 : stamp, -1, subscribers,
                    delivered.get(i), duplicates.get(i), latency[i].copy(), maxMicros.get(i), lastReceived.get(i)));
        }
        return out;
    }
}
