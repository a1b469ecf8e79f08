package io.throng.load;

import java.time.Instant;

/**
 * Microseconds since the epoch from the system's real-time clock ({@code clock_gettime(CLOCK_REALTIME)}
 * behind {@link Instant#now()} on Linux, nanosecond resolution; {@code System.currentTimeMillis()}
 * would be 1,000 times too coarse). A broadcast is stamped in one process and received in others:
 * {@code System.nanoTime()} has an arbitrary origin per process, so only the real-time clock,
 * which all processes on one machine share, can compare the two. It may be stepped by NTP while a
 * run goes on; a run is seconds long and a step is rare, and a negative latency is counted as zero.
 */
final class WallClock {
    private WallClock() {
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
