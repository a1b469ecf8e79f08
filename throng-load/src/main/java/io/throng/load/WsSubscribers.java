package io.throng.load;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.CloseCodes;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The WebSocket subscribers of one load process (ws-hold, ws-broadcast), on throng's WebSocket
 * client and so on its client engine: connecting them, the counters they share, their pings.
 * Each subscriber is a {@link WsSubscriber}; what they count goes to the process's
 * {@link LoadStats} (established, open, lost, pongs, ping failures and round trips, mismatches)
 * and, in ws-broadcast, to the {@link BroadcastTally}.
 */
final class WsSubscribers implements AutoCloseable {
    /** Latencies above this (100 s, the Recorder's range) are recorded as this. */
    private static final long MAX_RECORDED_NANOS = 99_000_000_000L;

    private final LoadOptions options;
    private final LoadStats stats;
    private final BroadcastTally tally;
    private final WebSocketClient client;
    private final PingSchedule pings;
    private final InetSocketAddress target;
    private final LongAdder pingsSent = new LongAdder();
    private final LongAdder pongs = new LongAdder();
    private final LongAdder messages = new LongAdder();
    private final Map<Integer, LongAdder> closes = new ConcurrentHashMap<>();
    /** ws-broadcast: the pings' round trips (the run's latencies are the deliveries there). */
    private final Recorder pingRoundTrips;

    WsSubscribers(LoadOptions options, LoadStats stats, ClientConfig config) throws IOException {
        this.options = options;
        this.stats = stats;
        this.tally = options.mode() == LoadMode.WS_BROADCAST
                ? new BroadcastTally(options.ws().rounds(), options.ws().warmupMessages()) : null;
        this.pingRoundTrips = tally != null ? new Recorder(MAX_RECORDED_NANOS, 3) : null;
        this.target = new InetSocketAddress(options.host(), options.port());
        // The tool pings on its own schedule and never gives up on a quiet server: no idle timeout, no auto-ping.
        WebSocketConfig ws = WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO)
                .withHandshakeTimeout(config.connectTimeout());
        this.client = WebSocketClient.start(config, ws);
        this.pings = new PingSchedule(options.pingInterval(), () -> stats.phase == LoadStats.Phase.MEASURE);
    }

    /** Opens subscriber {@code index} (its channel: index mod channels) from {@code source} (null: any). */
    CompletableFuture<WebSocket> connect(int index, InetSocketAddress source) {
        WebSocketRequest request = WebSocketRequest.to(target, options.ws().pathFor(index)).withLocalAddress(source);
        return client.connect(request, new WsSubscriber(this, options.ws().channelOf(index)));
    }

    BroadcastTally tally() {
        return tally;
    }

    // ---------------------------------------------------------------- from the subscribers' loops

    void opened(WsSubscriber s) {
        stats.established.increment();
        stats.open.increment();
        pings.add(s);
    }

    void received(WsSubscriber s, ByteBuffer payload) {
        long now = WallClock.micros();
        messages.increment();
        if (tally == null) {
            return; // ws-hold: whatever the server sends is only counted
        }
        int round = BroadcastPayload.round(payload);
        long stamp = BroadcastPayload.stamp(payload);
        if (!tally.inRange(round) || stamp < 0 || BroadcastPayload.channel(payload) != s.channel) {
            stats.mismatches.increment(); // not one of our broadcasts, or one for another channel
            return;
        }
        if (!s.firstSight(round)) {
            tally.duplicate(round);
            return;
        }
        long micros = tally.delivered(round, stamp, now);
        stats.deliveries.increment();
        if (!tally.warmup(round)) {
            stats.latency.recordValue(Math.min(MAX_RECORDED_NANOS, micros * 1000));
        }
    }

    void pongAnswered(long roundTripNanos, boolean first) {
        stats.pingsOutstanding.decrement();
        if (first) {
            stats.pinged.increment();
        }
        pongs.increment();
        stats.responses.increment();
        long v = Math.min(MAX_RECORDED_NANOS, Math.max(0, roundTripNanos));
        if (tally == null) {
            stats.latency.recordValue(v);
        } else {
            pingRoundTrips.recordValue(v);
        }
    }

    void pongLate() {
        stats.lateEchoes.increment();
    }

    void pongUnknown() {
        stats.mismatches.increment();
    }

    void closed(int code, boolean pinged) {
        if (pinged) {
            stats.pinged.decrement();
        }
        stats.open.decrement();
        if (stats.phase != LoadStats.Phase.STOPPING) {
            stats.disconnects.increment();
            closes.computeIfAbsent(code, k -> new LongAdder()).increment();
        }
    }

    // ---------------------------------------------------------------- from the pinger

    void pingSent() {
        pingsSent.increment();
    }

    void pingFailed() {
        stats.pingFailures.increment();
    }

    void pingOutstanding() {
        stats.pingsOutstanding.increment();
    }

    /** A ping outstanding on a connection that closed (from its loop) or was closed before it went out. */
    void pingDropped() {
        stats.pingsOutstanding.decrement();
    }

    // ---------------------------------------------------------------- reports

    /** This process's figures; {@code broadcast} is null for ws-hold. */
    WsReport report(WsReport.BroadcastReport broadcast) {
        Map<String, Long> byCode = new TreeMap<>();
        closes.forEach((code, n) -> byCode.put(code + " " + CloseCodes.name(code), n.sum()));
        Histogram trips = pingRoundTrips == null ? null : pingRoundTrips.getIntervalHistogram();
        return new WsReport(options.ws().channels(), pingsSent.sum(), pongs.sum(), messages.sum(), byCode, broadcast,
                trips == null ? null : LoadResult.Latency.of(trips), trips == null ? null : LoadResult.encode(trips));
    }

    /** Stops pinging. */
    void stopPinging() {
        pings.close();
    }

    @Override
    public void close() {
        pings.close();
        client.close(Duration.ofSeconds(10));
    }
}
