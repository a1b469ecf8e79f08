package io.throng.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.config.ServerConfig;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.push.PushServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ws-hold and ws-broadcast speaking Centrifugo's client protocol to a real {@link PushServer}
 * serving it (the handler {@code throng push --centrifugo} runs), over loopback sockets: every
 * subscriber connects with its own HS256 token and subscribes, every broadcast reaches each once
 * (the server's own count agrees), the server's pings are answered (no 3012), a wrong key is
 * counted as refused, and the multi-process path reads the key in each child from the environment.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CentrifugoLoadTest {
    private final List<Progress> progress = new CopyOnWriteArrayList<>();
    /** A fresh key per test, as hex text: what an operator would put in the file. */
    private final String key = HexFormat.of().formatHex(SecureRandom.getSeed(32));

    @TempDir
    Path dir;

    private PushServer centrifugoServer(CentrifugoConfig config) throws Exception {
        return PushServer.start(ServerConfig.defaults().withPort(0).withLoops(2), WebSocketConfig.defaults(), LocalBus::new,
                config);
    }

    private PushServer centrifugoServer() throws Exception {
        return centrifugoServer(CentrifugoConfig.withSecret(key.getBytes(StandardCharsets.US_ASCII)));
    }

    /** The key in a file, with the final line break an editor leaves (which is not part of the key). */
    private String keyFile(String content) throws Exception {
        Path f = dir.resolve("centrifugo.key");
        Files.writeString(f, content + "\n");
        return f.toString();
    }

    private static LoadOptions subscribers(LoadMode mode, PushServer server, CentrifugoLoad c, int conns, int channels) {
        LoadOptions o = LoadOptions.defaults(mode);
        o = o.withWs(o.ws().withCentrifugo(c).withChannels(channels))
                .withUrl("ws://127.0.0.1:" + server.port() + CentrifugoLoad.ENDPOINT);
        return o.withConns(conns).withRate(0).withLoops(2).withPingInterval(0.25);
    }

    private static LoadOptions broadcast(PushServer server, CentrifugoLoad c, int conns, int channels, int messages, int warmup) {
        LoadOptions o = subscribers(LoadMode.WS_BROADCAST, server, c, conns, channels);
        return o.withWs(o.ws().withMessages(messages, warmup).withInterval(0.1).withDeliveryTimeout(15));
    }

    @Test
    void everySubscriberConnectsWithItsTokenAndGetsEveryBroadcastOnce() throws Exception {
        try (PushServer server = centrifugoServer()) {
            CentrifugoLoad c = new CentrifugoLoad("cf", keyFile(key), null);
            AtomicReference<List<Integer>> perChannel = new AtomicReference<>();
            LoadResult r = Load.run(broadcast(server, c, 600, 3, 5, 1), p -> {
                progress.add(p);
                if (p.established() == 600 && perChannel.get() == null) {
                    perChannel.set(List.of(server.topics().subscribers("#cf-0"), server.topics().subscribers("#cf-1"),
                            server.topics().subscribers("#cf-2")));
                }
            });
            assertThat(r.connectFailures()).isEmpty();
            assertThat(r.established()).isEqualTo(600);
            WsLoadTest.assertEveryRoundComplete(r, 600, 6, 1);
            assertThat(server.centrifugo().connects()).as("connected with a valid token each").isEqualTo(600);
            assertThat(server.centrifugo().refusedTokens()).isZero();
            assertThat(perChannel.get()).as("Centrifugo subscribers per channel at the server").containsExactly(200, 200, 200);
            assertThat(server.topics().subscribers("cf-0")).as("none on the raw endpoint").isZero();
            assertThat(server.binaryPublishes()).as("6 rounds x 3 channels").isEqualTo(18);
            assertThat(Load.summary(r)).contains("Centrifugo protocol (HS256 tokens)",
                    "delivered 3,600 of 3,600 expected; missed 0; duplicates 0");
            assertThat(Json.read(Json.write(r), LoadResult.class)).isEqualTo(r);
        }
    }

    @Test
    void httpPublishesReachCentrifugoSubscribersAsJson() throws Exception {
        try (PushServer server = centrifugoServer()) {
            LoadOptions o = broadcast(server, new CentrifugoLoad("cfhttp", keyFile(key), null), 100, 2, 3, 0);
            o = o.withWs(o.ws().withPublishVia(WsOptions.PublishVia.HTTP).withMessageBytes(33));
            LoadResult r = Load.run(o, progress::add);
            WsLoadTest.assertEveryRoundComplete(r, 100, 3, 0);
            assertThat(server.stats().publishes()).as("one POST per channel and round").isEqualTo(6);
        }
    }

    @Test
    void theServersPingsAreAnsweredThroughTheHold() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(key.getBytes(StandardCharsets.US_ASCII))
                .withPing(Duration.ofSeconds(1), Duration.ofMillis(600));
        try (PushServer server = centrifugoServer(config)) {
            LoadOptions o = subscribers(LoadMode.WS_HOLD, server, new CentrifugoLoad("held", keyFile(key), null), 60, 1)
                    .withTiming(0, 3.5);
            LoadResult r = Load.run(o, progress::add);
            System.out.print(Load.summary(r));
            assertThat(r.established()).isEqualTo(60);
            assertThat(r.openAtEnd()).as("none closed for a missing pong").isEqualTo(60);
            assertThat(r.disconnects()).isZero();
            assertThat(r.ws().closes()).isEmpty();
            assertThat(server.centrifugo().noPongCloses()).isZero();
            // a ping a second for 3.5 s (each subscriber's first is within a second of its connect)
            assertThat(r.ws().serverPings()).isGreaterThanOrEqualTo(60 * 2);
            assertThat(r.mismatches()).isZero();
            assertThat(r.silent()).as("the tool's own WebSocket pings answered too").isZero();
            assertThat(Load.summary(r)).contains("the server's Centrifugo pings answered");
        }
    }

    @Test
    void aTokenSignedWithAnotherKeyIsCountedAsRefused() throws Exception {
        try (PushServer server = centrifugoServer()) {
            String other = HexFormat.of().formatHex(SecureRandom.getSeed(32));
            LoadOptions o = subscribers(LoadMode.WS_HOLD, server, new CentrifugoLoad("nope", keyFile(other), null), 20, 1)
                    .withTiming(0, 0.2);
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.established()).isZero();
            assertThat(r.openAtEnd()).isZero();
            assertThat(r.connectFailures()).isEqualTo(Map.of("centrifugo: closed before subscribed: 3500 invalid token", 20L));
            assertThat(server.centrifugo().refusedTokens()).isEqualTo(20);
        }
    }

    @Test
    void withoutAKeyTheSubscribersConnectAnonymously() throws Exception {
        try (PushServer server = centrifugoServer(CentrifugoConfig.of((byte[]) null, true))) {
            LoadResult r = Load.run(broadcast(server, new CentrifugoLoad("anon", null, null), 30, 1, 2, 0), progress::add);
            WsLoadTest.assertEveryRoundComplete(r, 30, 2, 0);
            assertThat(server.centrifugo().connects()).isEqualTo(30);
            assertThat(Load.summary(r)).contains("Centrifugo protocol (no tokens)");
        }
        try (PushServer server = centrifugoServer()) {
            LoadOptions o = subscribers(LoadMode.WS_HOLD, server, new CentrifugoLoad("anon", null, null), 5, 1).withTiming(0, 0.2);
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.connectFailures()).as("a server that wants tokens: 3501")
                    .isEqualTo(Map.of("centrifugo: closed before subscribed: 3501 client credentials not found", 5L));
        }
    }

    @Test
    void aSubscribeErrorIsCountedByItsCode() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(key.getBytes(StandardCharsets.US_ASCII)).withAllowSubscribe(false);
        try (PushServer server = centrifugoServer(config)) {
            LoadOptions o = subscribers(LoadMode.WS_HOLD, server, new CentrifugoLoad("closed", keyFile(key), null), 10, 1)
                    .withTiming(0, 0.2);
            LoadResult r = Load.run(o, progress::add);
            assertThat(r.established()).isZero();
            assertThat(r.connectFailures()).as("103: permission denied").isEqualTo(Map.of("centrifugo: subscribe error 103", 10L));
        }
    }

    @Test
    void twoProcessesEachReadTheKeyFromTheEnvironment() throws Exception {
        try (PushServer server = centrifugoServer()) {
            LoadOptions o = broadcast(server, new CentrifugoLoad("split", null, "THRONG_LOAD_TEST_KEY"), 201, 2, 3, 1)
                    .withProcs(2);
            assertThat(Json.write(o)).as("the children's command line names the variable, not the key").doesNotContain(key);
            // the parent publishes and needs no key; each child reads it from its environment
            LoadResult r = MultiProcessLoad.run(o, progress::add, MultiProcessLoad.CHILD_JVM, Map.of("THRONG_LOAD_TEST_KEY", key));
            assertThat(r.processes()).isEqualTo(2);
            assertThat(r.established()).isEqualTo(201);
            WsLoadTest.assertEveryRoundComplete(r, 201, 4, 1);
            assertThat(server.centrifugo().connects()).isEqualTo(201);
        }
    }

    @Test
    void optionsAndPayloads() throws Exception {
        WsOptions w = WsOptions.defaults().withCentrifugo(new CentrifugoLoad("feed", null, null)).withChannels(3)
                .withPath(CentrifugoLoad.ENDPOINT);
        assertThat(w.pathFor(4)).as("one endpoint for all").isEqualTo(CentrifugoLoad.ENDPOINT);
        assertThat(w.channelName(2)).isEqualTo("feed-2");
        assertThat(WsOptions.defaults().withCentrifugo(new CentrifugoLoad("feed", null, null)).channelName(0)).isEqualTo("feed");
        assertThatThrownBy(() -> WsOptions.defaults().withCentrifugo(new CentrifugoLoad("feed", null, null)).withMessageBytes(32))
                .hasMessageContaining("33");
        assertThatThrownBy(() -> new CentrifugoLoad("feed", "a", "B")).hasMessageContaining("give one");
        assertThatThrownBy(() -> new CentrifugoLoad("$private", null, null)).hasMessageContaining("subscription tokens");
        assertThatThrownBy(() -> LoadOptions.defaults(LoadMode.WS_HOLD).withWs(WsOptions.defaults()
                .withCentrifugo(new CentrifugoLoad("bad#name", null, null)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(new CentrifugoLoad("x", keyFile("abc"), null).secret()).as("the final line break dropped")
                .isEqualTo("abc".getBytes(StandardCharsets.US_ASCII));
        byte[] p = BroadcastPayload.encodeJson(7, 2, 1_763_900_000_123_456L, 64);
        String s = new String(p, StandardCharsets.US_ASCII);
        assertThat(p).hasSize(64);
        assertThat(s).startsWith("\"#").endsWith(".\"");
        assertThat(Json.mapper().readTree(p).isTextual()).as("valid JSON: a string").isTrue();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(p);
        assertThat(BroadcastPayload.round(b, 1)).isEqualTo(7);
        assertThat(BroadcastPayload.channel(b, 1)).isEqualTo(2);
        assertThat(BroadcastPayload.stamp(b, 1)).isEqualTo(1_763_900_000_123_456L);
        assertThat(BroadcastPayload.round(b, 40)).as("too near the end").isEqualTo(-1);
    }
}
