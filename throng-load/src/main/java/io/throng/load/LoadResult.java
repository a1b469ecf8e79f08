package io.throng.load;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one run measured (one process, or the aggregate of several), in a shape that serialises to
 * JSON as it stands.
 *
 * @param options            the run
 * @param processes          client processes that took part
 * @param connectAttempts    connections attempted
 * @param established        connections established
 * @param openAtEnd          connections still open when the run ended ("alive", for hold)
 * @param disconnects        connections lost during the run, not closed by us
 * @param connectFailures    failed connects by cause
 * @param connectSeconds     time to establish every connection (pingpong, hold)
 * @param windowSeconds      length of the measured window (hold: the hold time)
 * @param responses          echoes received within the window (hold, ws-hold: every ping answered;
 *                           ws-broadcast: deliveries of the measured broadcasts)
 * @param requestsPerSecond  responses / windowSeconds (connrate: connections per second)
 * @param mismatches         echoes that differed from what was sent
 * @param pingFailures       hold: pings not answered within one interval
 * @param lateEchoes         hold: of those, the ones whose echo came later still
 * @param silent             hold modes: connections open at the end with no ping answered in the
 *                           hold (they never got to ping, or none of their pings was answered)
 * @param latency            round-trip percentiles in microseconds, over the window (ws-broadcast:
 *                           the delivery latencies of the measured broadcasts)
 * @param histogram          the window's HdrHistogram, compressed and base64-encoded, for merging
 * @param ws                 the WebSocket modes' own figures (pings, broadcasts); null for the others
 * @param churned            hold with churn: connections we closed during the hold to open others in
 *                           their place (not in {@code disconnects}; their replacements are in
 *                           {@code connectAttempts} and {@code established})
 */
public record LoadResult(LoadOptions options, int processes, long connectAttempts, long established, long openAtEnd,
                         long disconnects, Map<String, Long> connectFailures, double connectSeconds,
                         double windowSeconds, long responses, double requestsPerSecond, long mismatches,
                         long pingFailures, long lateEchoes, long silent, Latency latency, String histogram,
                         WsReport ws, long churned) {

    /** A result without WebSocket figures (pingpong, connrate, hold). */
    public LoadResult(LoadOptions options, int processes, long connectAttempts, long established, long openAtEnd,
                      long disconnects, Map<String, Long> connectFailures, double connectSeconds, double windowSeconds,
                      long responses, double requestsPerSecond, long mismatches, long pingFailures, long lateEchoes,
                      long silent, Latency latency, String histogram) {
        this(options, processes, connectAttempts, established, openAtEnd, disconnects, connectFailures, connectSeconds,
                windowSeconds, responses, requestsPerSecond, mismatches, pingFailures, lateEchoes, silent, latency,
                histogram, null, 0);
    }

    /** Round-trip percentiles, in microseconds. */
    public record Latency(long count, double mean, double p50, double p90, double p99, double p999, double p9999,
                          double max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), h.getMean() / 1e3, us(h, 50), us(h, 90), us(h, 99), us(h, 99.9),
                    us(h, 99.99), h.getMaxValue() / 1e3);
        }

        private static double us(Histogram h, double percentile) {
            return h.getValueAtPercentile(percentile) / 1e3;
        }
    }

    /**
     * What is known of a run that did not finish (its processes did not report in time): the counts
     * of its last progress line ({@code last}, or nothing), no latencies and no responses.
     */
    public static LoadResult unfinished(LoadOptions options, Progress last) {
        long established = last == null ? 0 : last.established();
        long open = last == null ? 0 : last.open();
        long failures = last == null ? 0 : last.failures();
        Histogram none = new Histogram(3);
        return new LoadResult(options, options.procs(), established + failures, established, open,
                Math.max(0, established - open), failures > 0 ? Map.of("failed connects (last progress line)", failures)
                : Map.of(), -1, 0, 0, 0, last == null ? 0 : last.mismatches(), last == null ? 0 : last.pingFailures(), 0, 0,
                Latency.of(none), encode(none));
    }

    LoadResult withWs(WsReport w) {
        return new LoadResult(options, processes, connectAttempts, established, openAtEnd, disconnects, connectFailures,
                connectSeconds, windowSeconds, responses, requestsPerSecond, mismatches, pingFailures, lateEchoes, silent,
                latency, histogram, w, churned);
    }

    public long connectFailureCount() {
        long n = 0;
        for (long v : connectFailures.values()) {
            n += v;
        }
        return n;
    }

    static String encode(org.HdrHistogram.AbstractHistogram h) {
        ByteBuffer b = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(b);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(b.array(), n));
    }

    public Histogram decodeHistogram() {
        return decode(histogram);
    }

    static Histogram decode(String encoded) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalStateException("corrupt histogram in a load result", e);
        }
    }
}
