package io.throng.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What the WebSocket modes measured beyond a TCP run's counters (which {@link LoadResult} keeps:
 * established, alive at the end, handshake failures by cause, ping round trips, ping failures).
 *
 * @param channels         channels the subscribers were spread over
 * @param pingsSent        WebSocket pings sent by the subscribers
 * @param pongs            pongs that answered the ping outstanding (the others: mismatches, late)
 * @param messagesReceived data messages the subscribers received (broadcast deliveries and any other)
 * @param closes           subscribers closed by the server or the network, by close code
 * @param broadcast        ws-broadcast: the broadcasts; null for ws-hold
 * @param pingLatency      ws-broadcast: the pings' round trips, in microseconds (ws-hold has them as
 *                         the run's latencies); null for ws-hold
 * @param pingHistogram    the same as an encoded HdrHistogram, for merging; null for ws-hold
 * @param serverPings      Centrifugo's protocol: the server's pings ({@code {}}) the subscribers answered
 *                         (0 on the raw endpoint, whose server does not ping)
 */
public record WsReport(int channels, long pingsSent, long pongs, long messagesReceived, Map<String, Long> closes,
                       BroadcastReport broadcast, LoadResult.Latency pingLatency, String pingHistogram, long serverPings) {

    public WsReport {
        closes = Map.copyOf(closes);
    }

    /** Without the ping round trips (ws-hold, whose run latencies they are). */
    public WsReport(int channels, long pingsSent, long pongs, long messagesReceived, Map<String, Long> closes,
                    BroadcastReport broadcast) {
        this(channels, pingsSent, pongs, messagesReceived, closes, broadcast, null, null, 0);
    }

    WsReport withBroadcast(BroadcastReport b) {
        return new WsReport(channels, pingsSent, pongs, messagesReceived, closes, b, pingLatency, pingHistogram, serverPings);
    }

    /** The reports of several processes as one: counts summed, broadcasts merged round by round. */
    static WsReport merge(List<WsReport> parts) {
        long pings = 0;
        long pongs = 0;
        long messages = 0;
        long serverPings = 0;
        Map<String, Long> closes = new TreeMap<>();
        List<BroadcastReport> broadcasts = new ArrayList<>();
        Histogram pingTrips = null;
        for (WsReport r : parts) {
            if (r.pingHistogram != null) {
                Histogram h = LoadResult.decode(r.pingHistogram);
                if (pingTrips == null) {
                    pingTrips = h;
                } else {
                    pingTrips.add(h);
                }
            }
            pings += r.pingsSent;
            pongs += r.pongs;
            messages += r.messagesReceived;
            serverPings += r.serverPings;
            r.closes.forEach((k, v) -> closes.merge(k, v, Long::sum));
            if (r.broadcast != null) {
                broadcasts.add(r.broadcast);
            }
        }
        return new WsReport(parts.getFirst().channels, pings, pongs, messages, closes,
                broadcasts.isEmpty() ? null : BroadcastReport.merge(broadcasts),
                pingTrips == null ? null : LoadResult.Latency.of(pingTrips),
                pingTrips == null ? null : LoadResult.encode(pingTrips), serverPings);
    }

    /**
     * The broadcasts of a run.
     *
     * @param messages           broadcasts measured
     * @param warmupMessages     broadcasts before them, checked but left out of the latency figures
     * @param messageBytes       payload size
     * @param publishedWith      binary (the publish protocol) or http (POST /pub/&lt;channel&gt;)
     * @param expected           deliveries expected, all rounds: per round, every subscriber established
     * @param delivered          distinct deliveries
     * @param missed             expected and not delivered within the delivery timeout
     * @param duplicates         deliveries of a round a subscriber already had
     * @param publishError       why publishing stopped early, or null
     * @param timeToLastMicros   over the measured rounds, the spread of each round's time to its last subscriber
     * @param rounds             every round, warm-up ones first
     */
    public record BroadcastReport(int messages, int warmupMessages, int messageBytes, String publishedWith,
                                  long expected, long delivered, long missed, long duplicates, String publishError,
                                  Spread timeToLastMicros, List<Round> rounds) {

        public BroadcastReport {
            rounds = List.copyOf(rounds);
        }

        /** Totals and the time-to-last spread from the rounds. */
        static BroadcastReport of(int messages, int warmup, int bytes, String via, String error, List<Round> rounds) {
            long expected = 0;
            long delivered = 0;
            long missed = 0;
            long duplicates = 0;
            List<Double> last = new ArrayList<>();
            for (Round r : rounds) {
                expected += r.expected();
                delivered += r.delivered();
                missed += r.missed();
                duplicates += r.duplicates();
                if (!r.warmup() && r.delivered() > 0) {
                    last.add(r.timeToLastMicros());
                }
            }
            return new BroadcastReport(messages, warmup, bytes, via, expected, delivered, missed, duplicates, error,
                    Spread.of(last), rounds);
        }

        static BroadcastReport merge(List<BroadcastReport> parts) {
            BroadcastReport first = parts.getFirst();
            List<Round> merged = new ArrayList<>();
            for (int i = 0; i < first.rounds.size(); i++) {
                List<Round> same = new ArrayList<>();
                for (BroadcastReport p : parts) {
                    same.add(p.rounds.get(i));
                }
                merged.add(Round.merge(same));
            }
            String error = null;
            for (BroadcastReport p : parts) {
                error = error != null ? error : p.publishError;
            }
            return of(first.messages, first.warmupMessages, first.messageBytes, first.publishedWith, error, merged);
        }

        /**
         * This report with the publisher's account of each round: when it started (the reference of
         * the time to the last subscriber) and how many subscribers the server counted. Rounds the
         * publisher never published are dropped, along with their expected deliveries.
         */
        BroadcastReport published(BroadcastPublisher.Publication p) {
            List<Round> out = new ArrayList<>();
            for (int i = 0; i < rounds.size() && i < p.rounds().size(); i++) {
                out.add(rounds.get(i).published(p.rounds().get(i)));
            }
            return of(messages, warmupMessages, messageBytes, publishedWith, p.error(), out);
        }
    }

    /**
     * One broadcast: one message published to each channel, back to back.
     *
     * @param index                the round, from 0 (warm-up rounds first)
     * @param warmup               a warm-up round
     * @param publishedAtMicros    when its first publish was written (epoch microseconds, real-time clock)
     * @param serverSubscribers    subscribers the server counted in its publish results (-1: not known here)
     * @param expected             deliveries expected: every subscriber established
     * @param delivered            distinct deliveries
     * @param missed               expected - delivered
     * @param duplicates           deliveries a subscriber already had
     * @param p50Micros            delivery latency (receipt - the stamp in the payload), median
     * @param p99Micros            delivery latency, 99th percentile
     * @param maxMicros            delivery latency, the largest
     * @param timeToLastMicros     from the round's first publish to the last subscriber's receipt
     * @param lastReceivedAtMicros when the last subscriber received it (epoch microseconds)
     * @param histogram            the delivery latencies (microseconds), HdrHistogram compressed and base64, for merging
     */
    public record Round(int index, boolean warmup, long publishedAtMicros, long serverSubscribers, long expected,
                        long delivered, long missed, long duplicates, double p50Micros, double p99Micros,
                        double maxMicros, double timeToLastMicros, long lastReceivedAtMicros, String histogram) {

        static Round merge(List<Round> parts) {
            org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(2); // as the rounds' own: see BroadcastTally
            Round first = parts.getFirst();
            long publishedAt = Long.MAX_VALUE;
            long lastReceived = 0;
            long expected = 0;
            long delivered = 0;
            long duplicates = 0;
            double max = 0;
            for (Round r : parts) {
                h.add(LoadResult.decode(r.histogram));
                if (r.publishedAtMicros > 0) {
                    publishedAt = Math.min(publishedAt, r.publishedAtMicros);
                }
                lastReceived = Math.max(lastReceived, r.lastReceivedAtMicros);
                expected += r.expected;
                delivered += r.delivered;
                duplicates += r.duplicates;
                max = Math.max(max, r.maxMicros);
            }
            return of(first.index, first.warmup, publishedAt == Long.MAX_VALUE ? 0 : publishedAt, -1, expected, delivered,
                    duplicates, h, max, lastReceived);
        }

        /** A round from its counts and latency histogram (microseconds); percentiles never above the exact max. */
        static Round of(int index, boolean warmup, long publishedAt, long serverSubscribers, long expected, long delivered,
                        long duplicates, org.HdrHistogram.AbstractHistogram h, double max, long lastReceived) {
            double p50 = h.getTotalCount() == 0 ? 0 : Math.min(max, h.getValueAtPercentile(50));
            double p99 = h.getTotalCount() == 0 ? 0 : Math.min(max, h.getValueAtPercentile(99));
            double toLast = delivered == 0 || publishedAt == 0 ? 0 : Math.max(0, lastReceived - publishedAt);
            return new Round(index, warmup, publishedAt, serverSubscribers, expected, delivered,
                    Math.max(0, expected - delivered), duplicates, p50, p99, max, toLast, lastReceived, LoadResult.encode(h));
        }

        Round published(BroadcastPublisher.PublishedRound p) {
            double toLast = delivered == 0 ? 0 : Math.max(0, lastReceivedAtMicros - p.startMicros());
            return new Round(index, warmup, p.startMicros(), p.serverSubscribers(), expected, delivered, missed,
                    duplicates, p50Micros, p99Micros, maxMicros, toLast, lastReceivedAtMicros, histogram);
        }
    }

    /** Smallest, median and largest of some values (0s when there are none). */
    public record Spread(int count, double min, double median, double max) {
        static Spread of(List<Double> values) {
            if (values.isEmpty()) {
                return new Spread(0, 0, 0, 0);
            }
            double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
            Arrays.sort(v);
            double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Spread(v.length, v[0], median, v[v.length - 1]);
        }
    }
}
