package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.throng.core.config.ClientConfig;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.push.PushServer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The protocol's rules, in frames written by hand over a real socket (throng's own client): what
 * the SDK test cannot make the SDK do (a token with {@code alg: none}, a missing pong, a command
 * before connect), and the exact replies and close codes of docs/centrifugo.md.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CentrifugoProtocolTest {
    static final byte[] SECRET = CentrifugoSdkTest.SECRET;
    static WebSocketClient client;

    @BeforeAll
    static void startClient() throws Exception {
        client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults());
    }

    @AfterAll
    static void stopClient() {
        client.close();
    }

    /** Keeps the close's code and reason too. */
    static final class Conn extends Inbox {
        final LinkedBlockingQueue<String> closed = new LinkedBlockingQueue<>();
        /** Answer the server's pings at once, on the client's thread, and count them instead of queueing them. */
        volatile boolean autoPong;
        final java.util.concurrent.atomic.AtomicInteger pings = new java.util.concurrent.atomic.AtomicInteger();
        WebSocket ws;

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            if (autoPong && WebSocketHandler.text(utf8).equals("{}")) {
                pings.incrementAndGet();
                ws.sendText("{}");
                return;
            }
            super.onText(ws, utf8);
        }

        @Override
        public void onClose(WebSocket ws, int code, String reason) {
            closed.add(code + " " + reason);
        }

        void send(String frame) {
            ws.sendText(frame);
        }

        /** The next message that is not the server's ping, answering the pings met on the way. */
        String reply() throws InterruptedException {
            while (true) {
                String m = nextText();
                if (!m.equals("{}")) {
                    return m;
                }
                send("{}");
            }
        }

        String closedWith() throws InterruptedException {
            String c = closed.poll(15, TimeUnit.SECONDS);
            if (c == null) {
                throw new AssertionError("not closed within 15 s");
            }
            return c;
        }
    }

    static Conn open(PushServer push) throws Exception {
        Conn c = new Conn();
        c.ws = client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH), c).get(10, TimeUnit.SECONDS);
        return c;
    }

    static String token(String user, long expSeconds) throws Exception {
        return CentrifugoSdkTest.token(SECRET, user, expSeconds == 0 ? null : new Date(expSeconds * 1000), null);
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String connect(String token) {
        return "{\"connect\":{\"token\":\"" + token + "\",\"name\":\"js\"},\"id\":1}";
    }

    @Test
    void oneFrameOfCommandsIsAnsweredInOrder() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            Conn c = open(push);
            c.send(connect(token("ann", 0)) + "\n{\"subscribe\":{\"channel\":\"news\",\"flag\":1},\"id\":2}\n"
                    + "{\"presence\":{\"channel\":\"news\"},\"id\":3}\n{\"presence_stats\":{\"channel\":\"news\"},\"id\":4}\n"
                    + "{\"history\":{\"channel\":\"news\",\"limit\":10},\"id\":5}\n{\"rpc\":{\"method\":\"m\"},\"id\":6}\n");
            assertThat(c.nextText()).matches("\\{\"id\":1,\"connect\":\\{\"client\":\"[0-9a-f-]{36}\",\"version\":\"[^\"]+\",\"ping\":25,\"pong\":true}}");
            assertThat(c.nextText()).isEqualTo("{\"id\":2,\"subscribe\":{}}");
            assertThat(c.nextText()).isEqualTo("{\"id\":3,\"error\":{\"code\":108,\"message\":\"not available\"}}");
            assertThat(c.nextText()).isEqualTo("{\"id\":4,\"error\":{\"code\":108,\"message\":\"not available\"}}");
            assertThat(c.nextText()).isEqualTo("{\"id\":5,\"error\":{\"code\":108,\"message\":\"not available\"}}");
            assertThat(c.nextText()).isEqualTo("{\"id\":6,\"error\":{\"code\":104,\"message\":\"method not found\"}}");

            c.send("{\"subscribe\":{\"channel\":\"news\"},\"id\":7}");
            assertThat(c.nextText()).isEqualTo("{\"id\":7,\"error\":{\"code\":105,\"message\":\"already subscribed\"}}");
            c.send("{\"subscribe\":{\"channel\":\"$private\"},\"id\":8}");
            assertThat(c.nextText()).isEqualTo("{\"id\":8,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
            c.send("{\"subscribe\":{\"channel\":\"no spaces\"},\"id\":9}");
            assertThat(c.nextText()).isEqualTo("{\"id\":9,\"error\":{\"code\":107,\"message\":\"bad request\"}}");

            push.publish("news", ByteBuffer.wrap("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.nextText()).isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"a\":1}}}}");
            push.publish("news", ByteBuffer.wrap(new byte[] {(byte) 0xFF, 0}));  // not UTF-8: JSON cannot carry it
            push.publish("news", ByteBuffer.wrap("[true,null]".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.nextText()).isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":[true,null]}}}");

            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":10}");
            assertThat(c.nextText()).isEqualTo("{\"id\":10,\"unsubscribe\":{}}");
            assertThat(push.topics().subscribers("#news")).isZero();
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":11}"); // not subscribed: {} all the same
            assertThat(c.nextText()).isEqualTo("{\"id\":11,\"unsubscribe\":{}}");
        }
    }

    static final io.throng.websocket.centrifugo.HistoryOptions HISTORY =
            io.throng.websocket.centrifugo.HistoryOptions.of(5, Duration.ofMinutes(1)).withAllowHistory(true);

    static void publish(PushServer push, String channel, String json) {
        push.publish(channel, ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
    }

    static String epochOf(String reply) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"epoch\":\"([a-zA-Z]{8})\"").matcher(reply);
        assertThat(m.find()).as(reply).isTrue();
        return m.group(1);
    }

    /**
     * Recovery by the rules of docs/centrifugo.md: the missed publications in order when the epoch
     * matches and they are all kept; was_recovering without recovered (and the top) when the
     * epoch differs, when the client is further behind than the history keeps, or ahead of the
     * top; error 112 instead when the client sets flag 2; positioned-only subscribes.
     */
    @Test
    void aRecoveringSubscribeGetsWhatItMissedOrIsToldItCannot() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withHistory(HISTORY))) {
            Conn c = open(push);
            c.send(connect(token("ann", 0)));
            c.reply();
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":2}");
            String first = c.reply();
            String epoch = epochOf(first);
            assertThat(first).isEqualTo("{\"id\":2,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                    + "\",\"positioned\":true,\"offset\":0}}");
            for (int n = 1; n <= 3; n++) {
                publish(push, "news", "{\"n\":" + n + "}");
                assertThat(c.reply()).isEqualTo("{\"push\":{\"channel\":\"news\",\"pub\":{\"data\":{\"n\":" + n
                        + "},\"offset\":" + n + "}}}");
            }
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":3}");
            c.reply();
            publish(push, "news", "{\"n\":4}");
            publish(push, "news", "{\"n\":5}");

            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,\"epoch\":\""
                    + epoch + "\"},\"id\":4}");
            assertThat(c.reply()).isEqualTo("{\"id\":4,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                    + "\",\"positioned\":true,\"offset\":3,\"was_recovering\":true,\"recovered\":true,\"publications\":["
                    + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5}]}}");
            publish(push, "news", "{\"n\":6}");
            assertThat(c.reply()).as("live again, the next offset").contains("\"offset\":6");
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":5}");
            c.reply();

            // up to date: recovered, nothing to bring
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":6,\"epoch\":\""
                    + epoch + "\"},\"id\":6}");
            assertThat(c.reply()).endsWith("\"offset\":6,\"was_recovering\":true,\"recovered\":true}}");
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":7}");
            c.reply();
            // another epoch (a restarted server's): not recovered, told the top
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":3,\"epoch\":\"abcdefgh\"},\"id\":8}");
            assertThat(c.reply()).isEqualTo("{\"id\":8,\"subscribe\":{\"recoverable\":true,\"epoch\":\"" + epoch
                    + "\",\"positioned\":true,\"offset\":6,\"was_recovering\":true}}");
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":9}");
            c.reply();
            // further behind than the 5 kept (offsets 2-6): not recovered; with flag 2, error 112
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                    + epoch + "\"},\"id\":10}");
            assertThat(c.reply()).endsWith("\"offset\":6,\"was_recovering\":true}}");
            c.send("{\"unsubscribe\":{\"channel\":\"news\"},\"id\":11}");
            c.reply();
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":0,\"epoch\":\""
                    + epoch + "\",\"flag\":2},\"id\":12}");
            assertThat(c.reply()).isEqualTo("{\"id\":12,\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
            assertThat(push.topics().subscribers("#news")).as("refused: not subscribed").isZero();
            // ahead of the top: not recovered
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true,\"recover\":true,\"offset\":99,\"epoch\":\""
                    + epoch + "\"},\"id\":13}");
            assertThat(c.reply()).endsWith("\"offset\":6,\"was_recovering\":true}}");
            assertThat(push.centrifugo().recoveries()).isEqualTo(2);
            assertThat(push.centrifugo().failedRecoveries()).isEqualTo(3);

            // positioned only: the position, not recoverable; and a plain subscribe stays {}
            c.send("{\"subscribe\":{\"channel\":\"sport\",\"positioned\":true},\"id\":14}");
            assertThat(c.reply()).matches("\\{\"id\":14,\"subscribe\":\\{\"epoch\":\"[a-zA-Z]{8}\",\"positioned\":true,\"offset\":0}}");
            c.send("{\"subscribe\":{\"channel\":\"weather\"},\"id\":15}");
            assertThat(c.reply()).isEqualTo("{\"id\":15,\"subscribe\":{}}");
            publish(push, "weather", "{\"t\":21}");
            assertThat(c.reply()).as("history on: offsets even for plain subscribers")
                    .isEqualTo("{\"push\":{\"channel\":\"weather\",\"pub\":{\"data\":{\"t\":21},\"offset\":1}}}");
        }
    }

    /** The history command: subscribers only, where allowed; limits, since, reverse, and their errors. */
    @Test
    void historyIsForSubscribersWithItsLimitsAndErrors() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withHistory(HISTORY))) {
            for (int n = 1; n <= 7; n++) {
                publish(push, "news", "{\"n\":" + n + "}"); // 5 kept: offsets 3-7
            }
            Conn c = open(push);
            c.send(connect(token("ann", 0)));
            c.reply();
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":-1},\"id\":2}");
            assertThat(c.reply()).as("not a subscriber").isEqualTo("{\"id\":2,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
            c.send("{\"subscribe\":{\"channel\":\"news\"},\"id\":3}");
            c.reply();
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":-1},\"id\":4}");
            String all = c.reply();
            String epoch = epochOf(all);
            assertThat(all).isEqualTo("{\"id\":4,\"history\":{\"publications\":[{\"data\":{\"n\":3},\"offset\":3},"
                    + "{\"data\":{\"n\":4},\"offset\":4},{\"data\":{\"n\":5},\"offset\":5},{\"data\":{\"n\":6},\"offset\":6},"
                    + "{\"data\":{\"n\":7},\"offset\":7}],\"epoch\":\"" + epoch + "\",\"offset\":7}}");
            c.send("{\"history\":{\"channel\":\"news\"},\"id\":5}");
            assertThat(c.reply()).as("limit 0: the position only").isEqualTo("{\"id\":5,\"history\":{\"epoch\":\"" + epoch
                    + "\",\"offset\":7}}");
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"since\":{\"offset\":4,\"epoch\":\"" + epoch + "\"}},\"id\":6}");
            assertThat(c.reply()).startsWith("{\"id\":6,\"history\":{\"publications\":[{\"data\":{\"n\":5},\"offset\":5},"
                    + "{\"data\":{\"n\":6},\"offset\":6}],");
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"reverse\":true},\"id\":7}");
            assertThat(c.reply()).startsWith("{\"id\":7,\"history\":{\"publications\":[{\"data\":{\"n\":7},\"offset\":7},"
                    + "{\"data\":{\"n\":6},\"offset\":6}],");
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"since\":{\"offset\":4,\"epoch\":\"zzzzzzzz\"}},\"id\":8}");
            assertThat(c.reply()).isEqualTo("{\"id\":8,\"error\":{\"code\":112,\"message\":\"unrecoverable position\"}}");
            c.send("{\"history\":{\"channel\":\"news\",\"limit\":2,\"reverse\":true,\"since\":{\"offset\":0,\"epoch\":\""
                    + epoch + "\"}},\"id\":9}");
            assertThat(c.reply()).isEqualTo("{\"id\":9,\"error\":{\"code\":107,\"message\":\"bad request\"}}");
        }
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withHistory(HISTORY.withAllowHistory(false)))) {
            Conn c = open(push);
            c.send(connect(token("ann", 0)) + "\n{\"subscribe\":{\"channel\":\"news\"},\"id\":2}\n"
                    + "{\"history\":{\"channel\":\"news\",\"limit\":1},\"id\":3}");
            c.reply();
            c.reply();
            assertThat(c.reply()).as("history not allowed").isEqualTo("{\"id\":3,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
        }
    }

    /**
     * Private channels at the protocol level: no raw subscriber (403 at the upgrade), no client
     * publish (103); a subscription token's expiry is in the reply, a subscription not refreshed in
     * time is ended with the unsubscribe push 2501, and sub_refresh moves the deadline.
     */
    /**
     * Centrifuge's rules for info on refresh: a connection refresh whose token has info replaces
     * conn_info, one without keeps it; a sub_refresh sets chan_info to its token's, none included.
     */
    @Test
    void refreshesUpdateTheInfoAsCentrifugeDoes() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, true, false, false)))) {
            Conn c = open(push);
            c.send(connect(CentrifugoSdkTest.tokenWith("ann", java.util.Map.of("info", java.util.Map.of("v", 1))))
                    + "\n{\"subscribe\":{\"channel\":\"room\",\"token\":\"" + CentrifugoSdkTest.tokenWith("ann",
                    java.util.Map.of("channel", "room", "info", "seat 1")) + "\"},\"id\":2}");
            String connected = c.reply();
            String client = connected.substring(connected.indexOf("\"client\":\"") + 10, connected.indexOf("\"client\":\"") + 46);
            c.reply();
            String entry = "{\"id\":%d,\"presence\":{\"presence\":{\"" + client + "\":{\"user\":\"ann\",\"client\":\"" + client + "\"%s}}}}";
            c.send("{\"presence\":{\"channel\":\"room\"},\"id\":3}");
            assertThat(c.reply()).isEqualTo(entry.formatted(3, ",\"conn_info\":{\"v\":1},\"chan_info\":\"seat 1\""));
            c.send("{\"refresh\":{\"token\":\"" + CentrifugoSdkTest.tokenWith("ann", java.util.Map.of("info", List.of(2))) + "\"},\"id\":4}");
            assertThat(c.reply()).startsWith("{\"id\":4,\"refresh\":{");
            c.send("{\"refresh\":{\"token\":\"" + CentrifugoSdkTest.tokenWith("ann", java.util.Map.of()) + "\"},\"id\":5}");
            assertThat(c.reply()).startsWith("{\"id\":5,\"refresh\":{");
            c.send("{\"presence\":{\"channel\":\"room\"},\"id\":6}");
            assertThat(c.reply()).as("the second refresh had no info: the first one's stays")
                    .isEqualTo(entry.formatted(6, ",\"conn_info\":[2],\"chan_info\":\"seat 1\""));
            c.send("{\"sub_refresh\":{\"channel\":\"room\",\"token\":\"" + CentrifugoSdkTest.tokenWith("ann",
                    java.util.Map.of("channel", "room")) + "\"},\"id\":7}");
            assertThat(c.reply()).startsWith("{\"id\":7,\"sub_refresh\":{");
            c.send("{\"presence\":{\"channel\":\"room\"},\"id\":8}");
            assertThat(c.reply()).as("a sub_refresh token without info clears chan_info")
                    .isEqualTo(entry.formatted(8, ",\"conn_info\":[2]"));
            c.send("{\"unsubscribe\":{\"channel\":\"room\"},\"id\":9}\n{\"subscribe\":{\"channel\":\"room\",\"token\":\""
                    + CentrifugoSdkTest.tokenWith("ann", java.util.Map.of("channel", "room", "info", "seat 2")) + "\"},\"id\":10}\n"
                    + "{\"presence\":{\"channel\":\"room\"},\"id\":11}");
            c.reply();
            c.reply();
            assertThat(c.reply()).isEqualTo(entry.formatted(11, ",\"conn_info\":[2],\"chan_info\":\"seat 2\""));
        }
    }

    @Test
    void privateChannelsAndSubscriptionExpiry() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withAllowPublish(true)
                .withExpiredCloseDelay(Duration.ofMillis(200)).withStaleCloseDelay(Duration.ofMillis(400)))) {
            assertThatThrownBy(() -> client.connect(WebSocketRequest.to(push.address(), "/sub/$orders.ann"), new Inbox())
                    .get(10, TimeUnit.SECONDS)).hasMessageContaining("403");
            Conn c = open(push);
            c.send(connect(token("ann", 0)));
            c.reply();
            c.send("{\"publish\":{\"channel\":\"$orders.ann\",\"data\":{}},\"id\":2}");
            assertThat(c.reply()).isEqualTo("{\"id\":2,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
            String shortToken = CentrifugoSdkTest.subToken("ann", "$orders.ann", new Date((now() + 2) * 1000));
            c.send("{\"subscribe\":{\"channel\":\"$orders.ann\",\"token\":\"" + shortToken + "\"},\"id\":3}");
            assertThat(c.reply()).matches("\\{\"id\":3,\"subscribe\":\\{\"expires\":true,\"ttl\":[12]}}");
            // no refresh: 2501 once the token's expiry and the grace have passed
            assertThat(c.reply()).isEqualTo("{\"push\":{\"channel\":\"$orders.ann\",\"unsubscribe\":{\"code\":2501,"
                    + "\"reason\":\"subscription expired\"}}}");
            assertThat(push.topics().subscribers("#$orders.ann")).isZero();

            c.send("{\"subscribe\":{\"channel\":\"$orders.ann\",\"token\":\"" + CentrifugoSdkTest.subToken("ann", "$orders.ann",
                    new Date((now() + 2) * 1000)) + "\"},\"id\":4}");
            c.reply();
            c.send("{\"sub_refresh\":{\"channel\":\"$orders.ann\",\"token\":\"" + CentrifugoSdkTest.subToken("ann",
                    "$orders.ann", new Date((now() + 3600) * 1000)) + "\"},\"id\":5}");
            assertThat(c.reply()).matches("\\{\"id\":5,\"sub_refresh\":\\{\"expires\":true,\"ttl\":3[56][0-9]{2}}}");
            c.barrier(c.ws, "after the refresh");
            Thread.sleep(3_500);
            publish(push, "$orders.ann", "{\"still\":true}");
            assertThat(c.reply()).as("refreshed: still subscribed").contains("\"still\":true");
            c.send("{\"sub_refresh\":{\"channel\":\"$orders.bob\",\"token\":\"x\"},\"id\":6}");
            assertThat(c.reply()).as("not subscribed to it").isEqualTo("{\"id\":6,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
            c.send("{\"subscribe\":{\"channel\":\"news\",\"token\":\"not.a.jwt\"},\"id\":7}");
            assertThat(c.reply()).as("a bad subscription token").isEqualTo("{\"id\":7,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
        }
    }

    /** Namespaces: each its own options; a channel of an unknown namespace is 102; no namespace takes the top-level ones. */
    @Test
    void namespacesHaveTheirOwnOptions() throws Exception {
        io.throng.websocket.centrifugo.Namespace chat = new io.throng.websocket.centrifugo.Namespace("chat", true, true,
                HISTORY, new io.throng.websocket.centrifugo.PresenceOptions(true, true, false, false));
        io.throng.websocket.centrifugo.Namespace feed = new io.throng.websocket.centrifugo.Namespace("feed", false, false,
                io.throng.websocket.centrifugo.HistoryOptions.NONE, io.throng.websocket.centrifugo.PresenceOptions.NONE);
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withNamespaces(List.of(chat, feed)))) {
            Conn c = open(push);
            c.send(connect(token("ann", 0)));
            String connected = c.reply();
            String client = connected.substring(connected.indexOf("\"client\":\"") + 10, connected.indexOf("\"client\":\"") + 46);
            c.send("{\"subscribe\":{\"channel\":\"chat:lobby\",\"recoverable\":true},\"id\":2}");
            assertThat(c.reply()).contains("\"recoverable\":true");
            c.send("{\"presence_stats\":{\"channel\":\"chat:lobby\"},\"id\":3}");
            assertThat(c.reply()).isEqualTo("{\"id\":3,\"presence_stats\":{\"num_clients\":1,\"num_users\":1}}");
            c.send("{\"publish\":{\"channel\":\"chat:lobby\",\"data\":{\"hi\":1}},\"id\":4}");
            // with the publisher's ClientInfo, as Centrifugo (between data and offset: the protocol's field order)
            assertThat(c.reply()).isEqualTo("{\"push\":{\"channel\":\"chat:lobby\",\"pub\":{\"data\":{\"hi\":1},\"info\":{\"user\":"
                    + "\"ann\",\"client\":\"" + client + "\"},\"offset\":1}}}");
            assertThat(c.reply()).isEqualTo("{\"id\":4,\"publish\":{}}");
            c.send("{\"subscribe\":{\"channel\":\"feed:x\"},\"id\":5}");
            assertThat(c.reply()).as("feed: no subscribing without a token").isEqualTo("{\"id\":5,\"error\":{\"code\":103,\"message\":\"permission denied\"}}");
            c.send("{\"subscribe\":{\"channel\":\"nope:x\"},\"id\":6}");
            assertThat(c.reply()).isEqualTo("{\"id\":6,\"error\":{\"code\":102,\"message\":\"unknown channel\"}}");
            c.send("{\"subscribe\":{\"channel\":\"news\",\"recoverable\":true},\"id\":7}");
            assertThat(c.reply()).as("no namespace: the top-level options, no history").isEqualTo("{\"id\":7,\"subscribe\":{}}");
            c.send("{\"history\":{\"channel\":\"news\"},\"id\":8}");
            assertThat(c.reply()).isEqualTo("{\"id\":8,\"error\":{\"code\":108,\"message\":\"not available\"}}");
        }
        assertThat(io.throng.websocket.centrifugo.Namespace.of("$chat:ann")).isEqualTo("chat");
        assertThat(io.throng.websocket.centrifugo.Namespace.of("news")).isEmpty();
        assertThatThrownBy(() -> CentrifugoConfig.withSecret(SECRET).withNamespaces(List.of(chat, chat))).hasMessageContaining("twice");
    }

    @Test
    void aConnectErrorDropsTheRestOfItsFrame() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            Conn c = open(push);
            c.send(connect(token("ann", now() - 10)) + "\n{\"subscribe\":{\"channel\":\"news\"},\"id\":2}");
            assertThat(c.nextText()).isEqualTo("{\"id\":1,\"error\":{\"code\":109,\"message\":\"token expired\"}}");
            c.barrier(c.ws, "after the frame");
            assertThat(c.messages).isEmpty();
            assertThat(push.topics().subscribers("#news")).isZero();
            c.send("{\"subscribe\":{\"channel\":\"news\"},\"id\":3}"); // still not connected
            assertThat(c.closedWith()).isEqualTo("3501 bad request");
        }
    }

    @Test
    void everyBadTokenIsClosedWith3500AndCounted() throws Exception {
        String claims = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"sub\":\"ann\",\"exp\":" + (now() + 3600) + "}").getBytes(StandardCharsets.UTF_8));
        String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        SignedJWT hs512 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS512),
                new JWTClaimsSet.Builder().subject("ann").build());
        hs512.sign(new MACSigner(("x".repeat(64)).getBytes(StandardCharsets.UTF_8)));
        SignedJWT subscriptionToken = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder().subject("ann").claim("channel", "news").build());
        subscriptionToken.sign(new MACSigner(SECRET));
        String good = token("ann", now() + 3600);
        String tampered = good.substring(0, good.lastIndexOf('.') + 1) + "AAAA" + good.substring(good.lastIndexOf('.') + 5);
        List<String> bad = List.of(
                none + "." + claims + ".",                                         // alg: none
                none + "." + claims + "." + good.substring(good.lastIndexOf('.') + 1), // alg: none with a signature
                hs512.serialize(),                                                    // another algorithm
                tampered,                                                             // a signature that does not match
                subscriptionToken.serialize(),                                        // a subscription token
                "not.a.jwt",
                good + "x".repeat(5000));                                             // over 4 KiB
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            for (String t : bad) {
                Conn c = open(push);
                c.send(connect(t));
                assertThat(c.closedWith()).as(t.length() > 100 ? t.substring(0, 100) : t).isEqualTo("3500 invalid token");
            }
            assertThat(push.centrifugo().refusedTokens()).isEqualTo(bad.size());
            assertThat(push.centrifugo().connects()).isZero();
            Conn c = open(push);
            c.send(connect(good));
            assertThat(c.nextText()).startsWith("{\"id\":1,\"connect\":{\"client\":\"").contains("\"expires\":true,\"ttl\":");
        }
    }

    @Test
    void protocolMistakesAreClosedWith3501AndSendWith3508() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            String good = connect(token("ann", 0));
            List<String> frames = List.of(
                    "{\"subscribe\":{\"channel\":\"news\"},\"id\":1}",    // before connect
                    good + "\n\n{\"subscribe\":{\"channel\":\"a\"},\"id\":2}", // an empty line
                    "{\"connect\":{},\"id\":1",                             // not JSON
                    "[1,2]",                                                // not an object
                    "{\"connect\":{\"token\":\"x\"}}",                      // no id
                    "{\"connect\":{},\"id\":-1}",                           // not a uint32
                    "{\"frobnicate\":{},\"id\":1}",                         // no known request
                    good + "\n" + good.replace("\"id\":1", "\"id\":2"),     // a second connect
                    "{}");                                                  // a pong without a ping
            for (String f : frames) {
                Conn c = open(push);
                c.send(f);
                assertThat(c.closedWith()).as(f).isEqualTo("3501 bad request");
            }
            Conn c = open(push);
            c.send(good + "\n{\"send\":{\"data\":{}}}");
            c.nextText();
            assertThat(c.closedWith()).isEqualTo("3508 not available");
            Conn binary = open(push);
            binary.ws.sendBinary(new byte[] {1, 2});
            assertThat(binary.closedWith()).isEqualTo("3501 bad request");
        }
    }

    @Test
    void noPongIsClosedWith3012AndNoConnectWith3502() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withPing(Duration.ofSeconds(1), Duration.ofMillis(300))
                .withStaleCloseDelay(Duration.ofMillis(500));
        try (PushServer push = CentrifugoSdkTest.start(config)) {
            Conn silent = open(push);
            Conn answers = open(push);
            answers.autoPong = true;
            Conn stale = open(push);
            silent.send(connect(token("ann", 0)));
            answers.send(connect(token("bob", 0)));
            assertThat(silent.nextText()).contains("\"ping\":1,\"pong\":true");
            assertThat(answers.nextText()).contains("\"ping\":1,\"pong\":true");
            assertThat(silent.nextText()).isEqualTo("{}");
            assertThat(silent.closedWith()).isEqualTo("3012 no pong");
            assertThat(stale.closedWith()).isEqualTo("3502 stale");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (answers.pings.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(answers.pings.get()).isGreaterThanOrEqualTo(3);
            assertThat(answers.closed).isEmpty();
            assertThat(push.centrifugo().noPongCloses()).isEqualTo(1);
        }
    }

    /**
     * Admission by pending connects: while as many connections as allowed wait for their connect, an
     * upgrade is refused with 503 (not taken and then closed as stale, which the SDK takes as
     * final), and the SDK's own back-off brings it in once one of them connects or leaves.
     */
    @Test
    void upgradesAreRefusedWhileTooManyWaitForTheirConnectAndTheSdkRetries() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withMaxPendingConnects(2);
        try (PushServer push = CentrifugoSdkTest.start(config)) {
            Conn first = open(push);
            Conn second = open(push);
            assertThat(push.centrifugo().pendingConnects()).isEqualTo(2);
            assertThatThrownBy(() -> open(push)).hasRootCauseInstanceOf(WebSocketHandshakeException.class)
                    .rootCause().satisfies(e -> assertThat(((WebSocketHandshakeException) e).status()).isEqualTo(503));
            assertThat(push.centrifugo().refusedUpgrades()).isEqualTo(1);

            try (Peer sdk = Peer.node(java.util.Map.of("MIN_RECONNECT_MS", "100", "MAX_RECONNECT_MS", "300"),
                    "centrifuge-client.mjs", CentrifugoSdkTest.url(push), token("sdk", 0), "news")) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (push.centrifugo().refusedUpgrades() < 4) {
                    assertThat(System.nanoTime()).as("the SDK retries its refused upgrade").isLessThan(deadline);
                    Thread.sleep(20);
                }
                assertThat(push.centrifugo().connects()).isZero();

                first.send(connect(token("ann", 0))); // one connects: a place is free
                assertThat(first.nextText()).contains("\"connect\":{");
                assertThat(sdk.lineStartingWith("connected ", 20)).matches("connected [0-9a-f-]{36}");
                sdk.lineStartingWith("subscribed news", 10);
                assertThat(push.centrifugo().pendingConnects()).isEqualTo(1);

                second.ws.close(1000, "bye"); // one that leaves without connecting frees its place too
                assertThat(second.closedWith()).startsWith("1000");
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (push.centrifugo().pendingConnects() > 0) {
                    assertThat(System.nanoTime()).as("the close settles the waiting connection").isLessThan(deadline);
                    Thread.sleep(10);
                }
                Conn third = open(push);
                third.send(connect(token("bob", 0)));
                assertThat(third.nextText()).contains("\"connect\":{");
                assertThat(push.centrifugo().connects()).isEqualTo(3);
            }
        }
    }

    /**
     * While the process is behind (as many connections wait for their connect as admission allows),
     * a stale connection is not closed at its deadline (3502 would end an SDK for good) but given
     * more time, five more stale delays at most: then it is closed all the same.
     */
    @Test
    void aStaleCloseWaitsWhileTheProcessIsBehindButNotForever() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withMaxPendingConnects(2)
                .withStaleCloseDelay(Duration.ofMillis(400)); // swept every 200 ms
        try (PushServer push = CentrifugoSdkTest.start(config)) {
            long opened = System.nanoTime();
            Conn first = open(push);
            Conn second = open(push);
            assertThat(first.closed.poll(1500, TimeUnit.MILLISECONDS)).as("kept past its stale deadline while behind").isNull();
            assertThat(first.closedWith()).isEqualTo("3502 stale");
            assertThat(second.closedWith()).isEqualTo("3502 stale");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
            assertThat(ms).as("six stale delays and the sweeps").isBetween(2000L, 12_000L);
        }
    }

    @Test
    void aConnectionWhoseTokenExpiresIsClosedWith3005UnlessItRefreshes() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withPing(Duration.ofSeconds(1), Duration.ofMillis(500))
                .withExpiredCloseDelay(Duration.ofMillis(200)).withStaleCloseDelay(Duration.ofSeconds(1)); // expiry checked every 0.5 s
        try (PushServer push = CentrifugoSdkTest.start(config)) {
            long exp = now() + 2;
            Conn lazy = open(push);
            Conn refreshes = open(push);
            lazy.send(connect(token("ann", exp)));
            refreshes.send(connect(token("bob", exp)));
            assertThat(lazy.reply()).contains("\"expires\":true,\"ttl\":");
            assertThat(refreshes.reply()).contains("\"expires\":true,\"ttl\":");
            refreshes.send("{\"refresh\":{\"token\":\"" + token("bob", now() + 3600) + "\"},\"id\":2}");
            assertThat(refreshes.reply()).matches("\\{\"id\":2,\"refresh\":\\{\"expires\":true,\"ttl\":3[56]\\d\\d}}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (lazy.closed.isEmpty() && System.nanoTime() < deadline) {
                String m = lazy.messages.poll(100, TimeUnit.MILLISECONDS) instanceof Inbox.Message msg ? msg.string() : null;
                if ("{}".equals(m)) {
                    lazy.send("{}");
                }
                String r = refreshes.messages.poll() instanceof Inbox.Message msg ? msg.string() : null;
                if ("{}".equals(r)) {
                    refreshes.send("{}");
                }
            }
            assertThat(lazy.closedWith()).isEqualTo("3005 connection expired");
            assertThat(refreshes.closed).isEmpty();
            // a refresh for another user is refused
            refreshes.send("{\"refresh\":{\"token\":\"" + token("eve", now() + 3600) + "\"},\"id\":3}");
            assertThat(refreshes.closedWith()).isEqualTo("3500 invalid token");
        }
    }

    @Test
    void originsAndTheProtobufFormatAreCheckedAtTheUpgrade() throws Exception {
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET).withAllowedOrigins(List.of("https://ok.example")))) {
            Conn ok = new Conn();
            client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH).withHeader("Origin", "https://ok.example"), ok)
                    .get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH)
                    .withHeader("Origin", "https://evil.example"), new Conn()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("403");
            assertThatThrownBy(() -> client.connect(WebSocketRequest.to(push.address(), PushServer.CENTRIFUGO_PATH)
                    .withSubprotocols(List.of("centrifuge-protobuf")), new Conn()).get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasMessageContaining("400");
        }
        try (PushServer off = PushServer.start(io.throng.core.config.ServerConfig.defaults().withPort(0).withLoops(1),
                WebSocketConfig.defaults())) {
            assertThatThrownBy(() -> client.connect(WebSocketRequest.to(off.address(), PushServer.CENTRIFUGO_PATH), new Conn())
                    .get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasMessageContaining("404");
        }
    }
}
