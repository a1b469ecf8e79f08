package io.throng.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.Receipt;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Centrifugo history across push nodes on one real nats-server with JetStream (started by the
 * test): each node has its own NATS link, the history is kept in JetStream for all of them, and
 * Centrifugo clients over real sockets recover on whichever node they reach, with neither a gap
 * nor a duplicate between what they recover and what comes live. The same as {@code HubHistoryTest}
 * (prefork) does for the hub.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NatsHistoryTest {
    private static final int MAX = 1 << 20;
    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");
    private static final Pattern PUB = Pattern.compile("\"data\":(\\{[^}]*}),\"offset\":(\\d+)");

    private final List<PushServer> nodes = new ArrayList<>();
    private BrokerProcess nats;
    private WebSocketClient client;

    @AfterEach
    void stop() throws Exception {
        for (PushServer n : nodes) {
            n.close();
        }
        if (client != null) {
            client.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    private void startNats(boolean jetStream) throws Exception {
        nats = jetStream ? BrokerProcess.startNatsWithJetStream() : BrokerProcess.start(BrokerProcess.Kind.NATS);
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
    }

    private PushServer node(int historySize) throws Exception {
        return node(HistoryOptions.of(historySize, Duration.ofMinutes(5)).withAllowHistory(true)
                .withRecoveryMaxPublications(historySize));
    }

    private PushServer node(HistoryOptions history) throws Exception {
        BusConfig config = BusConfig.parse(nats.url()).withBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .withTimeout(Duration.ofSeconds(2)).withHeartbeat(Duration.ofMillis(500));
        ServerConfig server = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.MULTI_REACTOR)
                .withLoops(1).withShutdownTimeout(Duration.ofSeconds(3));
        CentrifugoConfig centrifugo = CentrifugoConfig.of((byte[]) null, true).withAllowPublish(true).withHistory(history);
        PushServer n = PushServer.start(server, WebSocketConfig.defaults(), local -> Buses.open(config, local, MAX), centrifugo);
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).as(n.bus().stats().toString()).isTrue();
        return n;
    }

    /** Publishes through {@code n} and waits until the bus has stored it (so that the next publish, anywhere, comes after). */
    private static void published(PushServer n, String channel, String json) {
        PublishOutcome o = n.publish(channel, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(o).as("published").isInstanceOf(PublishOutcome.Accepted.class);
        Receipt r = ((PublishOutcome.Accepted) o).receipt();
        assertThat(r.await()).as(String.valueOf(r.reason())).isEqualTo(Receipt.State.RELAYED);
    }

    @Test
    void aClientRecoversOnAnotherNodeFromJetStream() throws Exception {
        startNats(true);
        PushServer a = node(100);
        PushServer b = node(100);
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":2}");
        String first = ann.next();
        String epoch = epochOf(first);
        assertThat(first).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0}}");
        for (int n = 1; n <= 3; n++) {
            published(n % 2 == 0 ? a : b, "news", "{\"n\":" + n + "}");
            assertThat(ann.next()).as("numbered in JetStream, whichever node published")
                    .isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"n\":" + n + "},\"offset\":" + n + "}}}");
        }
        ann.close();
        published(a, "news", "{\"n\":4}");
        published(b, "news", "{\"n\":5}");

        // back, on the other node
        CentrifugoConn again = CentrifugoConn.connect(client, b);
        again.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(again.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":3,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}]}}");
        published(a, "news", "{\"n\":6}");
        assertThat(again.next()).as("live again, the next offset")
                .isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"n\":6},\"offset\":6}}}");

        // another epoch: not recovered, told the top
        CentrifugoConn stranger = CentrifugoConn.connect(client, a);
        stranger.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,"
                + "\"epoch\":\"abcdefgh\"},\"id\":2}");
        assertThat(stranger.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":6,\"was_recovering\":true}}");
        assertThat(b.centrifugo().recoveries()).isEqualTo(1);
        assertThat(a.centrifugo().failedRecoveries()).isEqualTo(1);

        // the history command, on either node, reads the one history
        stranger.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"reverse\":true},\"id\":3}");
        assertThat(stranger.next()).isEqualTo("{\"id\":3,\"history\":{\"publications\":[{\"data\":{\"n\":6},\"offset\":6},"
                + "{\"data\":{\"n\":5},\"offset\":5}],\"epoch\":\"" + epoch + "\",\"offset\":6}}");
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":-1,\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}},\"id\":3}");
        assertThat(again.next()).isEqualTo("{\"id\":3,\"history\":{\"publications\":[{\"data\":{\"n\":5},\"offset\":5},"
                + "{\"data\":{\"n\":6},\"offset\":6}],\"epoch\":\"" + epoch + "\",\"offset\":6}}");
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":1,\"since\":{\"offset\":4,\"epoch\":\"abcdefgh\"}},\"id\":4}");
        assertThat(again.next()).isEqualTo("{\"id\":4,\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
        assertThat(again.poll(300)).as("nothing twice").isNull();
        assertThat(stranger.poll(0)).isNull();
    }

    /**
     * Two nodes publish to one channel at once, each as fast as its link goes: JetStream's
     * expected-last-sequence check makes them take turns, so a subscriber on a third node sees
     * offsets 1 to the last, in order, once each, and every node reads the same history.
     */
    @Test
    void publicationsFromTwoNodesAtOnceGetContiguousOffsets() throws Exception {
        startNats(true);
        PushServer a = node(1000);
        PushServer b = node(1000);
        PushServer c = node(1000);
        CentrifugoConn watcher = CentrifugoConn.connect(client, c);
        watcher.send("{\"subscribe\":{\"channel\":\"race\",\"recoverable\":true},\"id\":2}");
        assertThat(watcher.next()).contains("\"offset\":0}}");
        int each = 150;
        List<Thread> publishers = new ArrayList<>();
        for (PushServer n : List.of(a, b)) {
            String who = n == a ? "a" : "b";
            publishers.add(Thread.ofPlatform().start(() -> {
                List<Receipt> receipts = new ArrayList<>();
                for (int k = 1; k <= each; k++) {
                    PublishOutcome o = n.publish("race", ByteBuffer.wrap(("{\"p\":\"" + who + "\",\"k\":" + k + "}")
                            .getBytes(StandardCharsets.UTF_8)));
                    receipts.add(((PublishOutcome.Accepted) o).receipt());
                }
                for (Receipt r : receipts) {
                    assertThat(r.await()).as(String.valueOf(r.reason())).isEqualTo(Receipt.State.RELAYED);
                }
            }));
        }
        for (Thread t : publishers) {
            t.join();
        }
        List<String> live = new ArrayList<>();
        for (int offset = 1; offset <= 2 * each; offset++) {
            Matcher m = PUB.matcher(watcher.next());
            assertThat(m.find()).isTrue();
            assertThat(Long.parseLong(m.group(2))).as("offsets in order, none skipped or twice").isEqualTo(offset);
            live.add(m.group(1));
        }
        assertThat(new HashSet<>(live)).as("each publication once").hasSize(2 * each);
        for (String who : List.of("a", "b")) {
            List<Integer> ks = live.stream().filter(d -> d.contains("\"" + who + "\"")).map(d -> Integer.parseInt(d.replaceAll(".*\"k\":(\\d+).*", "$1"))).toList();
            assertThat(ks).as(who + "'s publications in its order").isSorted().hasSize(each);
        }
        for (PushServer n : List.of(a, b, c)) {
            CentrifugoConn reader = CentrifugoConn.connect(client, n);
            reader.send("{\"subscribe\":{\"channel\":\"race\"},\"id\":2}"); // the history is for subscribers
            assertThat(reader.next()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
            reader.send("{\"history\":{\"channel\":\"race\",\"limit\":300},\"id\":3}");
            String h = reader.next();
            List<String> read = new ArrayList<>();
            Matcher m = PUB.matcher(h);
            while (m.find()) {
                read.add(m.group(1));
            }
            assertThat(read).as("node " + nodes.indexOf(n) + "'s history").isEqualTo(live);
        }
    }

    /**
     * The race the ordering is for: clients on a node that has no subscriber of the channel
     * subscribe and recover from the start while another node publishes without pause. Each must
     * see every offset from 1 to the last once, in order: some in its subscribe answer, the rest
     * live, none in both and none in neither.
     */
    @Test
    void recoveringWhilePublishingLosesAndRepeatsNothing() throws Exception {
        startNats(true);
        PushServer publisher = node(1000);
        PushServer other = node(1000);
        CentrifugoConn first = CentrifugoConn.connect(client, publisher);
        first.send("{\"subscribe\":{\"channel\":\"live\",\"positioned\":true},\"id\":2}");
        String epoch = epochOf(first.next());
        int total = 600;
        Thread publishing = Thread.ofPlatform().start(() -> {
            for (int n = 1; n <= total; n++) {
                publisher.publish("live", ByteBuffer.wrap(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)));
                if (n % 20 == 0) {
                    sleep(2);
                }
            }
        });
        List<CentrifugoConn> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CentrifugoConn c = CentrifugoConn.connect(client, other);
            c.send("{\"subscribe\":{\"channel\":\"live\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                    + epoch + "\"},\"id\":2}");
            clients.add(c);
            sleep(15);
        }
        publishing.join();
        for (CentrifugoConn c : clients) {
            String reply = c.next();
            assertThat(reply).startsWith("{\"id\":2,\"subscribe\":").contains("\"recovered\":true");
            List<Long> seen = new ArrayList<>();
            Matcher pubs = OFFSET.matcher(reply.substring(reply.indexOf("\"recovered\"")));
            while (pubs.find()) {
                seen.add(Long.parseLong(pubs.group(1)));
            }
            while (seen.isEmpty() || seen.getLast() < total) {
                Matcher m = OFFSET.matcher(c.next());
                assertThat(m.find()).isTrue();
                seen.add(Long.parseLong(m.group(1)));
            }
            List<Long> expected = new ArrayList<>();
            for (long n = 1; n <= total; n++) {
                expected.add(n);
            }
            assertThat(seen).as("every offset once, in order").isEqualTo(expected);
            assertThat(c.poll(0)).isNull();
        }
        assertThat(other.centrifugo().recoveries()).isEqualTo(clients.size());
    }

    /**
     * A client away while 1,000 publications are made on one node recovers all of them, in order,
     * on another node (a search for the first missed, then one direct get each), then gets the
     * next one live; the time the recovery took is printed.
     */
    @Test
    void aThousandMissedPublicationsAreRecoveredOnAnotherNode() throws Exception {
        startNats(true);
        PushServer a = node(2000);
        PushServer b = node(2000);
        published(a, "many", "{\"n\":0}");
        List<Receipt> receipts = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int n = 1; n <= 1000; n++) {
            PublishOutcome o = a.publish("many", ByteBuffer.wrap(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)));
            receipts.add(((PublishOutcome.Accepted) o).receipt());
        }
        for (Receipt r : receipts) {
            assertThat(r.await()).as(String.valueOf(r.reason())).isEqualTo(Receipt.State.RELAYED);
        }
        long stored = System.nanoTime() - t0;
        CentrifugoConn probe = CentrifugoConn.connect(client, a);
        probe.send("{\"subscribe\":{\"channel\":\"many\",\"recoverable\":true},\"id\":2}");
        String position = probe.next();
        String epoch = epochOf(position);
        assertThat(position).endsWith("\"offset\":1001}}");

        CentrifugoConn back = CentrifugoConn.connect(client, b);
        long t1 = System.nanoTime();
        back.send("{\"subscribe\":{\"channel\":\"many\",\"recoverable\":true,\"recover\":true,\"offset\":1,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        String reply = back.next();
        long recovered = System.nanoTime() - t1;
        assertThat(reply).contains("\"recovered\":true");
        Matcher m = PUB.matcher(reply);
        int expect = 1;
        while (m.find()) {
            assertThat(m.group(1)).isEqualTo("{\"n\":" + expect + "}");
            assertThat(Long.parseLong(m.group(2))).isEqualTo(expect + 1);
            expect++;
        }
        assertThat(expect).as("all 1,000").isEqualTo(1001);
        published(a, "many", "{\"n\":1001}");
        assertThat(back.next()).isEqualTo("{\"push\":{\"channel\":\"many\",\"pub\":{\"data\":{\"n\":1001},\"offset\":1002}}}");
        System.out.printf("NATS history: 1,000 publications stored by one node in %.0f ms, recovered on another in %.0f ms%n",
                stored / 1e6, recovered / 1e6);
    }

    /**
     * What the offsets rest on, checked against this nats-server: a publish that expects the
     * channel to be empty (expected last subject sequence 0), as two nodes' first publications to a
     * new channel both do, is refused once the channel has a message.
     */
    @Test
    void jetStreamRefusesASecondFirstMessage() throws Exception {
        startNats(true);
        PushServer a = node(10);
        published(a, "first", "{\"n\":1}");
        io.nats.client.Connection nc = io.nats.client.Nats.connect(nats.url());
        try {
            io.nats.client.JetStream js = nc.jetStream();
            String subject = NatsHistory.stored(NatsHistory.key(HistoryOptions.of(10, Duration.ofMinutes(5))), "first");
            io.nats.client.impl.Headers h = new io.nats.client.impl.Headers().put("Nats-Expected-Last-Subject-Sequence", "0");
            io.nats.client.Message m = io.nats.client.impl.NatsMessage.builder().subject(subject).headers(h).data(new byte[1]).build();
            io.nats.client.JetStreamApiException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    io.nats.client.JetStreamApiException.class, () -> js.publish(m));
            assertThat(refused.getApiErrorCode()).isEqualTo(10071);
        } finally {
            nc.close();
        }
    }

    /**
     * A namespace's size and TTL hold across nodes: the stream keeps the newest {@code size}
     * publications of the channel (a client further behind is not recovered), a publication older
     * than the TTL is no longer history, but the position (epoch and top offset) stays until the
     * meta TTL, so a client that missed nothing still recovers.
     */
    @Test
    void theSizeAndTtlBoundTheHistoryButNotThePosition() throws Exception {
        startNats(true);
        HistoryOptions small = HistoryOptions.of(3, Duration.ofMillis(1500)).withAllowHistory(true).withRecoveryMaxPublications(10);
        PushServer a = node(small);
        PushServer b = node(small);
        for (int n = 1; n <= 5; n++) {
            published(n % 2 == 0 ? a : b, "small", "{\"n\":" + n + "}");
        }
        CentrifugoConn c = CentrifugoConn.connect(client, a);
        c.send("{\"subscribe\":{\"channel\":\"small\"},\"id\":1}"); // the history is for subscribers
        assertThat(c.next()).isEqualTo("{\"id\":1,\"subscribe\":{}}");
        c.send("{\"history\":{\"channel\":\"small\",\"limit\":-1},\"id\":2}");
        String h = c.next();
        String epoch = epochOf(h);
        assertThat(h).isEqualTo("{\"id\":2,\"history\":{\"publications\":[{\"data\":{\"n\":3},\"offset\":3},"
                + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}],\"epoch\":\"" + epoch + "\",\"offset\":5}}");
        CentrifugoConn behind = CentrifugoConn.connect(client, b);
        behind.send("{\"subscribe\":{\"channel\":\"small\",\"recoverable\":true,\"recover\":true,\"offset\":1,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(behind.next()).as("offset 2 was trimmed").isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\""
                + epoch + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true}}");
        CentrifugoConn near = CentrifugoConn.connect(client, b);
        near.send("{\"subscribe\":{\"channel\":\"small\",\"recoverable\":true,\"recover\":true,\"offset\":2,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(near.next()).contains("\"recovered\":true,\"publications\":[{\"data\":{\"n\":3},\"offset\":3},");

        Thread.sleep(1800); // past the TTL
        c.send("{\"history\":{\"channel\":\"small\",\"limit\":-1},\"id\":3}");
        assertThat(c.next()).isEqualTo("{\"id\":3,\"history\":{\"epoch\":\"" + epoch + "\",\"offset\":5}}");
        CentrifugoConn late = CentrifugoConn.connect(client, b);
        late.send("{\"subscribe\":{\"channel\":\"small\",\"recoverable\":true,\"recover\":true,\"offset\":5,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(late.next()).as("nothing missed: recovered, on the same epoch").isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\""
                + epoch + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true,\"recovered\":true}}");
        late.send("{\"subscribe\":{\"channel\":\"other\",\"recoverable\":true,\"recover\":true,\"offset\":4,\"epoch\":\""
                + epoch + "\"},\"id\":3}");
        assertThat(late.next()).as("another channel, another epoch").doesNotContain("\"recovered\":true");
    }

    /**
     * A channel idle for its meta TTL is forgotten (JetStream's MaxAge removes its last message):
     * a client of the old epoch is told it was not recovered, with the new epoch, and the next
     * publication, from a node that knew the old one, is offset 1 of the new epoch.
     */
    @Test
    void aChannelIdleForItsMetaTtlStartsANewEpoch() throws Exception {
        startNats(true);
        HistoryOptions brief = new HistoryOptions(10, Duration.ofSeconds(1), Duration.ofSeconds(2), false, true, 10);
        PushServer a = node(brief);
        PushServer b = node(brief);
        published(a, "brief", "{\"n\":1}");
        CentrifugoConn ann = CentrifugoConn.connect(client, b);
        ann.send("{\"subscribe\":{\"channel\":\"brief\",\"recoverable\":true},\"id\":2}");
        String old = epochOf(ann.next());
        ann.close();
        Thread.sleep(3500); // past the meta TTL, and JetStream's next expiry pass

        CentrifugoConn back = CentrifugoConn.connect(client, b);
        back.send("{\"subscribe\":{\"channel\":\"brief\",\"recoverable\":true,\"recover\":true,\"offset\":1,\"epoch\":\""
                + old + "\"},\"id\":2}");
        String reply = back.next();
        String epoch = epochOf(reply);
        assertThat(epoch).isNotEqualTo(old);
        assertThat(reply).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0,\"was_recovering\":true}}");
        published(a, "brief", "{\"n\":2}");
        assertThat(back.next()).isEqualTo("{\"push\":{\"channel\":\"brief\",\"pub\":{\"data\":{\"n\":2},\"offset\":1}}}");
    }

    /**
     * The history is JetStream's, on its disk: nats-server killed (SIGKILL) and started again under
     * running nodes, they reconnect and a client recovers what it missed before and during the
     * outage's end, on the same epoch, then gets the next offsets live.
     */
    @Test
    void theHistoryOutlivesARestartOfNatsServer() throws Exception {
        startNats(true);
        PushServer a = node(100);
        PushServer b = node(100);
        for (int n = 1; n <= 3; n++) {
            published(a, "kept", "{\"n\":" + n + "}");
        }
        CentrifugoConn reader = CentrifugoConn.connect(client, b);
        reader.send("{\"subscribe\":{\"channel\":\"kept\",\"recoverable\":true},\"id\":2}");
        String epoch = epochOf(reader.next());
        reader.close();

        nats.kill();
        nats.startAgain();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) { // both links back and rejoined: publishes are accepted again
            PublishOutcome o = a.publish("kept", ByteBuffer.wrap("{\"n\":4}".getBytes(StandardCharsets.UTF_8)));
            if (o instanceof PublishOutcome.Accepted acc && acc.receipt().await() == Receipt.State.RELAYED) {
                break;
            }
            assertThat(System.nanoTime()).as("the nodes back on NATS").isLessThan(deadline);
            Thread.sleep(50);
        }
        CentrifugoConn back = CentrifugoConn.connect(client, b);
        back.send("{\"subscribe\":{\"channel\":\"kept\",\"recoverable\":true,\"recover\":true,\"offset\":2,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(back.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":2,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                + "{\"data\":{\"n\":3},\"offset\":3},{\"data\":{\"n\":4},\"offset\":4}]}}");
        published(a, "kept", "{\"n\":5}");
        assertThat(back.next()).isEqualTo("{\"push\":{\"channel\":\"kept\",\"pub\":{\"data\":{\"n\":5},\"offset\":5}}}");
    }

    /**
     * A NATS server without JetStream: the bus still relays (publications arrive, without offsets),
     * a positioned subscribe is at offset 0, a recovering one is told it was not recovered (the app
     * reloads its state), and the history is empty.
     */
    @Test
    void withoutJetStreamTheBusRelaysButKeepsNoHistory() throws Exception {
        startNats(false);
        PushServer a = node(100);
        PushServer b = node(100);
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"plain\"},\"id\":2}");
        assertThat(ann.next()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String got;
        do { // the subscription reaches NATS in its own time
            assertThat(System.nanoTime()).isLessThan(deadline);
            published(b, "plain", "{\"n\":1}");
            got = ann.poll(100);
        } while (got == null);
        assertThat(got).isEqualTo("{\"push\":{\"channel\":\"plain\",\"pub\":{\"data\":{\"n\":1}}}}");
        ann.send("{\"subscribe\":{\"channel\":\"kept\",\"recoverable\":true},\"id\":3}");
        String positioned = nextReply(ann);
        String epoch = epochOf(positioned);
        assertThat(positioned).isEqualTo("{\"id\":3,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0}}");
        CentrifugoConn bob = CentrifugoConn.connect(client, a);
        bob.send("{\"subscribe\":{\"channel\":\"kept\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(bob.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0,\"was_recovering\":true}}");
        published(b, "kept", "{\"n\":2}");
        assertThat(bob.next()).as("no offset: nothing numbers it").isEqualTo("{\"push\":{\"channel\":\"kept\",\"pub\":{\"data\":{\"n\":2}}}}");
        bob.send("{\"history\":{\"channel\":\"kept\",\"limit\":-1},\"id\":3}");
        assertThat(bob.next()).isEqualTo("{\"id\":3,\"history\":{\"epoch\":\"" + epoch + "\",\"offset\":0}}");
    }

    /** The next frame that is not a publication. */
    private static String nextReply(CentrifugoConn c) throws InterruptedException {
        String r;
        do {
            r = c.next();
        } while (r.startsWith("{\"push\""));
        return r;
    }

    static String epochOf(String reply) {
        Matcher m = Pattern.compile("\"epoch\":\"([a-zA-Z]{8})\"").matcher(reply);
        assertThat(m.find()).as(reply).isTrue();
        return m.group(1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
