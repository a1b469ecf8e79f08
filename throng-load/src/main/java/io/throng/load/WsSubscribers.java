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
import java.nio.charset.StandardCharsets;
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
    /** Centrifugo's protocol, or null (the raw endpoint). */
    private final CentrifugoLoad centrifugo;
    /** Centrifugo: signs each subscriber's connection token (driver thread); null without a key. */
    private final Hs256Tokens tokens;
    /** Centrifugo: the tokens' expiry (epoch seconds), a week ahead: no refresh within any run. */
    private final long tokenExpiry;
    /** Centrifugo, per channel index: how its publications start, up to the data's opening quote. */
    private final byte[][] pushPrefixes;
    /** Centrifugo: the server's pings ({@code {}}) answered with a pong. */
    private final LongAdder serverPings = new LongAdder();

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
        this.centrifugo = options.ws().centrifugo();
        if (centrifugo != null) {
            byte[] key = centrifugo.secret();
            this.tokens = key == null ? null : new Hs256Tokens(key);
            if (key != null) {
                java.util.Arrays.fill(key, (byte) 0); // the Mac has its own copy
            }
            this.tokenExpiry = System.currentTimeMillis() / 1000 + 7 * 24 * 3600;
            int channels = options.ws().channels();
            this.pushPrefixes = new byte[channels][];
            for (int c = 0; c < channels; c++) {
                pushPrefixes[c] = ("{\"push\":{\"channel\":\"" + options.ws().channelName(c) + "\",\"pub\":{\"data\":\"")
                        .getBytes(StandardCharsets.US_ASCII);
            }
        } else {
            this.tokens = null;
            this.tokenExpiry = 0;
            this.pushPrefixes = null;
        }
    }

    /** Opens subscriber {@code index} (its channel: index mod channels) from {@code source} (null: any). */
    CompletableFuture<WebSocket> connect(int index, InetSocketAddress source) {
        WebSocketRequest request = WebSocketRequest.to(target, options.ws().pathFor(index)).withLocalAddress(source);
        int channel = options.ws().channelOf(index);
        return client.connect(request, new WsSubscriber(this, channel, centrifugo == null ? null : hello(index, channel)));
    }

    /**
     * Centrifugo: subscriber {@code index}'s first frame, connect (with its own token, user
     * {@code load-<index>}) and subscribe, newline-separated as the SDK batches them. Channel names
     * are of the push alphabet: nothing in them needs escaping in JSON.
     */
    private byte[] hello(int index, int channel) {
        StringBuilder b = new StringBuilder(320).append("{\"id\":1,\"connect\":{");
        if (tokens != null) {
            b.append("\"token\":\"").append(tokens.token("load-" + index, tokenExpiry)).append("\",");
        }
        b.append("\"name\":\"throng-load\"}}\n{\"id\":2,\"subscribe\":{\"channel\":\"")
                .append(options.ws().channelName(channel)).append("\"}}");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    boolean centrifugo() {
        return centrifugo != null;
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
        delivered(s, payload, payload.position(), now);
    }

    /** A message whose payload starts at index {@code at} of {@code payload}, received at {@code now}. */
    private void delivered(WsSubscriber s, ByteBuffer payload, int at, long now) {
        if (tally == null) {
            return; // ws-hold: whatever the server sends is only counted
        }
        int round = BroadcastPayload.round(payload, at);
        long stamp = BroadcastPayload.stamp(payload, at);
        if (!tally.inRange(round) || stamp < 0 || BroadcastPayload.channel(payload, at) != s.channel) {
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

    /**
     * Centrifugo: a text frame from the server, one or more newline-separated replies and pushes.
     * The time is taken first, as on the raw path. A publication of the subscriber's own channel
     * that starts as this server writes them ({@code {"push":{"channel":"c","pub":{"data":"#...})
     * is read in place; anything else is parsed as JSON (key order and spacing are free in the
     * protocol), which only the replies and an unexpected shape pay for.
     */
    void centrifugoFrame(WsSubscriber s, WebSocket w, ByteBuffer utf8) {
        long now = WallClock.micros();
        int end = utf8.limit();
        for (int from = utf8.position(); from < end; ) {
            int to = from;
            while (to < end && utf8.get(to) != '\n') {
                to++;
            }
            if (to > from) {
                centrifugoLine(s, w, utf8, from, to, now);
            }
            from = to + 1;
        }
    }

    private void centrifugoLine(WsSubscriber s, WebSocket w, ByteBuffer b, int from, int to, long now) {
        if (to - from == 2 && b.get(from) == '{' && b.get(from + 1) == '}') {
            serverPings.increment();
            w.sendText("{}"); // the pong: without it the server closes with 3012
            return;
        }
        byte[] prefix = pushPrefixes[s.channel];
        if (s.state == WsSubscriber.SUBSCRIBED && startsWith(b, from, to, prefix)) {
            messages.increment();
            int at = from + prefix.length;
            if (to - at < BroadcastPayload.MIN_BYTES + 1) { // the payload and the string's closing quote
                stats.mismatches.increment();
                return;
            }
            delivered(s, b, at, now);
            return;
        }
        com.fasterxml.jackson.databind.JsonNode m;
        try {
            byte[] line = new byte[to - from];
            b.get(from, line);
            m = Json.mapper().readTree(line);
        } catch (IOException | RuntimeException notJson) {
            stats.mismatches.increment();
            return;
        }
        if (m.has("push")) {
            messages.increment();
            com.fasterxml.jackson.databind.JsonNode push = m.get("push");
            com.fasterxml.jackson.databind.JsonNode data = push.path("pub").path("data");
            if (s.state != WsSubscriber.SUBSCRIBED || !data.isTextual()
                    || !options.ws().channelName(s.channel).equals(push.path("channel").asText())) {
                stats.mismatches.increment(); // not a publication of ours (a join, an unsubscribe, another channel)
                return;
            }
            delivered(s, ByteBuffer.wrap(data.asText().getBytes(StandardCharsets.UTF_8)), 0, now);
            return;
        }
        long id = m.path("id").asLong(-1);
        if (s.state != WsSubscriber.WAITING || id != 1 && id != 2) {
            stats.mismatches.increment();
            return;
        }
        if (m.has("error")) {
            // the connect or the subscribe refused: the subscriber is a failed connect, by its code
            s.state = WsSubscriber.REFUSED;
            refused("centrifugo: " + (id == 1 ? "connect" : "subscribe") + " error " + m.get("error").path("code").asInt());
            w.close();
        } else if (id == 2 && m.has("subscribe")) {
            s.state = WsSubscriber.SUBSCRIBED;
            opened(s);
        } else if (id != 1 || !m.has("connect")) {
            stats.mismatches.increment();
        }
    }

    private static boolean startsWith(ByteBuffer b, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b.get(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** Centrifugo: a subscriber refused, or closed before its subscribe was answered; counted as a failed connect. */
    void refused(String cause) {
        stats.failed(cause);
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
                trips == null ? null : LoadResult.Latency.of(trips), trips == null ? null : LoadResult.encode(trips),
                serverPings.sum());
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
