package io.throng.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ServerConfig;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.push.PushServer;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.BusStats;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.bus.LocalSubscribers;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.PublishResult;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ws-hold and ws-broadcast against a real {@link PushServer} on loopback: counts must add up
 * exactly (subscribers, pings, deliveries per broadcast); a server that duplicates or drops a
 * broadcast must be caught; two processes must merge into one account. Latencies are checked for
 * consistency (ordering, counts, the time to the last subscriber against its own timestamps),
 * never against a time limit.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WsLoadTest {
    private final List<Progress> progress = new CopyOnWriteArrayList<>();

    private static PushServer push(Function<LocalSubscribers, Bus> bus) throws Exception {
        return PushServer.start(ServerConfig.defaults().withPort(0).withLoops(2), WebSocketConfig.defaults(), bus);
    }

    private static PushServer push() throws Exception {
        return push(LocalBus::new);
    }

    /** What a faulty server does with a publish, in place of the one local fan-out. */
    private interface Fault {
        PublishOutcome publish(LocalSubscribers local, String channel, ByteBuffer payload);
    }

    /** An in-process bus that publishes through {@code fault}: a server to catch misbehaving. */
    private static Function<LocalSubscribers, Bus> faulty(Fault fault) {
        return local -> new Bus() {
            private final LocalBus real = new LocalBus(local);

            @Override
            public PublishOutcome publish(String channel, ByteBuffer payload) {
                return fault.publish(local, channel, payload);
            }

            @Override
            public void subscribe(String channel) {
            }

            @Override
            public void unsubscribe(String channel) {
            }

            @Override
            public String name() {
                return "faulty";
            }

            @Override
            public BusStats stats() {
                return real.stats();
            }

            @Override
            public void close() {
            }
        };
    }

    private static LoadOptions subscribers(LoadMode mode, PushServer server, String channel, int conns, int channels) {
        LoadOptions o = LoadOptions.defaults(mode).withUrl("ws://127.0.0.1:" + server.port() + "/sub/" + channel)
                .withConns(conns).withRate(0).withLoops(2).withPingInterval(0.25);
        return o.withWs(o.ws().withChannels(channels));
    }

    private static LoadOptions broadcast(PushServer server, String channel, int conns, int channels, int messages, int warmup) {
        LoadOptions o = subscribers(LoadMode.WS_BROADCAST, server, channel, conns, channels);
        // a generous timeout: it is waited out only when a delivery is missing (each run ends when all arrived)
        return o.withWs(o.ws().withMessages(messages, warmup).withInterval(0.1).withDeliveryTimeout(15));
    }

    /** Every round reached every subscriber once; its figures agree with each other and with the run. */
    static void assertEveryRoundComplete(LoadResult r, int subscribers, int rounds, int warmup) {
        System.out.print(Load.summary(r)); // in the test's output file, for a failure's diagnosis
        WsReport.BroadcastReport b = r.ws().broadcast();
        assertThat(b.publishError()).isNull();
        assertThat(b.rounds()).hasSize(rounds);
        assertThat(b.expected()).isEqualTo((long) subscribers * rounds);
        assertThat(b.delivered()).isEqualTo(b.expected());
        assertThat(b.missed()).isZero();
        assertThat(b.duplicates()).isZero();
        for (WsReport.Round x : b.rounds()) {
            assertThat(x.warmup()).isEqualTo(x.index() < warmup);
            assertThat(x.serverSubscribers()).as("the server's count, round %d", x.index()).isEqualTo(subscribers);
            assertThat(x.delivered()).as("round %d", x.index()).isEqualTo(subscribers);
            assertThat(x.missed()).isZero();
            assertThat(x.duplicates()).isZero();
            // one process: every round is published and received inside its window (several: each has its own)
            assertSaneRound(x, r.processes() == 1 ? r.windowSeconds() : Double.MAX_VALUE);
        }
        assertThat(b.timeToLastMicros().count()).isEqualTo(rounds - warmup);
        assertThat(r.responses()).as("measured deliveries").isEqualTo((long) subscribers * (rounds - warmup));
        assertThat(r.latency().count()).isEqualTo(r.responses());
        assertThat(r.ws().messagesReceived()).isEqualTo((long) subscribers * rounds);
        assertThat(r.mismatches()).isZero();
    }

    private static void assertSaneRound(WsReport.Round x, double windowSeconds) {
        assertThat(LoadResult.decode(x.histogram()).getTotalCount()).isEqualTo(x.delivered());
        assertThat(x.p50Micros()).isPositive();
        assertThat(x.p50Micros()).isLessThanOrEqualTo(x.p99Micros());
        assertThat(x.p99Micros()).isLessThanOrEqualTo(x.maxMicros());
        assertThat(x.publishedAtMicros()).isPositive();
        assertThat(x.lastReceivedAtMicros()).isGreaterThan(x.publishedAtMicros());
        assertThat(x.timeToLastMicros()).isEqualTo((double) (x.lastReceivedAtMicros() - x.publishedAtMicros()));
        // the round's first publish is its earliest stamp, so no delivery is later than the last one
        assertThat(x.maxMicros()).isLessThanOrEqualTo(x.timeToLastMicros());
        assertThat(x.timeToLastMicros()).as("published and received within the window").isLessThanOrEqualTo(windowSeconds * 1e6);
    }

    @Test
    void wsHoldEstablishesEverySubscriberOnItsChannelAndEveryPingIsAnswered() throws Exception {
        try (PushServer server = push()) {
            AtomicReference<List<Integer>> perChannel = new AtomicReference<>();
            LoadOptions o = subscribers(LoadMode.WS_HOLD, server, "hold", 300, 3).withTiming(0, 1.5);
            LoadResult r = Load.run(o, p -> {
                progress.add(p);
                if (p.established() == 300 && perChannel.get() == null) {
                    perChannel.set(List.of(server.topics().subscribers("hold-0"), server.topics().subscribers("hold-1"),
                            server.topics().subscribers("hold-2")));
                }
            });
            assertThat(r.connectAttempts()).isEqualTo(300);
            assertThat(r.established()).isEqualTo(300);
            assertThat(r.openAtEnd()).isEqualTo(300);
            assertThat(r.connectFailures()).isEmpty();
            assertThat(r.disconnects()).isZero();
            assertThat(perChannel.get()).as("subscribers per channel at the server").containsExactly(100, 100, 100);
            assertThat(server.stats().upgrades()).isEqualTo(300);
            WsReport ws = r.ws();
            assertThat(ws.broadcast()).isNull();
            assertThat(ws.closes()).isEmpty();
            assertThat(ws.pingsSent()).as("1.5 s at one ping per 0.25 s").isGreaterThanOrEqualTo(300 * 4);
            assertThat(r.mismatches()).as("every pong answered a ping of its own connection").isZero();
            // Every ping answered, in time or (on a busy machine, after the next ping was due) late;
            // only each subscriber's last ping may still be on its way when the hold ends.
            assertThat(ws.pongs() + r.lateEchoes()).isBetween(ws.pingsSent() - 300, ws.pingsSent());
            assertThat(r.lateEchoes()).isLessThanOrEqualTo(r.pingFailures());
            // after the hold's drain every ping sent is either answered in time or failed
            assertThat(ws.pongs() + r.pingFailures()).isEqualTo(ws.pingsSent());
            assertThat(r.silent()).isZero();
            // the window closed a moment before the count was read: at most one pong each in between
            assertThat(r.responses()).isBetween(ws.pongs() - 300, ws.pongs());
            assertThat(r.latency().count()).isEqualTo(r.responses());
            assertThat(r.latency().p50()).isPositive().isLessThanOrEqualTo(r.latency().max());
            assertThat(Load.summary(r)).contains("ws-hold", "300 subscribers on 3 channels", "ping round trip");
            assertThat(Json.read(Json.write(r), LoadResult.class)).isEqualTo(r);
        }
    }

    @Test
    void wsHoldCountsHandshakeFailuresByCause() throws Exception {
        try (PushServer server = push()) {
            LoadOptions o = LoadOptions.defaults(LoadMode.WS_HOLD).withUrl("ws://127.0.0.1:" + server.port() + "/nowhere")
                    .withConns(20).withRate(0).withLoops(1).withTiming(0, 0.2);
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.established()).isZero();
            assertThat(r.connectFailures()).isEqualTo(java.util.Map.of("handshake refused: HTTP 404", 20L));
        }
    }

    @Test
    void wsBroadcastReachesEachOfAThousandSubscribersOncePerMessage() throws Exception {
        try (PushServer server = push()) {
            LoadResult r = Load.run(broadcast(server, "news", 1000, 1, 5, 1), progress::add);
            assertThat(r.established()).isEqualTo(1000);
            assertThat(r.connectFailures()).isEmpty();
            assertEveryRoundComplete(r, 1000, 6, 1);
            assertThat(server.binaryPublishes()).isEqualTo(6);
            assertThat(progress).anyMatch(p -> p.delivered() > 0);
            assertThat(Load.summary(r)).contains("delivered 6,000 of 6,000 expected; missed 0; duplicates 0");
            assertThat(Json.read(Json.write(r), LoadResult.class)).isEqualTo(r);
        }
    }

    @Test
    void wsBroadcastOverHttpToSeveralChannels() throws Exception {
        try (PushServer server = push()) {
            LoadOptions o = broadcast(server, "alerts", 150, 3, 3, 0);
            o = o.withWs(o.ws().withPublishVia(WsOptions.PublishVia.HTTP));
            LoadResult r = Load.run(o, progress::add);
            assertEveryRoundComplete(r, 150, 3, 0);
            assertThat(server.binaryPublishes()).isZero();
            assertThat(server.stats().publishes()).as("one POST per channel and round").isEqualTo(9);
            assertThat(r.ws().broadcast().publishedWith()).isEqualTo("http");
        }
    }

    @Test
    void aServerThatDeliversTwiceIsCaught() throws Exception {
        try (PushServer server = push(faulty((local, channel, payload) -> {
            local.deliver(channel, payload.duplicate());
            return new PublishOutcome.Delivered(local.deliver(channel, payload.duplicate()));
        }))) {
            LoadResult r = Load.run(broadcast(server, "twice", 100, 1, 3, 0), progress::add);
            WsReport.BroadcastReport b = r.ws().broadcast();
            assertThat(b.delivered()).as("distinct deliveries").isEqualTo(300);
            assertThat(b.missed()).isZero();
            assertThat(b.duplicates()).isPositive().isLessThanOrEqualTo(300);
            assertThat(b.rounds().get(0).duplicates()).as("the first round's copies came before the last round's").isEqualTo(100);
        }
    }

    @Test
    void aServerThatDropsABroadcastIsCaught() throws Exception {
        AtomicInteger publishes = new AtomicInteger();
        try (PushServer server = push(faulty((local, channel, payload) -> new PublishOutcome.Delivered(
                publishes.getAndIncrement() == 1 ? new PublishResult(100, 100, 0, 0) : local.deliver(channel, payload.duplicate()))))) {
            LoadOptions o = broadcast(server, "lossy", 100, 1, 3, 0);
            LoadResult r = Load.run(o.withWs(o.ws().withDeliveryTimeout(0.5)), progress::add);
            WsReport.BroadcastReport b = r.ws().broadcast();
            assertThat(b.rounds()).extracting(WsReport.Round::delivered).containsExactly(100L, 0L, 100L);
            assertThat(b.rounds()).extracting(WsReport.Round::missed).containsExactly(0L, 100L, 0L);
            assertThat(b.missed()).isEqualTo(100);
            assertThat(b.duplicates()).isZero();
            assertThat(b.rounds().get(1).serverSubscribers()).as("the server claimed it").isEqualTo(100);
            assertThat(b.timeToLastMicros().count()).as("rounds nobody got have no time to the last").isEqualTo(2);
        }
    }

    @Test
    void twoProcessesCountEverySubscriberAndMergeEachBroadcast() throws Exception {
        try (PushServer server = push()) {
            LoadOptions o = broadcast(server, "split", 301, 2, 3, 1).withProcs(2);
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.processes()).isEqualTo(2);
            assertThat(r.connectAttempts()).isEqualTo(301);
            assertThat(r.established()).isEqualTo(301);
            assertEveryRoundComplete(r, 301, 4, 1);
            assertThat(server.binaryPublishes()).as("the parent alone published: 4 rounds x 2 channels").isEqualTo(8);
        }
    }

    @Test
    void withAHoldFirstThePingsAreDrainedBeforeTheParentPublishes() throws Exception {
        try (PushServer server = push()) {
            LoadOptions o = broadcast(server, "after", 200, 1, 2, 1).withProcs(2);
            o = o.withWs(o.ws().withHoldFirst(2));
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.established()).isEqualTo(200);
            assertEveryRoundComplete(r, 200, 3, 1);
            assertThat(r.ws().pongs()).as("pings in the hold").isGreaterThanOrEqualTo(200);
            assertThat(r.silent()).as("every subscriber pinged in the hold").isZero();
            assertThat(r.pingFailures()).isZero();
            assertThat(r.ws().pingLatency().count()).as("every pong's round trip, merged").isEqualTo(r.ws().pongs());
            assertThat(progress).extracting(Progress::phase).contains("measure", "broadcasting");
            assertThat(progress).as("nothing published before every process had drained its pings")
                    .filteredOn(p -> p.delivered() > 0).extracting(Progress::phase)
                    .isNotEmpty().allMatch(ph -> ph.equals("broadcasting") || ph.equals("stopping"));
        }
    }

    @Test
    void roundsMergeAcrossProcessesAgainstThePublishersClock() {
        org.HdrHistogram.Histogram a = new org.HdrHistogram.Histogram(2);
        org.HdrHistogram.Histogram b = new org.HdrHistogram.Histogram(2);
        a.recordValue(100);
        a.recordValue(200);
        b.recordValue(300);
        b.recordValue(400);
        b.recordValue(900);
        // process A saw the stamp 1,000 first and its last receipt at 1,250; B's last came at 1,950
        WsReport.Round ra = WsReport.Round.of(0, false, 1_000, -1, 3, 2, 0, a, 200, 1_250);
        WsReport.Round rb = WsReport.Round.of(0, false, 1_010, -1, 3, 3, 1, b, 900, 1_950);
        WsReport.BroadcastReport pa = WsReport.BroadcastReport.of(1, 0, 64, "binary", null, List.of(ra));
        WsReport.BroadcastReport pb = WsReport.BroadcastReport.of(1, 0, 64, "binary", null, List.of(rb));
        WsReport merged = WsReport.merge(List.of(new WsReport(1, 10, 9, 2, java.util.Map.of(), pa),
                new WsReport(1, 20, 20, 3, java.util.Map.of("1006 abnormal closure", 1L), pb)));
        assertThat(merged.pingsSent()).isEqualTo(30);
        assertThat(merged.pongs()).isEqualTo(29);
        assertThat(merged.closes()).containsEntry("1006 abnormal closure", 1L);
        WsReport.Round m = merged.broadcast().rounds().getFirst();
        assertThat(m.expected()).isEqualTo(6);
        assertThat(m.delivered()).isEqualTo(5);
        assertThat(m.missed()).isEqualTo(1);
        assertThat(m.duplicates()).isEqualTo(1);
        assertThat(m.p50Micros()).as("the third of five, to 2 significant digits").isCloseTo(300, org.assertj.core.data.Offset.offset(3.0));
        assertThat(m.maxMicros()).isEqualTo(900);
        assertThat(m.timeToLastMicros()).as("the latest receipt anywhere minus the earliest stamp").isEqualTo(950);
        // the publisher started the round at 990: its clock is the reference
        BroadcastPublisher.Publication pub = new BroadcastPublisher.Publication(
                List.of(new BroadcastPublisher.PublishedRound(0, 990, 6, 6, 15)), null);
        WsReport.Round p = merged.broadcast().published(pub).rounds().getFirst();
        assertThat(p.timeToLastMicros()).isEqualTo(960);
        assertThat(p.serverSubscribers()).isEqualTo(6);
        assertThat(merged.broadcast().published(pub).missed()).isEqualTo(1);
    }

    @Test
    void aSubscriberTellsNewRoundsFromRepeats() {
        WsSubscriber s = new WsSubscriber(null, 0);
        int[] rounds = {0, 1, 1, 3, 2, 2, 0, 70, 69, 5, 70};
        boolean[] first = {true, true, false, true, true, false, false, true, true, false, false};
        for (int i = 0; i < rounds.length; i++) {
            assertThat(s.firstSight(rounds[i])).as("round %d, the %d-th received", rounds[i], i).isEqualTo(first[i]);
        }
    }

    @Test
    void payloadsCarryRoundChannelAndStamp() {
        long stamp = 1_763_900_000_123_456L;
        byte[] p = BroadcastPayload.encode(70_000, 513, stamp, 64);
        assertThat(p).hasSize(64);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(p);
        assertThat(BroadcastPayload.round(b)).isEqualTo(70_000);
        assertThat(BroadcastPayload.channel(b)).isEqualTo(513);
        assertThat(BroadcastPayload.stamp(b)).isEqualTo(stamp);
        assertThat(new String(p, java.nio.charset.StandardCharsets.US_ASCII)).startsWith("#").endsWith("...")
                .matches("[#0-9a-f.]+");
        assertThat(BroadcastPayload.round(java.nio.ByteBuffer.wrap("hello, this is not one of ours!!".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)))).isEqualTo(-1);
        assertThat(BroadcastPayload.round(java.nio.ByteBuffer.wrap(new byte[8]))).isEqualTo(-1);
    }

    @Test
    void channelPathsAndNames() {
        WsOptions w = WsOptions.defaults().withPath("/sub/feed?token=x").withChannels(3);
        assertThat(w.pathFor(4)).isEqualTo("/sub/feed-1?token=x");
        assertThat(w.channelName(2)).isEqualTo("feed-2");
        assertThat(WsOptions.defaults().withPath("/sub/feed").pathFor(7)).isEqualTo("/sub/feed");
        LoadOptions o = LoadOptions.defaults(LoadMode.WS_BROADCAST).withUrl("ws://10.1.2.3:9000/sub/a");
        assertThat(o.host()).isEqualTo("10.1.2.3");
        assertThat(o.port()).isEqualTo(9000);
        assertThat(o.url()).isEqualTo("ws://10.1.2.3:9000/sub/a");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> LoadOptions.defaults(LoadMode.WS_BROADCAST).withUrl("ws://127.0.0.1:9000/echo"))
                .hasMessageContaining("/sub/<channel>");
    }
}
