package io.throng.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.SocketOptions;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.push.PushServer;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import redis.clients.jedis.Jedis;

/**
 * Centrifugo history across push nodes on one real Redis (started by the test), which keeps every
 * channel's history for all of them: push nodes in this JVM, each with its own bus link, and
 * Centrifugo clients over real sockets, their frames written by hand. A client recovers on
 * whichever node it reaches, from the one history, with neither a gap nor a duplicate between
 * what it recovers and what comes live; the history outlives the nodes. The same as
 * throng-websocket's HubHistoryTest (the prefork hub), on Redis.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisHistoryTest {
    private static final int MAX = 1 << 20;
    private static final byte[] SECRET = "a-secret-of-thirty-two-bytes-!!!".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern OFFSET = Pattern.compile("\"offset\":(\\d+)");

    private BrokerProcess redis;
    private final List<PushServer> nodes = new ArrayList<>();
    private WebSocketClient client;

    @BeforeEach
    void start() throws Exception {
        redis = BrokerProcess.start(BrokerProcess.Kind.REDIS);
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
    }

    @AfterEach
    void stop() throws Exception {
        for (PushServer n : nodes) {
            n.close();
        }
        client.close();
        redis.close();
    }

    private PushServer node(int historySize) throws Exception {
        return node(HistoryOptions.of(historySize, Duration.ofMinutes(5)).withAllowHistory(true)
                .withRecoveryMaxPublications(historySize));
    }

    private PushServer node(HistoryOptions history) throws Exception {
        return node(history, 0);
    }

    /** A node; on {@code port} if not 0, beside another there (SO_REUSEPORT: the kernel spreads connections over both). */
    private PushServer node(HistoryOptions history, int port) throws Exception {
        BusConfig config = BusConfig.parse(redis.url()).withBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .withTimeout(Duration.ofSeconds(2)).withHeartbeat(Duration.ofMillis(500));
        ServerConfig server = ServerConfig.defaults().withHost("127.0.0.1").withPort(port).withModel(Model.MULTI_REACTOR)
                .withLoops(1).withSocket(SocketOptions.DEFAULT.withReusePort(true)).withShutdownTimeout(Duration.ofSeconds(3));
        CentrifugoConfig centrifugo = CentrifugoConfig.of(SECRET, true).withAllowPublish(true).withHistory(history);
        PushServer n = PushServer.start(server, WebSocketConfig.defaults(), local -> Buses.open(config, local, MAX), centrifugo);
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).isTrue();
        assertThat(n.bus().sharedHistory()).as("Redis keeps the history").isNotNull();
        return n;
    }

    /** Publishes through {@code n} and waits for Redis's acknowledgement (the store script ran). */
    private static void publish(PushServer n, String channel, String json) {
        PublishOutcome o = n.publish(channel, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
        assertThat(o).as("accepted").isInstanceOf(PublishOutcome.Accepted.class);
        assertThat(((PublishOutcome.Accepted) o).confirmed()).as("stored").isInstanceOf(PublishOutcome.Accepted.class);
    }

    private static String push(String channel, String data, long offset) {
        return "{\"push\":{\"channel\":\"" + channel + "\",\"pub\":{\"data\":" + data + ",\"offset\":" + offset + "}}}";
    }

    @Test
    void aClientRecoversOnAnotherNodeFromRedis() throws Exception {
        PushServer a = node(100);
        PushServer b = node(100);
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":2}");
        String first = ann.next();
        String epoch = CentrifugoConn.epochOf(first);
        assertThat(first).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":0}}");
        for (int n = 1; n <= 3; n++) {
            publish(n % 2 == 0 ? a : b, "news", "{\"n\":" + n + "}");
            assertThat(ann.next()).as("numbered in Redis, whichever node published").isEqualTo(push("news", "{\"n\":" + n + "}", n));
        }
        ann.close();
        publish(a, "news", "{\"n\":4}");
        publish(b, "news", "{\"n\":5}");

        // back, on the other node, which has had no subscriber of the channel
        CentrifugoConn again = CentrifugoConn.connect(client, b);
        again.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(again.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":3,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}]}}");
        publish(a, "news", "{\"n\":6}");
        assertThat(again.next()).as("live again through Redis, the next offset").isEqualTo(push("news", "{\"n\":6}", 6));

        // another epoch: not recovered, told Redis's top
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
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"reverse\":true,\"since\":{\"offset\":4,\"epoch\":\""
                + epoch + "\"}},\"id\":4}");
        assertThat(again.next()).isEqualTo("{\"id\":4,\"history\":{\"publications\":[{\"data\":{\"n\":3},\"offset\":3},"
                + "{\"data\":{\"n\":2},\"offset\":2}],\"epoch\":\"" + epoch + "\",\"offset\":6}}");
        again.send("{\"history\":{\"channel\":\"news\",\"limit\":1,\"since\":{\"offset\":4,\"epoch\":\"abcdefgh\"}},\"id\":5}");
        assertThat(again.next()).isEqualTo("{\"id\":5,\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
        Thread.sleep(200);
        assertThat(again.hasMore() || stranger.hasMore()).as("nothing twice").isFalse();
    }

    /**
     * The race the scripts' ordering is for: clients on a node with no subscriber of the channel
     * subscribe and recover from the start while another node publishes without pause. Each must
     * see every offset from 1 to the last once, in order: some in its subscribe answer, the rest
     * live, none in both and none in neither.
     */
    @Test
    void recoveringWhilePublishingLosesAndRepeatsNothing() throws Exception {
        PushServer publisher = node(1000);
        PushServer other = node(1000);
        CentrifugoConn first = CentrifugoConn.connect(client, publisher);
        first.send("{\"subscribe\":{\"channel\":\"live\",\"positioned\":true},\"id\":2}");
        String epoch = CentrifugoConn.epochOf(first.next());
        int total = 600;
        List<Throwable> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread publishing = Thread.ofPlatform().start(() -> {
            try {
                for (int n = 1; n <= total; n++) {
                    PublishOutcome o = publisher.publish("live", ByteBuffer.wrap(("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8)));
                    assertThat(o).isInstanceOf(PublishOutcome.Accepted.class);
                    if (n % 5 == 0) {
                        Thread.sleep(2); // 600 take 240 ms or more: the 12 clients subscribe in the midst of them
                    }
                }
            } catch (Throwable e) {
                failed.add(e);
            }
        });
        List<CentrifugoConn> clients = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            CentrifugoConn c = CentrifugoConn.connect(client, other);
            c.send("{\"subscribe\":{\"channel\":\"live\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                    + epoch + "\"},\"id\":2}");
            clients.add(c);
            Thread.sleep(15);
        }
        publishing.join();
        assertThat(failed).isEmpty();
        List<Long> expected = new ArrayList<>();
        for (long n = 1; n <= total; n++) {
            expected.add(n);
        }
        int recoveredSome = 0;
        for (CentrifugoConn c : clients) {
            String reply = c.next();
            assertThat(reply).startsWith("{\"id\":2,\"subscribe\":").contains("\"recovered\":true");
            List<Long> seen = new ArrayList<>();
            Matcher pubs = OFFSET.matcher(reply.substring(reply.indexOf("\"recovered\"")));
            while (pubs.find()) {
                seen.add(Long.parseLong(pubs.group(1)));
            }
            if (!seen.isEmpty() && seen.getLast() < total) {
                recoveredSome++; // this one subscribed while publications were being made
            }
            while (seen.isEmpty() || seen.getLast() < total) {
                Matcher m = OFFSET.matcher(c.next());
                assertThat(m.find()).isTrue();
                seen.add(Long.parseLong(m.group(1)));
            }
            assertThat(seen).as("every offset once, in order").isEqualTo(expected);
        }
        assertThat(other.centrifugo().recoveries()).isEqualTo(clients.size());
        assertThat(recoveredSome).as("some clients recovered part and got the rest live").isPositive();
    }

    /**
     * Centrifugo's own SDK (Node) on two nodes sharing a port: the node it is connected to dies
     * (closed, its listener gone), 500 publications are made on the other while the SDK waits to
     * reconnect, and the SDK's own recovery, on the other node, brings all 500 in order from
     * Redis, then live ones.
     */
    @Test
    void theSdkRecoversOnTheOtherNodeWhenItsOwnDies() throws Exception {
        HistoryOptions history = HistoryOptions.of(1000, Duration.ofMinutes(5)).withRecoveryMaxPublications(1000);
        PushServer first = node(history, 0);
        PushServer second = node(history, first.port());
        try (SdkPeer ann = SdkPeer.client(java.util.Map.of("RECOVERABLE", "1", "MIN_RECONNECT_MS", "3000", "MAX_RECONNECT_MS", "4000"),
                "ws://127.0.0.1:" + first.port() + "/connection/websocket", "-", "news")) {
            assertThat(ann.lineStartingWith("subscribed news", 20)).contains("offset=0");
            PushServer dying = first.centrifugo().connects() == 1 ? first : second;
            PushServer other = dying == first ? second : first;
            publish(other, "news", "{\"n\":0}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":0}");

            dying.close();
            nodes.remove(dying);
            ann.lineStartingWith("connecting", 10); // the SDK's reconnecting state: it comes back on its own
            for (int n = 1; n <= 500; n++) {
                publish(other, "news", "{\"n\":" + n + "}");
            }
            assertThat(other.centrifugo().connects()).as("still away when the 500th was published").isZero();

            assertThat(ann.lineStartingWith("subscribed news", 30)).contains("was-recovering recovered=true");
            for (int n = 1; n <= 500; n++) {
                assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":" + n + "}");
            }
            assertThat(ann.lineStartingWith("recovered news", 10)).isEqualTo("recovered news 500");
            assertThat(other.centrifugo().recoveries()).isEqualTo(1);
            publish(other, "news", "{\"n\":501}");
            assertThat(ann.lineStartingWith("pub ", 10)).as("then live, nothing twice").isEqualTo("pub news {\"n\":501}");
        }
    }

    /**
     * The history is Redis's, not a node's: a node that stops and a new one in its place (a
     * restart) answer with the same epoch and publications; what is stored where, and for how
     * long, is what docs/centrifugo.md says.
     */
    @Test
    void theHistoryOutlivesTheNodesAndItsKeysExpire() throws Exception {
        HistoryOptions history = HistoryOptions.of(100, Duration.ofMinutes(5)).withMetaTtl(Duration.ofHours(1))
                .withAllowHistory(true);
        PushServer a = node(history);
        for (int n = 1; n <= 3; n++) {
            publish(a, "news", "{\"n\":" + n + "}");
        }
        String epoch;
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            epoch = j.hget("throng:history:meta:news", "epoch");
            assertThat(epoch).matches("[a-zA-Z]{8}");
            assertThat(j.hget("throng:history:meta:news", "top")).isEqualTo("3");
            assertThat(j.pttl("throng:history:meta:news")).isBetween(3_500_000L, 3_600_000L);
            assertThat(j.xlen("throng:history:stream:news")).isEqualTo(3);
            assertThat(j.pttl("throng:history:stream:news")).isBetween(290_000L, 300_000L);
        }
        nodes.remove(a);
        a.close();

        PushServer restarted = node(history);
        CentrifugoConn ann = CentrifugoConn.connect(client, restarted);
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":1,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(ann.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":1,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                + "{\"data\":{\"n\":2},\"offset\":2},{\"data\":{\"n\":3},\"offset\":3}]}}");
        publish(restarted, "news", "{\"n\":4}");
        assertThat(ann.next()).isEqualTo(push("news", "{\"n\":4}", 4));
    }

    /**
     * Centrifugo's stream rules, in Redis: at most size publications, none older than the TTL (a
     * recovery that needs a trimmed one fails, the top stays), and a position idle past the meta
     * TTL forgotten: the next one has another epoch.
     */
    @Test
    void redisTrimsBySizeAndTtlAndForgetsAfterTheMetaTtl() throws Exception {
        HistoryOptions history = HistoryOptions.of(3, Duration.ofMillis(1500)).withMetaTtl(Duration.ofMillis(5000))
                .withAllowHistory(true);
        PushServer a = node(history);
        PushServer b = node(history);
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"tick\",\"recoverable\":true},\"id\":2}");
        String epoch = CentrifugoConn.epochOf(ann.next());
        for (int n = 1; n <= 5; n++) {
            publish(n % 2 == 0 ? a : b, "tick", "{\"n\":" + n + "}");
            assertThat(ann.next()).isEqualTo(push("tick", "{\"n\":" + n + "}", n));
        }
        long lastPublished = System.currentTimeMillis();
        CentrifugoConn bob = CentrifugoConn.connect(client, b);
        bob.send("{\"subscribe\":{\"channel\":\"tick\",\"recoverable\":true,\"recover\":true,\"offset\":1,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(bob.next()).as("2 was trimmed: not recovered").isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,"
                + "\"epoch\":\"" + epoch + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true}}");
        bob.send("{\"history\":{\"channel\":\"tick\",\"limit\":-1},\"id\":3}");
        assertThat(bob.next()).as("the newest 3").isEqualTo("{\"id\":3,\"history\":{\"publications\":["
                + "{\"data\":{\"n\":3},\"offset\":3},{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}],"
                + "\"epoch\":\"" + epoch + "\",\"offset\":5}}");

        Thread.sleep(1700); // past the TTL, within the meta TTL
        bob.send("{\"history\":{\"channel\":\"tick\",\"limit\":-1},\"id\":4}");
        assertThat(bob.next()).as("all older than the TTL").isEqualTo("{\"id\":4,\"history\":{"
                + "\"epoch\":\"" + epoch + "\",\"offset\":5}}");
        CentrifugoConn cat = CentrifugoConn.connect(client, a);
        cat.send("{\"subscribe\":{\"channel\":\"tick\",\"recoverable\":true,\"recover\":true,\"offset\":5,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(cat.next()).as("nothing missed: recovered, though nothing is kept").isEqualTo("{\"id\":2,\"subscribe\":"
                + "{\"recoverable\":true,\"epoch\":\"" + epoch + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true,"
                + "\"recovered\":true}}");

        Thread.sleep(Math.max(0, lastPublished + 5300 - System.currentTimeMillis())); // past the meta TTL since the last publication
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            assertThat(j.exists("throng:history:meta:tick")).isFalse();
            assertThat(j.exists("throng:history:stream:tick")).isFalse();
        }
        CentrifugoConn dan = CentrifugoConn.connect(client, b);
        dan.send("{\"subscribe\":{\"channel\":\"tick\",\"recoverable\":true,\"recover\":true,\"offset\":5,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        String fresh = dan.next();
        assertThat(CentrifugoConn.epochOf(fresh)).as("a new epoch").isNotEqualTo(epoch);
        assertThat(fresh).endsWith("\"positioned\":true,\"offset\":0,\"was_recovering\":true}}");
    }

    /**
     * Plain publishes stay raw on the channel: any Redis client's PUBLISH reaches the node's
     * subscribers as it is, and a stored publication reaches a raw subscriber as published, not
     * in the store script's envelope. The bus's own channel names are refused.
     */
    @Test
    void aPlainRedisPublishStillReachesRawSubscribers() throws Exception {
        PushServer a = node(100);
        Inbox raw = new Inbox();
        client.connect(WebSocketRequest.to(a.address(), "/sub/news"), raw).get(10, TimeUnit.SECONDS);
        byte[] hello = "from redis-cli".getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (raw.messages.isEmpty() && System.nanoTime() < deadline) { // until the subscription is in place
            try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
                j.publish("news".getBytes(StandardCharsets.UTF_8), hello);
            }
            Thread.sleep(50);
        }
        assertThat(raw.next()).isEqualTo("from redis-cli");
        Thread.sleep(200);
        raw.messages.clear();
        publish(a, "news", "{\"n\":1}");
        assertThat(raw.next()).as("stored, and delivered as published").isEqualTo("{\"n\":1}");
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.publish("throng:stored:news", "not what the store script publishes");
        }
        publish(a, "news", "{\"n\":2}");
        assertThat(raw.next()).as("a stranger's message on the stored channel is dropped").isEqualTo("{\"n\":2}");
        assertThat(a.bus().stats().reconnects()).isZero();

        HttpResponse<String> r = BrokerBusTest.post(a, "throng:stored:news", "x");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(r.body()).contains("the Redis bus's own");
    }

    /**
     * An answer is bounded (4 MiB of publications): a recovery that needs
     * more is not recovered, and the client is told the top (the script stops reading at the
     * budget: Redis does not gather the rest either); one that missed nothing is recovered.
     */
    @Test
    void aRecoveryLargerThanAnAnswerIsNotRecovered() throws Exception {
        PushServer a = node(100);
        String big = "\"" + "x".repeat(1_000_000) + "\"";
        for (int n = 1; n <= 5; n++) { // 5 MB, over the 4 MiB (4.2 MB) an answer carries
            publish(a, "big", big);
        }
        String epoch;
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            epoch = j.hget("throng:history:meta:big", "epoch");
        }
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"big\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(ann.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true}}");
        CentrifugoConn bob = CentrifugoConn.connect(client, a);
        bob.send("{\"subscribe\":{\"channel\":\"big\",\"recoverable\":true,\"recover\":true,\"offset\":5,\"epoch\":\""
                + epoch + "\"},\"id\":2}");
        assertThat(bob.next()).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                + "\",\"positioned\":true,\"offset\":5,\"was_recovering\":true,\"recovered\":true}}");
        assertThat(a.bus().stats().reconnects()).isZero();
    }

    /**
     * A Redis that forgot the scripts (SCRIPT FLUSH) costs one reconnection: the publish that met
     * it is refused, not stored (its offset is not taken), and the next session loads the scripts
     * again; the subscriber goes on with the next offset.
     */
    @Test
    void aRedisThatForgetsTheScriptsCostsOneReconnection() throws Exception {
        PushServer a = node(100);
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":2}");
        assertThat(ann.next()).contains("\"offset\":0");
        publish(a, "news", "{\"n\":1}");
        assertThat(ann.next()).isEqualTo(push("news", "{\"n\":1}", 1));
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.scriptFlush();
        }
        PublishOutcome lost = ((PublishOutcome.Accepted) a.publish("news", ByteBuffer.wrap("{\"n\":2}".getBytes(StandardCharsets.UTF_8))))
                .confirmed();
        assertThat(lost).isInstanceOf(PublishOutcome.Refused.class);
        assertThat(((PublishOutcome.Refused) lost).reason()).contains("forgot the history scripts");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        PublishOutcome again;
        do { // refused while the link reconnects
            Thread.sleep(20);
            again = a.publish("news", ByteBuffer.wrap("{\"n\":3}".getBytes(StandardCharsets.UTF_8)));
            if (again instanceof PublishOutcome.Accepted accepted) {
                again = accepted.confirmed();
            }
        } while (!(again instanceof PublishOutcome.Accepted) && System.nanoTime() < deadline);
        assertThat(again).isInstanceOf(PublishOutcome.Accepted.class);
        assertThat(ann.next()).as("the next offset: the refused one took none").isEqualTo(push("news", "{\"n\":3}", 2));
        assertThat(a.bus().stats().reconnects()).isEqualTo(1);
    }

    /**
     * What Redis refuses fails alone and says so: a channel whose key someone else holds with
     * another type gets its publish refused (not confirmed, not stored) and its subscribe an
     * error; the link stays up and the other channels work.
     */
    @Test
    void whatRedisRefusesFailsAloneAndTheLinkStaysUp() throws Exception {
        PushServer a = node(100);
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.set("throng:history:meta:taken", "not a hash");
        }
        PublishOutcome o = a.publish("taken", ByteBuffer.wrap("{\"n\":1}".getBytes(StandardCharsets.UTF_8)));
        PublishOutcome confirmed = ((PublishOutcome.Accepted) o).confirmed();
        assertThat(confirmed).isInstanceOf(PublishOutcome.Refused.class);
        assertThat(((PublishOutcome.Refused) confirmed).reason()).contains("Redis refused to store it").contains("WRONGTYPE");
        CentrifugoConn ann = CentrifugoConn.connect(client, a);
        ann.send("{\"subscribe\":{\"channel\":\"taken\",\"recoverable\":true},\"id\":2}");
        assertThat(ann.next()).isEqualTo("{\"id\":2,\"error\":{\"code\":100,\"message\":\"internal server error\"}}");
        ann.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":3}");
        assertThat(ann.next()).contains("\"offset\":0");
        publish(a, "news", "{\"n\":1}");
        assertThat(ann.next()).isEqualTo(push("news", "{\"n\":1}", 1));
        assertThat(a.bus().stats().reconnects()).isZero();
        assertThat(a.bus().stats().dropped()).as("the refused publish").isEqualTo(1);
    }
}
