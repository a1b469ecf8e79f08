package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.HubBroker;
import io.throng.websocket.bus.HubServer;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Centrifugo history under prefork, in one JVM: push servers (the workers) relaying through a real
 * {@link HubServer}, which keeps every channel's history; Centrifugo clients over real sockets,
 * their frames written by hand. A client recovers on whichever worker it reaches, from the one
 * history, with neither a gap nor a duplicate between what it recovers and what comes live.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HubHistoryTest {
    private static final int MAX = 1 << 20;
    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");

    private Path socket;
    private HubServer hub;
    private final List<PushServer> nodes = new ArrayList<>();
    private WebSocketClient client;

    @BeforeEach
    void start() throws Exception {
        socket = Files.createTempDirectory("throng-hub-history").resolve("hub.sock");
        hub = HubServer.start(socket, MAX, 4096);
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        for (PushServer n : nodes) {
            n.close();
        }
        client.close();
        hub.close();
        Files.deleteIfExists(socket.getParent());
    }

    private PushServer worker(int historySize) throws Exception {
        return worker(historySize, 0);
    }

    /** A worker; on {@code port} if not 0, beside the others there (SO_REUSEPORT, as prefork's workers are). */
    private PushServer worker(int historySize, int port) throws Exception {
        return worker(CentrifugoConfig.withSecret(CentrifugoSdkTest.SECRET).withAllowPublish(true)
                .withHistory(HistoryOptions.of(historySize, Duration.ofMinutes(5)).withAllowHistory(true)
                        .withRecoveryMaxPublications(historySize)), port);
    }

    private PushServer worker(CentrifugoConfig centrifugo, int port) throws Exception {
        BusConfig config = BusConfig.embedded().withHub(socket).withBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
        PushServer n = PushServer.start(WsVariant.MULTI.config().withPort(port), WebSocketConfig.defaults(),
                local -> RelayBus.start(new HubBroker(socket, MAX), local, config), centrifugo);
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).isTrue();
        return n;
    }

    private CentrifugoProtocolTest.Conn connected(PushServer n, String user) throws Exception {
        CentrifugoProtocolTest.Conn c = new CentrifugoProtocolTest.Conn();
        c.autoPong = true;
        c.ws = client.connect(WebSocketRequest.to(n.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        c.send(CentrifugoProtocolTest.connect(CentrifugoProtocolTest.token(user, 0)));
        assertThat(c.nextText()).startsWith("{\"id\":1,\"connect\":");
        return c;
    }

    private static void publish(PushServer n, String channel, String json) {
        assertThat(n.publish(channel, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)))).as("published").isInstanceOf(io.throng.websocket.bus.PublishOutcome.Accepted.class);
    }

    @Test
    void aClientRecoversOnAnotherWorkerFromTheHubsHistory() throws Exception {
        PushServer a = worker(100);
        PushServer b = worker(100);
        CentrifugoProtocolTest.Conn ann = connected(a, "ann");
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":2}");
        String first = ann.nextText();
        String epoch = CentrifugoProtocolTest.epochOf(first);
        assertThat(first).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0}}");
        for (int n = 1; n <= 3; n++) {
            publish(n % 2 == 0 ? a : b, "news", "{\"n\":" + n + "}");
            assertThat(ann.nextText()).as("numbered by the hub, whichever worker published")
                    .isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"n\":" + n + "},\"offset\":" + n + "}}}");
        }
        ann.ws.close(1000, "away");
        publish(a, "news", "{\"n\":4}");
        publish(a, "news", "{\"n\":5}"); // one worker's publishes keep their order; two workers' need not

        // back, on the other worker, which has had no subscriber of the channel
        CentrifugoProtocolTest.Conn again = connected(b, "ann");
        again.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(again.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":3,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}]}}");
        publish(a, "news", "{\"n\":6}");
        assertThat(again.nextText()).as("live again through the hub, the next offset")
                .isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"n\":6},\"offset\":6}}}");

        // another epoch: not recovered, told the hub's top
        CentrifugoProtocolTest.Conn stranger = connected(a, "bob");
        stranger.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,"
                + "\"epoch\":\"abcdefgh\"},\"id\":2}");
        assertThat(stranger.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":6,\"was_recovering\":true}}");
        assertThat(b.centrifugo().recoveries()).isEqualTo(1);
        assertThat(a.centrifugo().failedRecoveries()).isEqualTo(1);

        // the history command, on either worker, reads the one history
        stranger.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"reverse\":true},\"id\":3}");
        assertThat(stranger.nextText()).isEqualTo("{\"id\":3,\"history\":{\"publications\":[{\"data\":{\"n\":6},\"offset\":6},"
                + "{\"data\":{\"n\":5},\"offset\":5}],\"epoch\":\"" + epoch + "\",\"offset\":6}}");
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":-1,\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}},\"id\":3}");
        assertThat(again.nextText()).isEqualTo("{\"id\":3,\"history\":{\"publications\":[{\"data\":{\"n\":5},\"offset\":5},"
                + "{\"data\":{\"n\":6},\"offset\":6}],\"epoch\":\"" + epoch + "\",\"offset\":6}}");
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":1,\"since\":{\"offset\":4,\"epoch\":\"abcdefgh\"}},\"id\":4}");
        assertThat(again.nextText()).isEqualTo("{\"id\":4,\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
        assertThat(hub.historyChannels()).isEqualTo(1);
    }

    /**
     * The race the hub's ordering is for: clients on a worker with no subscriber of the channel
     * subscribe and recover from the start while another worker publishes without pause. Each
     * must see every offset from 1 to the last once, in order: some in its subscribe answer, the
     * rest live, none in both and none in neither.
     */
    @Test
    void recoveringWhilePublishingLosesAndRepeatsNothing() throws Exception {
        PushServer publisher = worker(1000);
        PushServer other = worker(1000);
        CentrifugoProtocolTest.Conn first = connected(publisher, "ann");
        first.send("{\"subscribe\":{\"channel\":\"live\",\"positioned\":true},\"id\":2}");
        String epoch = CentrifugoProtocolTest.epochOf(first.nextText());
        int total = 600;
        Thread publishing = Thread.ofPlatform().start(() -> {
            for (int n = 1; n <= total; n++) {
                publish(publisher, "live", "{\"n\":" + n + "}");
                if (n % 20 == 0) {
                    sleep(2);
                }
            }
        });
        List<CentrifugoProtocolTest.Conn> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CentrifugoProtocolTest.Conn c = connected(other, "u" + i);
            c.send("{\"subscribe\":{\"channel\":\"live\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                    + epoch + "\"},\"id\":2}");
            clients.add(c);
            sleep(15);
        }
        publishing.join();
        for (CentrifugoProtocolTest.Conn c : clients) {
            String reply = c.nextText();
            assertThat(reply).startsWith("{\"id\":2,\"subscribe\":").contains("\"recovered\":true");
            List<Long> seen = new ArrayList<>();
            Matcher pubs = OFFSET.matcher(reply.substring(reply.indexOf("\"recovered\"")));
            while (pubs.find()) {
                seen.add(Long.parseLong(pubs.group(1)));
            }
            while (seen.isEmpty() || seen.getLast() < total) {
                Matcher m = OFFSET.matcher(c.nextText());
                assertThat(m.find()).isTrue();
                seen.add(Long.parseLong(m.group(1)));
            }
            List<Long> expected = new ArrayList<>();
            for (long n = 1; n <= total; n++) {
                expected.add(n);
            }
            assertThat(seen).as("every offset once, in order").isEqualTo(expected);
        }
        assertThat(other.centrifugo().recoveries()).isEqualTo(clients.size());
    }

    /**
     * Centrifugo's own SDK (Node) on two workers sharing a port: the worker it is connected to dies
     * (closed, its listener gone), 1,000 publications are made on the other while the SDK waits to
     * reconnect, and the SDK's own recovery, on the other worker, brings all 1,000 in order, then
     * live ones.
     */
    @Test
    void theSdkRecoversOnTheOtherWorkerWhenItsOwnDies() throws Exception {
        PushServer first = worker(2000);
        PushServer second = worker(2000, first.port());
        try (Peer ann = Peer.node(java.util.Map.of("RECOVERABLE", "1", "MIN_RECONNECT_MS", "3000", "MAX_RECONNECT_MS", "4000"),
                "centrifuge-client.mjs", "ws://127.0.0.1:" + first.port() + "/connection/websocket",
                CentrifugoSdkTest.token(CentrifugoSdkTest.SECRET, "ann", new java.util.Date(System.currentTimeMillis() + 3_600_000), null),
                "news")) {
            assertThat(ann.lineStartingWith("subscribed news", 20)).contains("offset=0");
            PushServer dying = first.centrifugo().connects() == 1 ? first : second;
            PushServer other = dying == first ? second : first;
            publish(other, "news", "{\"n\":0}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":0}");

            dying.close();
            nodes.remove(dying);
            ann.lineStartingWith("connecting", 10); // the SDK's reconnecting state: it comes back on its own
            for (int n = 1; n <= 1000; n++) {
                publish(other, "news", "{\"n\":" + n + "}");
            }
            assertThat(other.centrifugo().connects()).as("still away when the 1,000th was published").isZero();

            assertThat(ann.lineStartingWith("subscribed news", 30)).contains("was-recovering recovered=true");
            for (int n = 1; n <= 1000; n++) {
                assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":" + n + "}");
            }
            assertThat(ann.lineStartingWith("recovered news", 10)).isEqualTo("recovered news 1000");
            assertThat(other.centrifugo().recoveries()).isEqualTo(1);
            publish(other, "news", "{\"n\":1001}");
            assertThat(ann.lineStartingWith("pub ", 10)).as("then live, nothing twice").isEqualTo("pub news {\"n\":1001}");
        }
    }

    /**
     * The server API on one worker answers presence and presence_stats over every worker's
     * subscribers of the channel, and disconnects a user on every worker (each worker asked
     * through the hub).
     */
    @Test
    void theServerApiSeesAndDisconnectsEveryWorkersClients() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(CentrifugoSdkTest.SECRET)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, false, false, false))
                .withApiKey(io.throng.websocket.centrifugo.ApiKey.of(CentrifugoApiTest.KEY.getBytes(StandardCharsets.US_ASCII)));
        PushServer a = worker(config, 0);
        PushServer b = worker(config, 0);
        List<CentrifugoProtocolTest.Conn> conns = new ArrayList<>();
        for (String[] who : new String[][] {{"ann", "a"}, {"bob", "b"}, {"bob", "b"}, {"cat", "a"}}) {
            CentrifugoProtocolTest.Conn c = connected(who[1].equals("a") ? a : b, who[0]);
            c.send("{\"subscribe\":{\"channel\":\"room\"},\"id\":2}");
            assertThat(c.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
            conns.add(c);
        }
        // each worker's subscription reaches the hub in its own time: the gather asks those it knows
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String stats;
        do {
            assertThat(System.nanoTime()).as("both workers' subscribers counted").isLessThan(deadline);
            stats = CentrifugoApiTest.call(a, "presence_stats", "{\"channel\":\"room\"}");
        } while (!stats.equals("{\"result\":{\"num_clients\":4,\"num_users\":3}}"));
        String presence = CentrifugoApiTest.call(b, "presence", "{\"channel\":\"room\"}");
        assertThat(presence).startsWith("{\"result\":{\"presence\":{");
        for (String user : List.of("ann", "bob", "cat")) {
            assertThat(presence).contains("\"user\":\"" + user + "\"");
        }
        assertThat(presence.split("\"user\":")).as("four clients").hasSize(5);

        assertThat(CentrifugoApiTest.call(a, "disconnect", "{\"user\":\"bob\"}")).isEqualTo("{\"result\":{}}");
        assertThat(conns.get(1).closedWith()).isEqualTo("3503 force disconnect");
        assertThat(conns.get(2).closedWith()).as("bob's other connection, on the same other worker").isEqualTo("3503 force disconnect");
        assertThat(CentrifugoApiTest.call(b, "presence_stats", "{\"channel\":\"room\"}"))
                .isEqualTo("{\"result\":{\"num_clients\":2,\"num_users\":2}}");
    }

    /**
     * A client's presence and presence_stats commands answer for every worker's subscribers of the
     * channel, and a join or leave on one worker is pushed to the subscribers that asked for them on
     * every worker, once.
     */
    @Test
    void aClientsPresenceAndTheJoinsAndLeavesReachEveryWorker() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(CentrifugoSdkTest.SECRET)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, true, true, false));
        PushServer a = worker(config, 0);
        PushServer b = worker(config, 0);
        CentrifugoProtocolTest.Conn ann = connected(a, "ann");
        ann.send("{\"subscribe\":{\"channel\":\"room\",\"join_leave\":true},\"id\":2}");
        assertThat(ann.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        assertThat(ann.nextText()).as("its own join").startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"ann\"");
        // the hub learns of a's subscription in its own time: bob joins once it has (a's presence counts ann)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            ann.send("{\"presence_stats\":{\"channel\":\"room\"},\"id\":3}");
            if (ann.nextText().equals("{\"id\":3,\"presence_stats\":{\"num_clients\":1,\"num_users\":1}}")) {
                break;
            }
            assertThat(System.nanoTime()).as("ann's worker known to the hub").isLessThan(deadline);
            sleep(50);
        }
        CentrifugoProtocolTest.Conn bob = connected(b, "bob");
        bob.send("{\"subscribe\":{\"channel\":\"room\",\"join_leave\":true},\"id\":2}");
        assertThat(bob.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        assertThat(bob.nextText()).as("its own join, once").startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"bob\"");
        assertThat(ann.nextText()).as("bob's join, from the other worker")
                .startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"bob\"");

        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            bob.send("{\"presence\":{\"channel\":\"room\"},\"id\":4}");
            String p = bob.nextText();
            assertThat(p).startsWith("{\"id\":4,\"presence\":{\"presence\":{");
            if (p.contains("\"user\":\"ann\"") && p.contains("\"user\":\"bob\"")) {
                break;
            }
            assertThat(System.nanoTime()).as("both workers' subscribers in bob's presence").isLessThan(deadline);
            sleep(50);
        }
        ann.send("{\"presence_stats\":{\"channel\":\"room\"},\"id\":5}");
        assertThat(ann.nextText()).isEqualTo("{\"id\":5,\"presence_stats\":{\"num_clients\":2,\"num_users\":2}}");

        bob.ws.close(1000, "bye");
        assertThat(ann.nextText()).as("bob's leave, from the other worker")
                .startsWith("{\"push\":{\"channel\":\"room\",\"leave\":{\"info\":{\"user\":\"bob\"");
        ann.send("{\"presence_stats\":{\"channel\":\"room\"},\"id\":6}");
        assertThat(ann.nextText()).isEqualTo("{\"id\":6,\"presence_stats\":{\"num_clients\":1,\"num_users\":1}}");
        sleep(300);
        assertThat(ann.messages).as("no join or leave twice").isEmpty();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
