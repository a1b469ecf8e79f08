package io.throng.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.PresenceOptions;
import io.throng.websocket.push.PushServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Presence, join/leave and the server API's disconnect across push nodes on one real broker, Redis
 * or NATS, started by the test: the nodes ask each other over the broker (RelayBus's gathering
 * across nodes), so a client's presence command on one node lists the subscribers of every node, a
 * join or leave on one reaches the audience on every other, and a disconnect through one node's
 * API closes the user's connections wherever they are. Centrifugo clients over real sockets, their
 * frames written by hand.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodePresenceTest {
    private static final int MAX = 1 << 20;
    private static final byte[] SECRET = "a test key for node presence, 32+ bytes".getBytes(StandardCharsets.UTF_8);
    private static final String API_KEY = "node-presence-api-key";

    private final List<AutoCloseable> closeLast = new ArrayList<>();
    private final List<PushServer> nodes = new ArrayList<>();
    private WebSocketClient client;

    @AfterEach
    void stop() throws Exception {
        for (PushServer n : nodes) {
            n.close();
        }
        if (client != null) {
            client.close();
        }
        for (AutoCloseable c : closeLast) {
            c.close();
        }
    }

    private PushServer node(BrokerProcess broker) throws Exception {
        BusConfig bus = BusConfig.parse(broker.url()).withBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .withTimeout(Duration.ofSeconds(1)).withHeartbeat(Duration.ofMillis(500));
        ServerConfig server = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.MULTI_REACTOR)
                .withLoops(1).withShutdownTimeout(Duration.ofSeconds(3));
        CentrifugoConfig centrifugo = CentrifugoConfig.withSecret(SECRET)
                .withPresence(new PresenceOptions(true, true, true, false))
                .withApiKey(ApiKey.of(API_KEY.getBytes(StandardCharsets.US_ASCII)));
        PushServer n = PushServer.start(server, WebSocketConfig.defaults(), local -> Buses.open(bus, local, MAX), centrifugo);
        nodes.add(n);
        assertThat(((RelayBus) n.bus()).awaitUp(Duration.ofSeconds(10))).as(n.bus().stats().toString()).isTrue();
        return n;
    }

    /** A Centrifugo connection: its text frames, answering the server's pings; and how it was closed. */
    static final class Conn implements WebSocketHandler {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> closed = new LinkedBlockingQueue<>();
        WebSocket ws;

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            String m = StandardCharsets.UTF_8.decode(utf8).toString();
            if (m.equals("{}")) {
                ws.sendText("{}");
                return;
            }
            texts.add(m);
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            closed.add(code + " " + reason);
        }

        String next() throws InterruptedException {
            String m = texts.poll(10, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no message within 10 s");
            }
            return m;
        }

        void send(String frame) {
            ws.sendText(frame);
        }
    }

    private Conn connected(PushServer n, String user) throws Exception {
        Conn c = new Conn();
        c.ws = client.connect(WebSocketRequest.to(n.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        c.send("{\"connect\":{\"token\":\"" + token(user) + "\",\"name\":\"test\"},\"id\":1}");
        assertThat(c.next()).startsWith("{\"id\":1,\"connect\":");
        return c;
    }

    /** An HS256 JWT with {@code sub} = user, signed here with the JDK's HMAC (the module reads no JWT library). */
    static String token(String user) throws Exception {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String signed = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"" + user + "\"}").getBytes(StandardCharsets.UTF_8));
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET, "HmacSHA256"));
        return signed + "." + b64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String api(PushServer n, String method, String body) throws Exception {
        HttpResponse<String> r = BrokerBusTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.port()
                        + "/api/" + method)).header("X-API-Key", API_KEY).POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body().strip();
    }

    /** Sends the command with a fresh id until its reply is {@code expected} (the nodes learn of each other in their own time). */
    private static void until(Conn c, String command, String method, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int id = 100; ; id++) {
            c.send("{\"" + method + "\":" + command + ",\"id\":" + id + "}");
            String reply = c.next();
            if (reply.equals("{\"id\":" + id + ",\"" + method + "\":" + expected + "}")) {
                return;
            }
            assertThat(System.nanoTime()).as("still " + reply).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @ParameterizedTest
    @EnumSource(BrokerProcess.Kind.class)
    void presenceJoinLeaveAndDisconnectReachEveryNode(BrokerProcess.Kind kind) throws Exception {
        BrokerProcess broker = BrokerProcess.start(kind);
        closeLast.add(broker);
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
        PushServer a = node(broker);
        PushServer b = node(broker);

        Conn ann = connected(a, "ann");
        ann.send("{\"subscribe\":{\"channel\":\"room\",\"join_leave\":true},\"id\":2}");
        assertThat(ann.next()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        assertThat(ann.next()).as("its own join").startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"ann\"");

        Conn bob = connected(b, "bob");
        bob.send("{\"subscribe\":{\"channel\":\"room\",\"join_leave\":true},\"id\":2}");
        assertThat(bob.next()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        assertThat(bob.next()).as("its own join, once").startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"bob\"");
        assertThat(ann.next()).as("bob's join, from the other node")
                .startsWith("{\"push\":{\"channel\":\"room\",\"join\":{\"info\":{\"user\":\"bob\"");

        // each node answers for its own; the asker waits for the nodes it knows (it learns of them in their time)
        until(ann, "{\"channel\":\"room\"}", "presence_stats", "{\"num_clients\":2,\"num_users\":2}");
        until(bob, "{\"channel\":\"room\"}", "presence_stats", "{\"num_clients\":2,\"num_users\":2}");
        bob.send("{\"presence\":{\"channel\":\"room\"},\"id\":3}");
        String presence = bob.next();
        assertThat(presence).startsWith("{\"id\":3,\"presence\":{\"presence\":{").contains("\"user\":\"ann\"")
                .contains("\"user\":\"bob\"");
        assertThat(api(b, "presence_stats", "{\"channel\":\"room\"}"))
                .isEqualTo("{\"result\":{\"num_clients\":2,\"num_users\":2}}");

        // a disconnect through a's API closes bob on b; his leave reaches ann on a
        assertThat(api(a, "disconnect", "{\"user\":\"bob\"}")).isEqualTo("{\"result\":{}}");
        assertThat(bob.closed.poll(10, TimeUnit.SECONDS)).isEqualTo("3503 force disconnect");
        assertThat(ann.next()).as("bob's leave, from the other node")
                .startsWith("{\"push\":{\"channel\":\"room\",\"leave\":{\"info\":{\"user\":\"bob\"");
        until(ann, "{\"channel\":\"room\"}", "presence_stats", "{\"num_clients\":1,\"num_users\":1}");
        Thread.sleep(300);
        assertThat(ann.texts).as("no join or leave twice").isEmpty();
        assertThat(a.bus().stats().relayed()).as("gathering's messages are not counted as publishes").isZero();
    }
}
