package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.throng.core.config.ServerConfig;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.centrifugo.TokenKeys;
import io.throng.websocket.push.PushServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The push service against Centrifugo's official JavaScript SDK ({@code centrifuge} from npm, run
 * by Node over the {@code ws} library; src/test/node/centrifuge-client.mjs): the SDK frames every
 * command and reads every reply and push itself, so these pass only if throng speaks the protocol
 * the way the SDK expects.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CentrifugoSdkTest {
    static final byte[] SECRET = "a test secret of more than thirty-two bytes".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void sdkInstalled() {
        if (!Files.isDirectory(Peer.NODE_DIR.resolve("node_modules/centrifuge"))) {
            throw new AssertionError("the centrifuge npm package is not installed in " + Peer.NODE_DIR
                    + ": npm ci --prefix throng-websocket/src/test/node (bin/test-peers.sh does it; ./mvnw verify runs that)");
        }
    }

    static PushServer start(CentrifugoConfig config) throws Exception {
        return PushServer.start(ServerConfig.defaults().withPort(0).withLoops(1), WebSocketConfig.defaults(), LocalBus::new, config);
    }

    static String url(PushServer push) {
        return "ws://127.0.0.1:" + push.port() + "/connection/websocket";
    }

    static String token(byte[] secret, String user, Date expires, List<String> channels) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(user);
        if (expires != null) {
            claims.expirationTime(expires);
        }
        if (channels != null) {
            claims.claim("channels", channels);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    static Date inAnHour() {
        return new Date(System.currentTimeMillis() + 3_600_000);
    }

    @Test
    void theSdkConnectsSubscribesAndGetsWhatHttpAndOtherClientsPublish() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withAllowPublish(true));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "chat");
             Peer bob = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "bob", inAnHour(), null), "chat")) {
            assertThat(ann.lineStartingWith("connected ", 20)).matches("connected [0-9a-f-]{36}");
            ann.lineStartingWith("subscribed chat", 10);
            bob.lineStartingWith("subscribed chat", 20);
            assertThat(push.topics().subscribers("#chat")).isEqualTo(2);

            HttpResponseCheck.post(push, "/pub/chat", "{\"text\": \"from http\",\n \"n\": [1, 2.5e3]}");
            // the line break is gone (it would split the newline-delimited framing); JavaScript prints 2.5e3 as 2500
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"text\":\"from http\",\"n\":[1,2500]}");
            assertThat(bob.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"text\":\"from http\",\"n\":[1,2500]}");

            HttpResponseCheck.post(push, "/pub/chat", "plain text, not JSON");
            assertThat(bob.lineStartingWith("pub ", 10)).isEqualTo("pub chat \"plain text, not JSON\"");

            ann.send("publish chat {\"from\":\"ann\",\"k\":\"caf\u00e9\"}");
            ann.lineStartingWith("published chat", 10);
            assertThat(bob.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"from\":\"ann\",\"k\":\"caf\u00e9\"}");
            assertThat(push.centrifugo().connects()).isEqualTo(2);
            assertThat(push.centrifugo().clientPublishes()).isEqualTo(1);
            assertThat(PushServerTest.get(push, "/stats").body())
                    .contains("\"centrifugo\":{\"sessions\":2,\"connects\":2,\"refusedTokens\":0,\"clientPublishes\":1,\"noPongCloses\":0,\"pendingConnects\":0,\"refusedUpgrades\":0,\"recoveries\":0,\"failedRecoveries\":0}");
        }
    }

    /**
     * Issue 21's recovery target, run by the SDK's own recovery: its connection is cut (no close
     * frame) and, while it waits out its reconnect delay, 1,000 messages are published; when it
     * reconnects it resubscribes with its offset and epoch and gets all 1,000, in order, once,
     * then the live ones; the history command reads them back.
     */
    @Test
    void aSubscriberCutOffWhile1000ArePublishedRecoversThemAllInOrder() throws Exception {
        HistoryOptions history = HistoryOptions.of(2000, Duration.ofMinutes(5)).withRecoveryMaxPublications(1000)
                .withAllowHistory(true);
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withHistory(history));
             Peer ann = Peer.node(java.util.Map.of("RECOVERABLE", "1", "MIN_RECONNECT_MS", "4000", "MAX_RECONNECT_MS", "5000"),
                     "centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "news")) {
            assertThat(ann.lineStartingWith("subscribed news", 20)).contains("offset=0");
            HttpResponseCheck.post(push, "/pub/news", "{\"n\":0}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":0}");

            ann.send("drop");
            ann.lineStartingWith("dropped", 10);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (push.topics().subscribers("#news") > 0) {
                assertThat(System.nanoTime()).as("the server saw the connection end").isLessThan(deadline);
                Thread.sleep(10);
            }
            for (int n = 1; n <= 1000; n++) {
                HttpResponseCheck.post(push, "/pub/news", "{\"n\":" + n + "}");
            }
            assertThat(push.topics().subscribers("#news")).as("still away when the 1,000th was published").isZero();

            assertThat(ann.lineStartingWith("subscribed news", 30)).contains("was-recovering recovered=true");
            for (int n = 1; n <= 1000; n++) {
                assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"n\":" + n + "}");
            }
            assertThat(ann.lineStartingWith("recovered news", 10)).isEqualTo("recovered news 1000");
            assertThat(push.centrifugo().recoveries()).isEqualTo(1);
            HttpResponseCheck.post(push, "/pub/news", "{\"n\":1001}");
            assertThat(ann.lineStartingWith("pub ", 10)).as("then live, nothing twice").isEqualTo("pub news {\"n\":1001}");

            ann.send("history news 2");
            assertThat(ann.lineStartingWith("history ", 10)).startsWith("history news [[1,{\"n\":0}],[2,{\"n\":1}]] offset=1002 epoch=");
        }
    }

    static String subToken(String user, String channel, Date expires) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(user).claim("channel", channel);
        if (expires != null) {
            claims.expirationTime(expires);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new MACSigner(SECRET));
        return jwt.serialize();
    }

    /**
     * A private channel ($) takes a subscriber only with a subscription token for that user and
     * channel: without one the SDK gets 103; with one it is subscribed and gets what is published;
     * an expired one gets 109 and the SDK's getToken is asked for a new one.
     */
    @Test
    void aPrivateChannelNeedsItsSubscriptionToken() throws Exception {
        String channel = "$orders.ann";
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer without = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), channel);
             Peer with = Peer.node(java.util.Map.of("SUB_TOKEN", subToken("ann", channel, inAnHour())), "centrifuge-client.mjs",
                     url(push), token(SECRET, "ann", inAnHour(), null), channel);
             Peer expired = Peer.node(java.util.Map.of("SUB_TOKEN", subToken("ann", channel, new Date(System.currentTimeMillis() - 60_000)),
                             "SUB_NEXT_TOKENS", subToken("ann", channel, inAnHour())), "centrifuge-client.mjs",
                     url(push), token(SECRET, "ann", inAnHour(), null), channel)) {
            assertThat(without.lineStartingWith("unsubscribed ", 20)).as("103 is terminal for the SDK").isEqualTo("unsubscribed " + channel + " 103");
            assertThat(with.lineStartingWith("subscribed ", 20)).startsWith("subscribed " + channel);
            expired.lineStartingWith("get-sub-token", 20);
            assertThat(expired.lineStartingWith("subscribed ", 20)).startsWith("subscribed " + channel);
            assertThat(push.topics().subscribers("#" + channel)).isEqualTo(2);
            HttpResponseCheck.post(push, "/pub/" + channel, "{\"order\":7}");
            assertThat(with.lineStartingWith("pub ", 10)).isEqualTo("pub " + channel + " {\"order\":7}");
            assertThat(expired.lineStartingWith("pub ", 10)).isEqualTo("pub " + channel + " {\"order\":7}");
        }
    }

    /** A subscription token for another channel, or another user, is an attack or a bug: 3500, as Centrifugo. */
    @Test
    void aSubscriptionTokenForAnotherChannelOrUserClosesWith3500() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer otherChannel = Peer.node(java.util.Map.of("SUB_TOKEN", subToken("ann", "$orders.bob", inAnHour())),
                     "centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "$orders.ann");
             Peer otherUser = Peer.node(java.util.Map.of("SUB_TOKEN", subToken("bob", "$orders.ann", inAnHour())),
                     "centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "$orders.ann")) {
            assertThat(otherChannel.lineStartingWith("disconnected ", 20)).isEqualTo("disconnected 3500 invalid token");
            assertThat(otherUser.lineStartingWith("disconnected ", 20)).isEqualTo("disconnected 3500 invalid token");
            assertThat(push.topics().subscribers("#$orders.ann")).isZero();
        }
    }

    /** A subscription token that expires is renewed by the SDK's sub_refresh before it runs out: no 2501, still subscribed. */
    @Test
    void anExpiringSubscriptionIsRefreshedThroughTheSdksGetToken() throws Exception {
        String channel = "$orders.ann";
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withExpiredCloseDelay(Duration.ofMillis(500)));
             Peer ann = Peer.node(java.util.Map.of("SUB_TOKEN", subToken("ann", channel, new Date(System.currentTimeMillis() + 3_000)),
                             "SUB_NEXT_TOKENS", subToken("ann", channel, inAnHour())), "centrifuge-client.mjs",
                     url(push), token(SECRET, "ann", inAnHour(), null), channel)) {
            assertThat(ann.lineStartingWith("subscribed ", 20)).startsWith("subscribed " + channel);
            ann.lineStartingWith("get-sub-token", 10); // the SDK's sub_refresh, ~3 s in
            Thread.sleep(3_000); // past the first token's expiry and the grace: a missed refresh would be a 2501 by now
            HttpResponseCheck.post(push, "/pub/" + channel, "{\"order\":8}");
            assertThat(ann.lineStartingWith("pub ", 10)).as("still subscribed, never unsubscribed")
                    .isEqualTo("pub " + channel + " {\"order\":8}");
            assertThat(push.topics().subscribers("#" + channel)).isEqualTo(1);
        }
    }

    /**
     * Presence and join/leave through the SDK: a subscriber that asked for join/leave sees the
     * others come and go (an unsubscribe, and a connection that ends); presence and
     * presence_stats list this process's subscribers.
     */
    @Test
    void presenceAndJoinLeaveReachTheSdk() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, true, true, false));
        try (PushServer push = start(config);
             Peer ann = Peer.node(java.util.Map.of("JOIN_LEAVE", "1"), "centrifuge-client.mjs", url(push),
                     token(SECRET, "ann", inAnHour(), null), "chat")) {
            ann.lineStartingWith("subscribed chat", 20);
            assertThat(ann.lineStartingWith("join ", 10)).as("its own join, as Centrifugo sends it").isEqualTo("join chat ann");
            try (Peer bob = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "bob", inAnHour(), null), "chat");
                 Peer bob2 = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "bob", inAnHour(), null), "chat")) {
                bob.lineStartingWith("subscribed chat", 20);
                bob2.lineStartingWith("subscribed chat", 20);
                assertThat(ann.lineStartingWith("join ", 10)).isEqualTo("join chat bob");
                assertThat(ann.lineStartingWith("join ", 10)).isEqualTo("join chat bob");
                ann.send("presence chat");
                assertThat(ann.lineStartingWith("presence ", 10)).isEqualTo("presence chat ann,bob,bob");
                ann.send("presence-stats chat");
                assertThat(ann.lineStartingWith("presence-stats ", 10)).isEqualTo("presence-stats chat 3 2");
                bob.send("unsubscribe");
                assertThat(ann.lineStartingWith("leave ", 10)).as("an unsubscribe").isEqualTo("leave chat bob");
            }
            assertThat(ann.lineStartingWith("leave ", 10)).as("a connection that ended").isEqualTo("leave chat bob");
            ann.send("presence-stats chat");
            assertThat(ann.lineStartingWith("presence-stats ", 10)).isEqualTo("presence-stats chat 1 1");
        }
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "chat")) {
            ann.lineStartingWith("subscribed chat", 20);
            ann.send("presence chat");
            assertThat(ann.lineStartingWith("presence-error ", 10)).as("presence off").isEqualTo("presence-error 108 not available");
        }
    }

    /** A token signed with {@link #SECRET} for {@code user}, valid for an hour, with {@code extra} claims (aud, iss, info, channel...). */
    static String tokenWith(String user, java.util.Map<String, Object> extra) throws Exception {
        return tokenWith(SECRET, user, extra);
    }

    static String tokenWith(byte[] secret, String user, java.util.Map<String, Object> extra) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(user).expirationTime(inAnHour());
        extra.forEach(claims::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    /**
     * Centrifugo's client.subscription_token: subscription tokens checked with their own key and
     * audience only; one signed with the connection tokens' key gets 103 (an invalid token), as does
     * one for the connection tokens' audience.
     */
    @Test
    void subscriptionTokensMayHaveTheirOwnKeyAndAudience() throws Exception {
        byte[] subSecret = "the subscription tokens' own secret, 32+ bytes".getBytes(StandardCharsets.UTF_8);
        TokenKeys keys = TokenKeys.hmac(SECRET).withChecks(new io.throng.websocket.centrifugo.ClaimChecks("app", null, null, null))
                .withSubscription(TokenKeys.hmac(subSecret).withChecks(new io.throng.websocket.centrifugo.ClaimChecks("subs", null,
                        null, null)));
        String connection = tokenWith("ann", java.util.Map.of("aud", "app"));
        try (PushServer push = start(CentrifugoConfig.of(keys, false));
             Peer own = Peer.node(java.util.Map.of("SUB_TOKEN", tokenWith(subSecret, "ann", java.util.Map.of("channel", "$orders.ann",
                     "aud", "subs"))), "centrifuge-client.mjs", url(push), connection, "$orders.ann");
             Peer connectionKey = Peer.node(java.util.Map.of("SUB_TOKEN", tokenWith(SECRET, "ann", java.util.Map.of("channel",
                     "$orders.ann", "aud", "subs"))), "centrifuge-client.mjs", url(push), connection, "$orders.ann");
             Peer connectionAudience = Peer.node(java.util.Map.of("SUB_TOKEN", tokenWith(subSecret, "ann", java.util.Map.of("channel",
                     "$orders.ann", "aud", "app"))), "centrifuge-client.mjs", url(push), connection, "$orders.ann")) {
            assertThat(own.lineStartingWith("subscribed ", 20)).startsWith("subscribed $orders.ann");
            assertThat(connectionKey.lineStartingWith("unsubscribed ", 20)).isEqualTo("unsubscribed $orders.ann 103");
            assertThat(connectionAudience.lineStartingWith("unsubscribed ", 20)).isEqualTo("unsubscribed $orders.ann 103");
            assertThat(push.centrifugo().connects()).isEqualTo(3);
        }
    }

    /**
     * Centrifugo's client.token.audience and issuer: the SDK with a token for another audience (or
     * none, or another issuer) is closed with 3500 "invalid token", final for the SDK; with the
     * right ones it connects; a subscription token for another audience gets 103.
     */
    @Test
    void aTokenForAnotherAudienceIsRefusedWith3500AndTheRightOneConnects() throws Exception {
        TokenKeys keys = TokenKeys.hmac(SECRET).withChecks(new io.throng.websocket.centrifugo.ClaimChecks("app", null,
                "https://auth.example", null));
        java.util.Map<String, Object> right = java.util.Map.of("aud", "app", "iss", "https://auth.example");
        try (PushServer push = start(CentrifugoConfig.of(keys, false));
             Peer wrongAud = Peer.node("centrifuge-client.mjs", url(push),
                     tokenWith("ann", java.util.Map.of("aud", "other-app", "iss", "https://auth.example")), "chat");
             Peer noAud = Peer.node("centrifuge-client.mjs", url(push), tokenWith("ann", java.util.Map.of("iss", "https://auth.example")), "chat");
             Peer wrongIss = Peer.node("centrifuge-client.mjs", url(push),
                     tokenWith("ann", java.util.Map.of("aud", "app", "iss", "https://evil.example")), "chat");
             Peer good = Peer.node("centrifuge-client.mjs", url(push), tokenWith("ann", right), "chat");
             Peer subWrongAud = Peer.node(java.util.Map.of("SUB_TOKEN", tokenWith("ann", java.util.Map.of("channel", "$orders.ann",
                             "aud", "other-app", "iss", "https://auth.example"))), "centrifuge-client.mjs", url(push),
                     tokenWith("ann", right), "$orders.ann");
             Peer subRight = Peer.node(java.util.Map.of("SUB_TOKEN", tokenWith("ann", java.util.Map.of("channel", "$orders.ann",
                             "aud", "app", "iss", "https://auth.example"))), "centrifuge-client.mjs", url(push),
                     tokenWith("ann", right), "$orders.ann")) {
            assertThat(wrongAud.lineStartingWith("disconnected ", 20)).isEqualTo("disconnected 3500 invalid token");
            assertThat(noAud.lineStartingWith("disconnected ", 20)).isEqualTo("disconnected 3500 invalid token");
            assertThat(wrongIss.lineStartingWith("disconnected ", 20)).isEqualTo("disconnected 3500 invalid token");
            good.lineStartingWith("connected ", 20);
            assertThat(good.lineStartingWith("subscribed ", 10)).startsWith("subscribed chat");
            subWrongAud.lineStartingWith("connected ", 20);
            assertThat(subWrongAud.lineStartingWith("unsubscribed ", 20)).as("103 is terminal for the SDK")
                    .isEqualTo("unsubscribed $orders.ann 103");
            assertThat(subRight.lineStartingWith("subscribed ", 20)).startsWith("subscribed $orders.ann");
            assertThat(push.centrifugo().refusedTokens()).isEqualTo(4);
            assertThat(push.centrifugo().connects()).isEqualTo(3);
        }
    }

    /**
     * A connection token's info (and b64info) and a subscription token's info reach the SDK where
     * Centrifugo puts them: as connInfo/chanInfo in presence, in join and leave, and in the info
     * of a publication a client publishes (the publisher's ClientInfo, with its client id).
     */
    @Test
    void tokenInfoReachesPresenceJoinLeaveAndClientPublications() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withAllowPublish(true)
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(true, true, true, false));
        String bobInfo = java.util.Base64.getEncoder().encodeToString("{\"name\":\"Bob\"}".getBytes(StandardCharsets.UTF_8));
        try (PushServer push = start(config);
             Peer ann = Peer.node(java.util.Map.of("JOIN_LEAVE", "1", "SUB_TOKEN", tokenWith("ann", java.util.Map.of("channel", "chat",
                             "info", java.util.Map.of("seat", 1)))), "centrifuge-client.mjs", url(push),
                     tokenWith("ann", java.util.Map.of("info", java.util.Map.of("name", "Ann"))), "chat")) {
            String annId = ann.lineStartingWith("connected ", 20).substring("connected ".length());
            ann.lineStartingWith("subscribed chat", 20);
            String annInfo = "{\"user\":\"ann\",\"client\":\"" + annId + "\",\"connInfo\":{\"name\":\"Ann\"},\"chanInfo\":{\"seat\":1}}";
            assertThat(ann.lineStartingWith("join-info ", 10)).as("its own join").isEqualTo("join-info chat " + annInfo);
            try (Peer bob = Peer.node("centrifuge-client.mjs", url(push), tokenWith("bob", java.util.Map.of("b64info", bobInfo)), "chat")) {
                String bobId = bob.lineStartingWith("connected ", 20).substring("connected ".length());
                bob.lineStartingWith("subscribed chat", 20);
                String bobClient = "{\"user\":\"bob\",\"client\":\"" + bobId + "\",\"connInfo\":{\"name\":\"Bob\"}}";
                assertThat(ann.lineStartingWith("join-info ", 10)).isEqualTo("join-info chat " + bobClient);

                ann.send("presence-info chat");
                assertThat(ann.lineStartingWith("presence-info ", 10)).isEqualTo("presence-info chat [" + annInfo + "," + bobClient + "]");

                bob.send("publish chat {\"text\":\"hi\"}");
                assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"text\":\"hi\"}");
                assertThat(ann.lineStartingWith("pub-info ", 10)).as("the publisher's ClientInfo").isEqualTo("pub-info chat " + bobClient);
                assertThat(bob.lineStartingWith("pub-info ", 10)).as("its own, as it is subscribed").isEqualTo("pub-info chat " + bobClient);
                ann.send("publish chat {\"text\":\"hello\"}");
                assertThat(bob.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"text\":\"hello\"}");
                assertThat(bob.lineStartingWith("pub-info ", 10)).as("with the chan_info of its subscription")
                        .isEqualTo("pub-info chat " + annInfo);
                HttpResponseCheck.post(push, "/pub/chat", "{\"text\":\"from the server\"}");
                bob.lineStartingWith("pub chat {\"text\":\"from the server\"}", 10);
                bob.send("unsubscribe");
                // ann's lines up to bob's leave: the server's publication among them, with no info after it
                List<String> lines = new java.util.ArrayList<>();
                String line;
                while (!(line = ann.lineStartingWith("", 10)).startsWith("leave-info ")) {
                    lines.add(line);
                }
                assertThat(line).isEqualTo("leave-info chat " + bobClient);
                int server = lines.indexOf("pub chat {\"text\":\"from the server\"}");
                assertThat(server).as("ann's lines: " + lines).isNotNegative();
                assertThat(lines.subList(server + 1, lines.size())).as("a publication from the server carries no info")
                        .noneMatch(l -> l.startsWith("pub-info"));
            }
            ann.send("presence-info chat");
            assertThat(ann.lineStartingWith("presence-info ", 10)).isEqualTo("presence-info chat [" + annInfo + "]");
        }
    }

    @Test
    void rs256AndEs256TokensConnectTheSdkToo() throws Exception {
        java.security.KeyPairGenerator rsaGen = java.security.KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        java.security.KeyPair rsa = rsaGen.generateKeyPair();
        java.security.KeyPairGenerator ecGen = java.security.KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        java.security.KeyPair ec = ecGen.generateKeyPair();
        TokenKeys keys = new TokenKeys(SECRET, (java.security.interfaces.RSAPublicKey) rsa.getPublic(),
                (java.security.interfaces.ECPublicKey) ec.getPublic());
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject("ann").expirationTime(inAnHour()).build();
        SignedJWT rs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        rs256.sign(new RSASSASigner(rsa.getPrivate()));
        SignedJWT es256 = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), claims);
        es256.sign(new ECDSASigner((java.security.interfaces.ECPrivateKey) ec.getPrivate()));
        try (PushServer push = start(CentrifugoConfig.of(keys, false));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), rs256.serialize(), "alerts");
             Peer bob = Peer.node("centrifuge-client.mjs", url(push), es256.serialize(), "alerts")) {
            ann.lineStartingWith("subscribed alerts", 20);
            bob.lineStartingWith("subscribed alerts", 20);
            HttpResponseCheck.post(push, "/pub/alerts", "{\"level\":\"high\"}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub alerts {\"level\":\"high\"}");
            assertThat(bob.lineStartingWith("pub ", 10)).isEqualTo("pub alerts {\"level\":\"high\"}");
        }
    }

    @Test
    void clientsMayNotPublishUnlessAllowed() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", null, null), "chat")) {
            ann.lineStartingWith("subscribed chat", 20);
            ann.send("publish chat {\"x\":1}");
            assertThat(ann.lineStartingWith("publish-error", 10)).startsWith("publish-error 103 permission denied");
        }
    }

    @Test
    void theTokensChannelsAreServerSideSubscriptions() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), List.of("news")), "-")) {
            ann.lineStartingWith("subscribed news (server-side)", 20);
            HttpResponseCheck.post(push, "/pub/news", "{\"title\":\"hello\"}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub news {\"title\":\"hello\"} (server-side)");
        }
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefusedWith3500() throws Exception {
        byte[] other = "another secret, also more than 32 bytes long".getBytes(StandardCharsets.UTF_8);
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(other, "ann", inAnHour(), null), "chat")) {
            assertThat(ann.lineStartingWith("disconnected", 20)).isEqualTo("disconnected 3500 invalid token");
            assertThat(push.centrifugo().refusedTokens()).isEqualTo(1);
            assertThat(push.centrifugo().connects()).isZero();
        }
    }

    @Test
    void anExpiredTokenGets109AndTheSdkAsksForANewOne() throws Exception {
        Date past = new Date(System.currentTimeMillis() - 60_000);
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET))) {
            // getToken gives nothing: the SDK gives up, "unauthorized"
            try (Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", past, null), "-", "-", "null")) {
                assertThat(ann.lineStartingWith("error connect", 20)).isEqualTo("error connect 109 token expired");
                ann.lineStartingWith("get-token", 10);
                assertThat(ann.lineStartingWith("disconnected", 10)).isEqualTo("disconnected 1 unauthorized");
            }
            // getToken gives a good one: connected on the next attempt
            try (Peer bob = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "bob", past, null), "chat", "-",
                    token(SECRET, "bob", inAnHour(), null))) {
                bob.lineStartingWith("error connect 109", 20);
                bob.lineStartingWith("connected ", 20);
                bob.lineStartingWith("subscribed chat", 10);
            }
            assertThat(push.centrifugo().refusedTokens()).isEqualTo(2);
        }
    }

    @Test
    void noTokenIsRefusedUnlessAnonymousConnectionsAreAllowed() throws Exception {
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET));
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), "-", "chat")) {
            assertThat(ann.lineStartingWith("disconnected", 20)).isEqualTo("disconnected 3501 client credentials not found");
        }
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withAllowAnonymous(true));
             Peer anon = Peer.node("centrifuge-client.mjs", url(push), "-", "chat")) {
            anon.lineStartingWith("subscribed chat", 20);
        }
    }

    @Test
    void theSdksPongsKeepTheConnectionOverSeveralPings() throws Exception {
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withPing(Duration.ofSeconds(1), Duration.ofMillis(500));
        try (PushServer push = start(config);
             // the SDK reconnects ("no ping") if no ping comes within 1 s + 700 ms
             Peer ann = Peer.node("centrifuge-client.mjs", url(push), token(SECRET, "ann", inAnHour(), null), "chat", "700")) {
            ann.lineStartingWith("subscribed chat", 20);
            long pingsBefore = push.stats().messagesOut();
            Thread.sleep(4_500);
            HttpResponseCheck.post(push, "/pub/chat", "{\"still\":\"here\"}");
            assertThat(ann.lineStartingWith("pub ", 10)).isEqualTo("pub chat {\"still\":\"here\"}");
            // one "connecting" (the first connect's), no reconnect
            assertThat(ann.output().lines().filter(l -> l.startsWith("connecting")).toList()).containsExactly("connecting 0 connect called");
            assertThat(ann.output()).doesNotContain("disconnected");
            assertThat(push.centrifugo().connects()).isEqualTo(1);
            assertThat(push.centrifugo().noPongCloses()).isZero();
            assertThat(push.stats().messagesOut() - pingsBefore).isGreaterThanOrEqualTo(4); // 4 pings and the publication
        }
    }

    @Test
    void theSdksBrowserBuildWorksInChromium() throws Exception {
        Peer.requireChromium();
        java.nio.file.Path screenshot = java.nio.file.Path.of("target", "centrifugo-browser.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withAllowPublish(true).withAllowedOrigins(List.of("*"));
        try (PushServer push = start(config);
             Peer browser = Peer.node("centrifuge-browser.mjs", "http://127.0.0.1:" + push.port(),
                     token(SECRET, "ann", inAnHour(), null), "news", screenshot.toString())) {
            browser.lineStartingWith("subscribed", 60);
            HttpResponseCheck.post(push, "/pub/news", "{\"title\":\"from the Java test\"}");
            browser.send("published");
            String result = browser.lineStartingWith("{", 60);
            assertThat(result).contains("\"ok\":true").contains("connected websocket").contains("subscribed news")
                    .contains("pub {\\\"title\\\":\\\"from the Java test\\\"}").contains("pub {\\\"from\\\":\\\"chromium\\\"}");
            assertThat(browser.exitCode(20)).isZero();
            assertThat(push.centrifugo().clientPublishes()).isEqualTo(1);
        }
    }

    @Test
    void aBrowserFromAnOriginNotAllowedIsRefused() throws Exception {
        Peer.requireChromium();
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withAllowedOrigins(List.of("https://app.example.com")));
             Peer browser = Peer.node(java.util.Map.of("SUBSCRIBE_TIMEOUT_MS", "3000"), "centrifuge-browser.mjs",
                     "http://127.0.0.1:" + push.port(), token(SECRET, "ann", inAnHour(), null), "news", "/dev/null")) {
            String result = browser.lineStartingWith("{", 60);
            assertThat(result).contains("\"ok\":false").doesNotContain("connected websocket");
            assertThat(push.centrifugo().connects()).isZero();
            assertThat(push.stats().refused()).isPositive();
        }
    }

    /** POST through the JDK's HttpClient, expecting 200. */
    static final class HttpResponseCheck {
        static void post(PushServer push, String path, String body) throws Exception {
            assertThat(PushServerTest.post(push, path, body.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
        }
    }
}
