package io.throng.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * The counters of one load process, written by the client's loop threads. Latencies go to an
 * HdrHistogram {@link Recorder} (wait-free for the writers); the driver takes interval histograms
 * from it at phase boundaries and every second for the progress line.
 */
final class LoadStats {
    /** Latencies in nanoseconds; 3 significant digits up to 100 s. */
    final Recorder latency = new Recorder(100_000_000_000L, 3);
    final LongAdder connectAttempts = new LongAdder();
    final LongAdder established = new LongAdder();
    final LongAdder open = new LongAdder();
    final LongAdder disconnects = new LongAdder();
    final LongAdder responses = new LongAdder();
    final LongAdder mismatches = new LongAdder();
    final LongAdder pingFailures = new LongAdder();
    /** Hold modes: connections with a ping sent and not yet answered. */
    final LongAdder pingsOutstanding = new LongAdder();
    /** Hold modes: open connections that have had a ping answered. */
    final LongAdder pinged = new LongAdder();
    final LongAdder lateEchoes = new LongAdder();
    /** Hold with churn: connections we closed to open others (not losses). */
    final LongAdder churned = new LongAdder();
    final LongAdder exchanges = new LongAdder();
    /** ws-broadcast: distinct deliveries of a broadcast to a subscriber. */
    final LongAdder deliveries = new LongAdder();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    volatile Phase phase = Phase.CONNECTING;

    /**
     * DRAINING: after a hold, no more pings; the outstanding ones may still be answered.
     * BROADCASTING: ws-broadcast with a hold first ({@link WsOptions#holdSeconds()}), after its
     * drain: the broadcasts, with no pings.
     */
    enum Phase { CONNECTING, WARMUP, MEASURE, DRAINING, BROADCASTING, STOPPING }

    boolean running() {
        Phase p = phase;
        return p == Phase.WARMUP || p == Phase.MEASURE;
    }

    void connectFailed(Throwable cause) {
        failures.computeIfAbsent(causeOf(cause), k -> new LongAdder()).increment();
    }

    /** A failure to connect that is no exception: a refusal in the subscriber's own protocol. */
    void failed(String cause) {
        failures.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }

    Map<String, Long> failures() {
        Map<String, Long> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    long failureCount() {
        long n = 0;
        for (LongAdder a : failures.values()) {
            n += a.sum();
        }
        return n;
    }

    /** A short, stable name for why a connect failed, so failures can be counted by cause. */
    static String causeOf(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        String msg = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (t instanceof io.throng.websocket.WebSocketHandshakeException h) {
            return switch (h.status()) {
                case 0 -> msg.contains("no answer") ? "handshake timeout" : "handshake: bad answer";
                case 101 -> "handshake: bad 101 answer";
                default -> "handshake refused: HTTP " + h.status();
            };
        }
        if (msg.contains("closed during the handshake")) {
            return "closed during the handshake";
        }
        if (msg.contains("refused")) {
            return "connection refused";
        }
        if (t instanceof java.net.SocketTimeoutException || msg.contains("timed out")) {
            return "connect timeout";
        }
        if (msg.contains("cannot assign requested address") || msg.contains("address already in use")) {
            return "no free local port";
        }
        if (msg.contains("too many open files")) {
            return "too many open files";
        }
        if (msg.contains("reset")) {
            return "connection reset";
        }
        if (msg.contains("max-connections")) {
            return "client connection cap";
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
