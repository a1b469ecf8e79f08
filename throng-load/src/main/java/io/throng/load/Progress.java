package io.throng.load;

/**
 * One progress sample, every second or so.
 *
 * @param phase        connecting, warmup, measure, draining or stopping
 * @param seconds      since the run started
 * @param established  connections established so far
 * @param open         connections open now
 * @param failures     failed connects so far
 * @param perSecond    responses per second over the last interval
 * @param p99Micros    p99 round trip over the last interval
 * @param mismatches   wrong echoes so far
 * @param pingFailures unanswered pings so far (hold, ws-hold, ws-broadcast)
 * @param delivered    broadcast deliveries so far (ws-broadcast)
 */
public record Progress(String phase, double seconds, long established, long open, long failures, double perSecond,
                       double p99Micros, long mismatches, long pingFailures, long delivered) {

    public String line() {
        return String.format("%-9s %6.1fs  established %,d  open %,d  failed %,d  %,.0f/s  p99 %s  mismatches %d%s",
                phase, seconds, established, open, failures, perSecond, micros(p99Micros), mismatches,
                pingFailures > 0 ? "  ping failures " + pingFailures : "")
                + (delivered > 0 ? String.format("  delivered %,d", delivered) : "");
    }

    static String micros(double us) {
        if (us >= 1_000_000) {
            return String.format("%.2f s", us / 1e6);
        }
        if (us >= 1000) {
            return String.format("%.2f ms", us / 1e3);
        }
        return String.format("%.0f us", us);
    }
}
