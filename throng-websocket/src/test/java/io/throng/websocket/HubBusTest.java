package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.BusStats;
import io.throng.websocket.bus.HubBroker;
import io.throng.websocket.bus.HubServer;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.push.PushPublisher;
import io.throng.websocket.push.PushServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded bus under prefork, in one JVM: three push servers (the workers) relaying through a
 * real {@link HubServer} on a Unix domain socket, subscribers and publishers over real sockets.
 * The same servers as separate processes under {@code throng push --model prefork} are tested in
 * throng-cli.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class HubBusTest {
    private static final int MAX = 1 << 20;

    private Path socket;
    private HubServer hub;
    private final List<PushServer> nodes = new ArrayList<>();
    private WebSocketClient client;

    @BeforeEach
    void start() throws Exception {
        socket = Files.createTempDirectory("throng-hub-test").resolve("hub.sock");
        hub = HubServer.start(socket, MAX, 1024);
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        for (PushServer n : nodes) {
            n.close();
        }
        client.close();
        if (hub != null) {
            hub.close();
        }
        Files.deleteIfExists(socket.getParent());
    }

    private PushServer node() throws Exception {
        BusConfig config = BusConfig.embedded().withHub(socket).withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        PushServer n = PushServer.start(WsVariant.MULTI.config(), WebSocketConfig.defaults(),
                local -> RelayBus.start(new HubBroker(socket, MAX), local, config));
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).isTrue();
        return n;
    }

    private PushServer centrifugoNode() throws Exception {
        BusConfig config = BusConfig.embedded().withHub(socket).withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        PushServer n = PushServer.start(WsVariant.MULTI.config(), WebSocketConfig.defaults(),
                local -> RelayBus.start(new HubBroker(socket, MAX), local, config),
                io.throng.websocket.centrifugo.CentrifugoConfig.withSecret(CentrifugoSdkTest.SECRET).withAllowPublish(true));
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).isTrue();
        return n;
    }

    /** A Centrifugo client connected to {@code n} (frames written by hand), subscribed to {@code channel}. */
    private CentrifugoProtocolTest.Conn centrifugo(PushServer n, String user, String channel) throws Exception {
        CentrifugoProtocolTest.Conn c = new CentrifugoProtocolTest.Conn();
        c.autoPong = true;
        c.ws = client.connect(WebSocketRequest.to(n.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        c.send(CentrifugoProtocolTest.connect(CentrifugoProtocolTest.token(user, 0))
                + "\n{\"subscribe\":{\"channel\":\"" + channel + "\"},\"id\":2}");
        assertThat(c.nextText()).startsWith("{\"id\":1,\"connect\":");
        assertThat(c.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        return c;
    }

    @Test
    void centrifugoClientsOfDifferentWorkersReachEachOtherAndTheRawSubscribers() throws Exception {
        PushServer a = centrifugoNode();
        PushServer b = centrifugoNode();
        CentrifugoProtocolTest.Conn ann = centrifugo(a, "ann", "room");
        CentrifugoProtocolTest.Conn bob = centrifugo(b, "bob", "room");
        Inbox raw = subscribe(a, "room");
        // the subscriptions have reached the hub once a publish from each side arrives everywhere
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (ann.messages.isEmpty() || bob.messages.isEmpty() || raw.messages.isEmpty()) {
            assertThat(System.nanoTime()).as("warm-up reached everyone").isLessThan(deadline);
            a.publish("room", java.nio.ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
            b.publish("room", java.nio.ByteBuffer.wrap("1".getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(20);
        }
        Thread.sleep(200);
        ann.messages.clear();
        bob.messages.clear();
        raw.messages.clear();

        bob.send("{\"publish\":{\"channel\":\"room\",\"data\":{\"from\":\"bob\"}},\"id\":3}");
        // bob gets both its reply and the publication (through the hub), in either order
        assertThat(List.of(bob.nextText(), bob.nextText())).containsExactlyInAnyOrder("{\"id\":3,\"publish\":{}}",
                "{\"push\":{\"channel\":\"room\",\"pub\":{\"data\":{\"from\":\"bob\"}}}}");
        assertThat(ann.nextText()).isEqualTo("{\"push\":{\"channel\":\"room\",\"pub\":{\"data\":{\"from\":\"bob\"}}}}");
        assertThat(raw.nextText()).isEqualTo("{\"from\":\"bob\"}");
        // counted before the reply is sent, and the reply has arrived (the publication may come first)
        assertThat(b.centrifugo().clientPublishes()).isEqualTo(1);
    }

    private Inbox subscribe(PushServer n, String channel) throws Exception {
        Inbox inbox = new Inbox();
        client.connect(WebSocketRequest.to(n.address(), "/sub/" + channel), inbox).get(10, TimeUnit.SECONDS);
        return inbox;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(10);
        }
    }

    /**
     * Publishes warm-up messages from {@code through} until every inbox has one (the subscriptions
     * have reached the hub), then empties the inboxes.
     */
    static void warmUp(PushServer through, String channel, List<Inbox> inboxes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (inboxes.stream().anyMatch(i -> i.messages.isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("warm-up messages did not reach every subscriber");
            }
            through.publish(channel, java.nio.ByteBuffer.wrap("warm-up".getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(20);
        }
        Thread.sleep(100);
        for (Inbox i : inboxes) {
            i.messages.clear();
        }
    }

    /** Reads {@code count} messages and checks: no duplicate, each publisher's in order. */
    static List<String> receiveInOrder(Inbox inbox, int count) throws InterruptedException {
        List<String> got = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Map<String, Integer> lastPerPublisher = new HashMap<>();
        for (int k = 0; k < count; k++) {
            String m = inbox.nextText();
            assertThat(seen.add(m)).as("delivered twice: " + m).isTrue();
            String[] parts = m.split("-");
            int seq = Integer.parseInt(parts[1]);
            Integer before = lastPerPublisher.put(parts[0], seq);
            assertThat(before == null ? -1 : before).as("order of " + parts[0]).isLessThan(seq);
            got.add(m);
        }
        return got;
    }

    @Test
    void subscribersOnEveryNodeGetEveryMessagePublishedThroughAnyNodeOnceAndInOrder() throws Exception {
        for (int i = 0; i < 3; i++) {
            node();
        }
        List<Inbox> news = new ArrayList<>();
        List<Inbox> other = new ArrayList<>();
        for (PushServer n : nodes) {
            for (int s = 0; s < 4; s++) {
                news.add(subscribe(n, "news"));
            }
            other.add(subscribe(n, "other"));
        }
        warmUp(nodes.get(0), "news", news);
        await("hub routes 2 channels", () -> hub.stats().channels() == 2);

        int perNode = 30;
        for (int i = 0; i < nodes.size(); i++) {
            try (PushPublisher p = PushPublisher.connect(nodes.get(i).address())) {
                for (int k = 0; k < perNode; k++) {
                    p.send("news", ("node" + i + "-" + k).getBytes(StandardCharsets.UTF_8)); // pipelined
                }
                for (int k = 0; k < perNode; k++) {
                    PublishOutcome o = p.readResult();
                    assertThat(o).isInstanceOf(PublishOutcome.Accepted.class);
                    assertThat(((PublishOutcome.Accepted) o).bus()).isEqualTo("embedded");
                }
            }
        }
        HttpResponse<String> r = PushServerTest.post(nodes.get(2), "/pub/news", "node9-0".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.body()).contains("\"accepted\":true").contains("\"bus\":\"embedded\"").contains(RelayBus.NODE);

        for (Inbox inbox : news) {
            List<String> got = receiveInOrder(inbox, 3 * perNode + 1);
            assertThat(got).contains("node0-0", "node1-" + (perNode - 1), "node2-7", "node9-0");
        }
        Thread.sleep(200);
        for (Inbox inbox : news) {
            assertThat(inbox.messages).as("nothing more").isEmpty();
        }
        for (Inbox inbox : other) {
            assertThat(inbox.messages).as("another channel's subscribers get none of it").isEmpty();
        }
        long received = nodes.stream().mapToLong(n -> n.bus().stats().received()).sum();
        assertThat(received).as("each node received each message once").isGreaterThanOrEqualTo(3L * (3 * perNode + 1));
        assertThat(hub.stats().dropped()).isZero();
        assertThat(nodes.get(0).bus().stats().relayed()).isGreaterThanOrEqualTo(perNode);
    }

    @Test
    void aNodeSubscribesOnlyToChannelsItHasSubscribersForAndLeavesWhenTheLastOneGoes() throws Exception {
        PushServer a = node();
        PushServer b = node();
        // a node's link is up once connected; the hub counts it once it has read the hello (it failed once: 0 workers)
        await("the hub counts both workers", () -> hub.stats().workers() == 2);
        assertThat(hub.stats().channels()).isZero();
        Inbox one = new Inbox();
        WebSocket ws1 = client.connect(WebSocketRequest.to(a.address(), "/sub/alerts"), one).get(10, TimeUnit.SECONDS);
        WebSocket ws2 = client.connect(WebSocketRequest.to(a.address(), "/sub/alerts"), new Inbox()).get(10, TimeUnit.SECONDS);
        await("a subscribed upstream", () -> a.bus().stats().channels() == 1 && hub.stats().channels() == 1);
        assertThat(b.bus().stats().channels()).as("b has no subscriber of alerts").isZero();

        ws1.close();
        Thread.sleep(200);
        assertThat(hub.stats().channels()).as("one subscriber of a is left").isEqualTo(1);
        ws2.close();
        await("a unsubscribed upstream", () -> a.bus().stats().channels() == 0 && hub.stats().channels() == 0);
        assertThat(one.nextClose()).isEqualTo(1000);
    }

    @Test
    void whileTheHubIsGonePublishersGet503AndWhenItReturnsDeliveryResumesWithoutRestarts() throws Exception {
        PushServer a = node();
        PushServer b = node();
        Inbox inbox = subscribe(a, "ticker");
        warmUp(b, "ticker", List.of(inbox));

        hub.close();
        await("both links down", () -> a.bus().stats().state() != BusStats.State.UP && b.bus().stats().state() != BusStats.State.UP);
        HttpResponse<String> r = PushServerTest.post(b, "/pub/ticker", "lost?".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.body()).contains("\"accepted\":false").contains("bus embedded is down");
        try (PushPublisher p = PushPublisher.connect(b.address())) {
            PublishOutcome o = p.publish("ticker", "lost too?".getBytes(StandardCharsets.UTF_8));
            assertThat(o).isInstanceOf(PublishOutcome.Refused.class);
            assertThat(((PublishOutcome.Refused) o).reason()).contains("is down");
            o = p.publish("ticker", "still refused, and the connection stays open".getBytes(StandardCharsets.UTF_8));
            assertThat(o).isInstanceOf(PublishOutcome.Refused.class);
        }
        assertThat(b.bus().stats().refused()).isGreaterThanOrEqualTo(3);

        hub = HubServer.start(socket, MAX, 1024);
        await("both links up again", () -> a.bus().stats().state() == BusStats.State.UP && b.bus().stats().state() == BusStats.State.UP);
        assertThat(a.bus().stats().reconnects()).isEqualTo(1);
        await("ticker subscribed again", () -> hub.stats().channels() == 1);
        for (int k = 0; k < 10; k++) {
            assertThat(b.publish("ticker", java.nio.ByteBuffer.wrap(("b-" + k).getBytes(StandardCharsets.UTF_8))))
                    .isInstanceOf(PublishOutcome.Accepted.class);
        }
        assertThat(receiveInOrder(inbox, 10)).startsWith("b-0").endsWith("b-9");
        Thread.sleep(200);
        assertThat(inbox.messages).as("none of the refused ones, nothing twice").isEmpty();
    }

    @Test
    void aBusStatsJsonIsServedAtStats() throws Exception {
        PushServer a = node();
        String json = PushServerTest.get(a, "/stats").body();
        assertThat(json).contains("\"bus\":{\"name\":\"embedded\",\"state\":\"up\"").contains("\"reconnects\":0");
        Bus bus = a.bus();
        assertThat(bus.stats().dropped()).isZero();
    }
}
