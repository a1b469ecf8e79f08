package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.push.PushPublisher;
import io.throng.websocket.push.PushServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Centrifugo's server HTTP API on the push port ({@code POST /api/<method>}), over real sockets:
 * curl (an independent HTTP client) and the JDK's HttpClient call it; Centrifugo's official SDK
 * ({@code centrifuge} in Node) and the JDK's WebSocket client are the subscribers that must see
 * its publishes and disconnects.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CentrifugoApiTest {
    static final byte[] SECRET = CentrifugoSdkTest.SECRET;
    static final String KEY = "api-key-4f0c9e1d7b2a";
    static final HttpClient HTTP = PushServerTest.HTTP;

    @BeforeAll
    static void peersInstalled() {
        CentrifugoSdkTest.sdkInstalled();
        assertThat(Files.isExecutable(java.nio.file.Path.of("/usr/bin/curl"))).as("curl is installed").isTrue();
    }

    static PushServer start(CentrifugoConfig config) throws Exception {
        return CentrifugoSdkTest.start(config.withApiKey(ApiKey.of(KEY.getBytes(StandardCharsets.US_ASCII))));
    }

    /** curl's answer: the HTTP status on the first line, then the body. */
    static List<String> curl(PushServer push, String method, String path, String body, String... headers) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-s", "-S", "--max-time", "10", "-X", method,
                "-w", "\n%{http_code}", "http://127.0.0.1:" + push.port() + path));
        for (String h : headers) {
            cmd.add("-H");
            cmd.add(h);
        }
        if (body != null) {
            cmd.add("--data-binary");
            cmd.add(body);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).isTrue();
        int nl = out.lastIndexOf('\n');
        return List.of(out.substring(nl + 1), out.substring(0, Math.max(0, nl)).strip());
    }

    static HttpResponse<String> api(PushServer push, String method, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + push.port() + "/api/" + method))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String call(PushServer push, String method, String body) throws Exception {
        HttpResponse<String> r = api(push, method, body, "X-API-Key", KEY);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return r.body().strip();
    }

    /** Every log record of io.throng while it is open. */
    static final class LogCapture implements AutoCloseable {
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final Logger logger = Logger.getLogger("io.throng");
        private final Level before = logger.getLevel();
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getLevel() + " " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };

        LogCapture() {
            handler.setLevel(Level.ALL);
            logger.setLevel(Level.ALL);
            logger.addHandler(handler);
        }

        @Override
        public void close() {
            logger.removeHandler(handler);
            logger.setLevel(before);
        }
    }

    /** A raw subscriber of {@code /sub/<channel>}: the JDK's WebSocket client, its text messages in a queue. */
    static BlockingQueue<String> rawSubscriber(PushServer push, String channel) throws Exception {
        BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
        HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + push.port() + "/sub/" + channel),
                new WebSocket.Listener() {
                    final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            inbox.add(text.toString());
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (push.topics().subscribers(channel) == 0) {
            assertThat(System.nanoTime()).as("the raw subscriber is in").isLessThan(deadline);
            Thread.sleep(10);
        }
        return inbox;
    }

    @Test
    void publishWithTheKeyReachesTheSdkAndRawSubscribersAndWithoutItIs401AndTheKeyIsNeverLogged() throws Exception {
        try (LogCapture log = new LogCapture();
             PushServer push = start(CentrifugoConfig.withSecret(SECRET).withHistory(HistoryOptions.of(100, Duration.ofMinutes(5))));
             Peer ann = Peer.node("centrifuge-client.mjs", CentrifugoSdkTest.url(push),
                     CentrifugoSdkTest.token(SECRET, "ann", CentrifugoSdkTest.inAnHour(), null), "news")) {
            ann.lineStartingWith("subscribed news", 20);
            BlockingQueue<String> raw = rawSubscriber(push, "news");

            List<String> r = curl(push, "POST", "/api/publish", "{\"channel\":\"news\",\"data\":{\"title\":\"hello\"}}",
                    "X-API-Key: " + KEY, "Content-Type: application/json");
            assertThat(r.get(0)).isEqualTo("200");
            assertThat(r.get(1)).matches("\\{\"result\":\\{\"offset\":1,\"epoch\":\"[a-zA-Z]{8}\"}}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"title\":\"hello\"}");
            assertThat(raw.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"title\":\"hello\"}");

            // Authorization: apikey, from the JDK's client; a string as data
            HttpResponse<String> a = api(push, "publish", "{\"channel\":\"news\",\"data\":\"two\"}", "Authorization", "apikey " + KEY);
            assertThat(a.statusCode()).isEqualTo(200);
            assertThat(a.body()).contains("\"offset\":2");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news \"two\"");

            // no key, a wrong key, a wrong scheme: 401, nothing published
            assertThat(curl(push, "POST", "/api/publish", "{\"channel\":\"news\",\"data\":1}").get(0)).isEqualTo("401");
            assertThat(curl(push, "POST", "/api/publish", "{\"channel\":\"news\",\"data\":1}", "X-API-Key: " + KEY + "x").get(0))
                    .isEqualTo("401");
            assertThat(api(push, "publish", "{\"channel\":\"news\",\"data\":1}", "Authorization", "Bearer " + KEY).statusCode())
                    .isEqualTo(401);
            // with a key set, POST /pub needs it too
            List<String> pub = curl(push, "POST", "/pub/news", "3");
            assertThat(pub.get(0)).isEqualTo("401");
            assertThat(pub.get(1)).contains("X-API-Key").doesNotContain(KEY);
            assertThat(curl(push, "POST", "/pub/news", "3", "X-API-Key: " + KEY).get(0)).isEqualTo("200");
            assertThat(ann.lineStartingWith("pub ", 10)).as("only the publish with the key").isEqualTo("pub news 3");
            assertThat(raw.poll(10, TimeUnit.SECONDS)).isEqualTo("\"two\"");
            assertThat(raw.poll(10, TimeUnit.SECONDS)).isEqualTo("3");

            // and the binary publish protocol: the key after its second preface
            try (PushPublisher p = PushPublisher.connect(push.address())) {
                assertThatThrownBy(p::readResult).hasMessageContaining("this server needs the API key");
            }
            try (PushPublisher p = PushPublisher.connect(push.address(), KEY + "x")) {
                assertThatThrownBy(p::readResult).hasMessageContaining("wrong API key").hasMessageNotContaining(KEY);
            }
            try (PushPublisher p = PushPublisher.connect(push.address(), KEY)) {
                assertThat(p.publish("news", "4".getBytes(StandardCharsets.US_ASCII))).isInstanceOf(PublishOutcome.Delivered.class);
            }
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news 4");

            assertThat(push.centrifugo().config().describe()).contains("API key").contains(KEY.length() + " bytes").doesNotContain(KEY);
            assertThat(push.centrifugo().config().toString()).doesNotContain(KEY);
            assertThat(log.lines).as("a 401 is logged (at DEBUG)").anyMatch(l -> l.contains("401"));
            assertThat(log.lines).noneMatch(l -> l.contains(KEY));
        }
    }

    @Test
    void broadcastPublishesToEachChannelAndHistoryReadsThemBack() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withHistory(HistoryOptions.of(100, Duration.ofMinutes(5))));
             Peer ann = Peer.node("centrifuge-client.mjs", CentrifugoSdkTest.url(push),
                     CentrifugoSdkTest.token(SECRET, "ann", CentrifugoSdkTest.inAnHour(), null), "b")) {
            ann.lineStartingWith("subscribed b", 20);
            String b = call(push, "broadcast", "{\"channels\":[\"a\",\"b\",\"not a channel\"],\"data\":{\"n\":1}}");
            assertThat(b).matches("\\{\"result\":\\{\"responses\":\\[\\{\"result\":\\{\"offset\":1,\"epoch\":\"\\w{8}\"}},"
                    + "\\{\"result\":\\{\"offset\":1,\"epoch\":\"\\w{8}\"}},\\{\"error\":\\{\"code\":107,\"message\":\"bad request: .*\"}}]}}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub b {\"n\":1}");
            for (int n = 2; n <= 4; n++) {
                call(push, "publish", "{\"channel\":\"a\",\"data\":{\"n\":" + n + "}}");
            }

            String all = call(push, "history", "{\"channel\":\"a\",\"limit\":-1}");
            assertThat(all).matches("\\{\"result\":\\{\"publications\":\\[\\{\"data\":\\{\"n\":1},\"offset\":1},\\{\"data\":\\{\"n\":2},"
                    + "\"offset\":2},\\{\"data\":\\{\"n\":3},\"offset\":3},\\{\"data\":\\{\"n\":4},\"offset\":4}],\"epoch\":\"\\w{8}\",\"offset\":4}}");
            String epoch = all.replaceAll(".*\"epoch\":\"(\\w{8})\".*", "$1");
            assertThat(call(push, "history", "{\"channel\":\"a\"}")).as("no limit: the position only")
                    .isEqualTo("{\"result\":{\"epoch\":\"" + epoch + "\",\"offset\":4}}");
            assertThat(call(push, "history", "{\"channel\":\"a\",\"limit\":2,\"reverse\":true}"))
                    .startsWith("{\"result\":{\"publications\":[{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":3},\"offset\":3}]");
            assertThat(call(push, "history", "{\"channel\":\"a\",\"limit\":10,\"since\":{\"offset\":2,\"epoch\":\"" + epoch + "\"}}"))
                    .startsWith("{\"result\":{\"publications\":[{\"data\":{\"n\":3},\"offset\":3},{\"data\":{\"n\":4},\"offset\":4}]");
            assertThat(call(push, "history", "{\"channel\":\"a\",\"limit\":10,\"since\":{\"offset\":2,\"epoch\":\"otherEpo\"}}"))
                    .isEqualTo("{\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
            assertThat(call(push, "history", "{\"limit\":10}")).isEqualTo("{\"error\":{\"code\":107,\"message\":\"bad request\"}}");
            assertThat(call(push, "broadcast", "{\"channels\":[],\"data\":1}")).contains("\"code\":107");
            assertThat(call(push, "publish", "{\"channel\":\"a\"}")).as("no data").contains("\"code\":107");
        }
    }

    @Test
    void disconnectClosesAUsersConnectionsWithCentrifugosCodeOrTheOneGiven() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", CentrifugoSdkTest.url(push),
                     CentrifugoSdkTest.token(SECRET, "ann", CentrifugoSdkTest.inAnHour(), null), "-");
             Peer bob = Peer.node("centrifuge-client.mjs", CentrifugoSdkTest.url(push),
                     CentrifugoSdkTest.token(SECRET, "bob", CentrifugoSdkTest.inAnHour(), null), "-");
             Peer bob2 = Peer.node("centrifuge-client.mjs", CentrifugoSdkTest.url(push),
                     CentrifugoSdkTest.token(SECRET, "bob", CentrifugoSdkTest.inAnHour(), null), "-")) {
            ann.lineStartingWith("connected ", 20);
            String bobId = bob.lineStartingWith("connected ", 20).substring("connected ".length());
            bob2.lineStartingWith("connected ", 20);
            assertThat(call(push, "info", "{}")).matches("\\{\"result\":\\{\"nodes\":\\[\\{\"uid\":\"[0-9a-f-]{36}\",\"name\":\"throng\","
                    + "\"version\":\"throng-[^\"]+\",\"num_clients\":3,\"num_users\":2,\"num_channels\":0,\"num_subs\":0,\"uptime\":\\d+}]}}");

            List<String> r = curl(push, "POST", "/api/disconnect", "{\"user\":\"ann\"}", "X-API-Key: " + KEY);
            assertThat(r).containsExactly("200", "{\"result\":{}}");
            assertThat(ann.lineStartingWith("disconnected ", 10)).isEqualTo("disconnected 3503 force disconnect");

            // one connection of bob's, by its client id, with the code and reason given
            assertThat(call(push, "disconnect", "{\"user\":\"bob\",\"client\":\"" + bobId
                    + "\",\"disconnect\":{\"code\":4501,\"reason\":\"bye\"}}")).isEqualTo("{\"result\":{}}");
            assertThat(bob.lineStartingWith("disconnected ", 10)).isEqualTo("disconnected 4501 bye");
            assertThat(call(push, "info", "{}")).contains("\"num_clients\":1,\"num_users\":1");
            assertThat(call(push, "disconnect", "{\"user\":\"bob\",\"disconnect\":{\"code\":1000}}"))
                    .as("not a close code the SDK reads").contains("\"code\":107");
            assertThat(call(push, "disconnect", "{}")).contains("\"code\":107");
        }
    }

    /** presence and presence_stats through the API where presence is on: this process's subscribers. */
    @Test
    void presenceThroughTheApi() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, false, false, false)))) {
            WebSocketClient client = WebSocketClient.start(io.throng.core.config.ClientConfig.defaults().withLoops(1),
                    WebSocketConfig.defaults());
            try {
                CentrifugoProtocolTest.Conn ann = new CentrifugoProtocolTest.Conn();
                ann.ws = client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH), ann)
                        .get(10, java.util.concurrent.TimeUnit.SECONDS);
                ann.send(CentrifugoProtocolTest.connect(CentrifugoProtocolTest.token("ann", 0))
                        + "\n{\"subscribe\":{\"channel\":\"room\"},\"id\":2}");
                ann.reply();
                ann.reply();
                assertThat(call(push, "presence_stats", "{\"channel\":\"room\"}"))
                        .isEqualTo("{\"result\":{\"num_clients\":1,\"num_users\":1}}");
                assertThat(call(push, "presence", "{\"channel\":\"room\"}")).matches(
                        "\\{\"result\":\\{\"presence\":\\{\"[0-9a-f-]{36}\":\\{\"user\":\"ann\",\"client\":\"[0-9a-f-]{36}\"}}}}");
                ann.ws.close(1000, "");
                // a connection token's info and a subscription token's info: conn_info and chan_info, raw JSON, as Centrifugo
                CentrifugoProtocolTest.Conn bob = new CentrifugoProtocolTest.Conn();
                bob.ws = client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH), bob)
                        .get(10, java.util.concurrent.TimeUnit.SECONDS);
                bob.send(CentrifugoProtocolTest.connect(CentrifugoSdkTest.tokenWith("bob", java.util.Map.of("info",
                        java.util.Map.of("name", "Bob")))) + "\n{\"subscribe\":{\"channel\":\"room\",\"token\":\""
                        + CentrifugoSdkTest.tokenWith("bob", java.util.Map.of("channel", "room", "info", List.of("mod"))) + "\"},\"id\":2}");
                String connected = bob.reply();
                String bobId = connected.substring(connected.indexOf("\"client\":\"") + 10, connected.indexOf("\"client\":\"") + 46);
                assertThat(bob.reply()).matches("\\{\"id\":2,\"subscribe\":\\{\"expires\":true,\"ttl\":\\d+}}");
                long deadline = System.currentTimeMillis() + 10_000;
                while (!call(push, "presence_stats", "{\"channel\":\"room\"}").contains("\"num_clients\":1,")
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20); // ann's close reaches the server
                }
                assertThat(call(push, "presence", "{\"channel\":\"room\"}")).isEqualTo("{\"result\":{\"presence\":{\"" + bobId
                        + "\":{\"user\":\"bob\",\"client\":\"" + bobId + "\",\"conn_info\":{\"name\":\"Bob\"},\"chan_info\":[\"mod\"]}}}}");
            } finally {
                client.close();
            }
        }
    }

    @Test
    void whatIsNotACallGetsAnHttpStatusAndWhatIsNotHereGets108() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withAllowAnonymous(true))) {
            assertThat(call(push, "presence", "{\"channel\":\"a\"}")).isEqualTo("{\"error\":{\"code\":108,\"message\":\"not available\"}}");
            assertThat(call(push, "presence_stats", "{\"channel\":\"a\"}")).contains("\"code\":108");
            assertThat(call(push, "history", "{\"channel\":\"a\"}")).as("no history here").contains("\"code\":108");

            List<String> unknown = curl(push, "POST", "/api/channels", "{}", "X-API-Key: " + KEY);
            assertThat(unknown.get(0)).isEqualTo("404");
            assertThat(unknown.get(1)).contains("publish, broadcast");
            assertThat(curl(push, "POST", "/api", "{\"method\":\"publish\"}", "X-API-Key: " + KEY).get(0)).isEqualTo("404");
            assertThat(curl(push, "POST", "/api/publish", "{not json", "X-API-Key: " + KEY).get(0)).isEqualTo("400");
            assertThat(curl(push, "POST", "/api/publish", "[1,2]", "X-API-Key: " + KEY).get(0)).isEqualTo("400");
            assertThat(curl(push, "GET", "/api/publish", null, "X-API-Key: " + KEY).get(0)).isEqualTo("405");
            try (RawPeer p = RawPeer.connectRaw(push.address())) { // refused before the body is read
                p.write(("POST /api/publish HTTP/1.1\r\nHost: x\r\nX-API-Key: " + KEY + "\r\nContent-Length: 2000000\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII), RawPeer.Chop.NONE);
                assertThat(p.readResponse()).startsWith("HTTP/1.1 413 ");
            }
            assertThat(call(push, "publish", "{\"channel\":\"a\",\"data\":null,\"b64data\":\"aGk=\"}")).isEqualTo("{\"result\":{}}");
        }
    }

    @Test
    void withoutAKeyTheApiIsClosedAndPubIsOpen() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            List<String> r = curl(push, "POST", "/api/publish", "{\"channel\":\"a\",\"data\":1}", "X-API-Key: anything");
            assertThat(r.get(0)).isEqualTo("404");
            assertThat(r.get(1)).contains("--centrifugo-api-key-file").contains("api-key-env");
            assertThat(curl(push, "POST", "/pub/a", "1").get(0)).isEqualTo("200");
            try (PushPublisher p = PushPublisher.connect(push.address(), "a key the server does not need")) {
                assertThat(p.publish("a", new byte[] {1})).isInstanceOf(PublishOutcome.Delivered.class);
            }
        }
        try (PushServer push = PushServer.start(io.throng.core.config.ServerConfig.defaults().withPort(0).withLoops(1),
                WebSocketConfig.defaults())) {
            assertThat(curl(push, "POST", "/api/publish", "{}").get(0)).as("no Centrifugo protocol at all").isEqualTo("404");
        }
    }
}
