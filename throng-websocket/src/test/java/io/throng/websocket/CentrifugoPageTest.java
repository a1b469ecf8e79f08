package io.throng.websocket;

import static io.throng.websocket.CentrifugoSdkTest.SECRET;
import static io.throng.websocket.CentrifugoSdkTest.inAnHour;
import static io.throng.websocket.CentrifugoSdkTest.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.config.ServerConfig;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.centrifugo.PresenceOptions;
import io.throng.websocket.push.CentrifugoPage;
import io.throng.websocket.push.PushServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * throng push's own Centrifugo page ({@code GET /centrifugo}, {@link CentrifugoPage}) in Debian's
 * Chromium, driven through its fields and buttons (src/test/node/centrifugo-page.mjs): the page
 * runs the official SDK's browser bundle, so connecting, reconnecting and recovering are the SDK's
 * own; the test reads what the page shows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CentrifugoPageTest {
    static final Path SDK = Peer.NODE_DIR.resolve("node_modules/centrifuge/dist/centrifuge.js");
    static final String API_KEY = "the-api-key-of-the-page-test";

    static PushServer start(CentrifugoConfig config, CentrifugoPage page) throws Exception {
        return PushServer.start(ServerConfig.defaults().withPort(0).withLoops(1), WebSocketConfig.defaults(), LocalBus::new,
                config, page);
    }

    static String api(PushServer push, String method, String body) throws Exception {
        var r = PushServerTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + push.port() + "/api/" + method))
                .header("X-API-Key", API_KEY).POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body().strip();
    }

    /** Sends a command to the page's driver and returns its answer, which starts with {@code answer}. */
    static String ask(Peer page, String command, String answer) throws Exception {
        page.send(command);
        return page.lineStartingWith(answer, 30);
    }

    /** Waits until the element {@code id} shows {@code text}; its whole text. */
    static String await(Peer page, String id, String text) throws Exception {
        String line = ask(page, "wait " + id + " " + text, "");
        assertThat(line).as("#" + id + " shows '" + text + "'").startsWith("text " + id + " ");
        return line.substring(("text " + id + " ").length());
    }

    static void connect(Peer page, String token, String channel, String subToken) throws Exception {
        ask(page, "fill token " + token, "filled token");
        ask(page, "fill channel " + channel, "filled channel");
        ask(page, "fill sub-token " + subToken, "filled sub-token");
        ask(page, "click connect", "clicked connect");
    }

    /**
     * The issue's browser scenario: connect with a token, subscribe (recoverable, positioned),
     * receive what the server API publishes with its offsets, publish from the page, see presence;
     * then the server disconnects the client with a reconnect code (3011, through the API), three
     * publications are made while it is away, and the SDK reconnects by itself and recovers them:
     * offsets 3, 4, 5, in order, once, then the live ones. The token never appears in a URL.
     */
    @Test
    void thePageConnectsSubscribesRecoversWhatItMissedAndShowsPresence() throws Exception {
        Peer.requireChromium();
        // Taken under target/ on every run; -Dthrong.updateScreenshot=true also copies it to docs/centrifugo-page.png
        Path screenshot = Path.of("target", "centrifugo-page.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        CentrifugoConfig config = CentrifugoConfig.withSecret(SECRET).withAllowPublish(true).withAllowedOrigins(List.of("*"))
                .withHistory(HistoryOptions.of(100, Duration.ofMinutes(5)))
                .withPresence(new PresenceOptions(true, true, false, false))
                .withApiKey(ApiKey.of(API_KEY.getBytes(StandardCharsets.UTF_8)));
        String token = token(SECRET, "ann", inAnHour(), null);
        try (PushServer push = start(config, CentrifugoPage.withSdkFile(SDK));
             Peer page = Peer.node("centrifugo-page.mjs", "http://127.0.0.1:" + push.port())) {
            assertThat(page.lineStartingWith("ready ", 60)).isEqualTo("ready sdk=loaded");
            connect(page, token, "news", "");
            String connected = await(page, "conn-state", "connected as client ");
            String clientId = connected.substring("connected as client ".length());
            assertThat(clientId).matches("[0-9a-f-]{36}");
            assertThat(await(page, "sub-state", "subscribed")).isEqualTo("subscribed to news");
            String stream = await(page, "stream", "offset");
            assertThat(stream).matches("offset 0, epoch [A-Za-z]+; recoverable, positioned");
            String epoch = stream.replaceAll(".*epoch ([A-Za-z]+);.*", "$1");

            assertThat(api(push, "publish", "{\"channel\":\"news\",\"data\":{\"n\":1}}")).startsWith("{\"result\":{\"offset\":1,");
            assertThat(ask(page, "publications 1", "publications ")).isEqualTo("publications [{\"offset\":1,\"data\":\"{\\\"n\\\":1}\",\"tag\":\"\"}]");

            ask(page, "fill data {\"from\": \"the page\"}", "filled data");
            ask(page, "click publish", "clicked publish");
            assertThat(await(page, "publish-result", "Published")).startsWith("Published to news");
            assertThat(ask(page, "publications 2", "publications ")).endsWith(",{\"offset\":2,\"data\":\"{\\\"from\\\":\\\"the page\\\"}\",\"tag\":\"\"}]");

            ask(page, "click presence", "clicked presence");
            await(page, "presence-result", "client(s) in news");
            assertThat(ask(page, "presence", "presence ")).isEqualTo("presence [\"ann \u2013 " + clientId + " (this page)\"]");
            ask(page, "click presence-stats", "clicked presence-stats");
            assertThat(await(page, "presence-result", "user(s)")).isEqualTo("1 client(s), 1 user(s) in news");

            // the server drops the client with a code the SDK takes as "reconnect"; it is away at least 500 ms (its minimum delay)
            assertThat(api(push, "disconnect", "{\"user\":\"ann\",\"disconnect\":{\"code\":3011,\"reason\":\"force reconnect\"}}"))
                    .isEqualTo("{\"result\":{}}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (push.topics().subscribers("#news") > 0) {
                assertThat(System.nanoTime()).as("the server let the connection go").isLessThan(deadline);
                Thread.sleep(5);
            }
            for (int n = 3; n <= 5; n++) {
                assertThat(api(push, "publish", "{\"channel\":\"news\",\"data\":{\"n\":" + n + "}}"))
                        .startsWith("{\"result\":{\"offset\":" + n + ",");
            }
            assertThat(push.topics().subscribers("#news")).as("still away after the third").isZero();

            assertThat(await(page, "sub-state", "recovered")).isEqualTo("subscribed to news, recovered");
            String publications = ask(page, "publications 5", "publications ");
            assertThat(offsets(publications)).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(publications).endsWith("{\"offset\":3,\"data\":\"{\\\"n\\\":3}\",\"tag\":\"recovered\"},"
                    + "{\"offset\":4,\"data\":\"{\\\"n\\\":4}\",\"tag\":\"recovered\"},"
                    + "{\"offset\":5,\"data\":\"{\\\"n\\\":5}\",\"tag\":\"recovered\"}]");
            assertThat(push.centrifugo().recoveries()).isEqualTo(1);
            String reconnected = await(page, "conn-state", "connected as client ");
            assertThat(reconnected).as("a new connection").isNotEqualTo(connected);

            assertThat(api(push, "publish", "{\"channel\":\"news\",\"data\":{\"n\":6}}")).startsWith("{\"result\":{\"offset\":6,");
            publications = ask(page, "publications 6", "publications ");
            assertThat(offsets(publications)).as("then live, nothing twice").containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(publications).endsWith("{\"offset\":6,\"data\":\"{\\\"n\\\":6}\",\"tag\":\"\"}]");

            String log = ask(page, "log", "log ");
            assertThat(log).contains("connecting: 3011 force reconnect").contains("recovered 3 publication(s): offsets 3, 4, 5")
                    // Centrifugo's reply gives the offset recovered from; the recovered publications follow it
                    .contains("subscribed to news, recovered (recoverable, positioned, offset 2)");
            assertThat(await(page, "stream", "offset 6")).isEqualTo("offset 6, epoch " + epoch + "; recoverable, positioned");
            ask(page, "click presence", "clicked presence");
            await(page, "presence-result", "1 client(s) in news");
            assertThat(ask(page, "presence", "presence ")).contains(reconnected.substring("connected as client ".length()));

            ask(page, "screenshot " + screenshot, "screenshot ");
            assertThat(Files.size(screenshot)).as("screenshot written").isGreaterThan(10_000);
            if (Boolean.getBoolean("throng.updateScreenshot")) {
                Files.copy(screenshot, Path.of("..", "docs", "centrifugo-page.png").toAbsolutePath().normalize(),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            String requests = ask(page, "requests", "requests ");
            assertThat(requests).contains("/centrifugo/centrifuge.js").contains("ws://127.0.0.1:" + push.port() + "/connection/websocket")
                    .doesNotContain(token.substring(token.lastIndexOf('.') + 1)).doesNotContain("cdn.jsdelivr");
            assertThat(ask(page, "url", "url ")).isEqualTo("url http://127.0.0.1:" + push.port() + "/centrifugo");
            page.send("quit");
            assertThat(page.lineStartingWith("{", 20)).as("no console error, no CSP violation").isEqualTo("{\"ok\":true,\"consoleErrors\":[]}");
        }
    }

    private static List<Long> offsets(String publicationsLine) {
        Matcher m = Pattern.compile("\"offset\":(\\d+)").matcher(publicationsLine);
        List<Long> offsets = new java.util.ArrayList<>();
        while (m.find()) {
            offsets.add(Long.parseLong(m.group(1)));
        }
        return offsets;
    }

    /**
     * The refusals as the page shows them: a token signed with another key (3500), an expired one
     * (109, and the page has no getToken: "unauthorized"), a private channel without its
     * subscription token (103) and with one (subscribed). The SDK comes from the CDN URL the page
     * names, answered locally with the npm file: Chromium checks it against the page's pinned hash.
     */
    @Test
    void thePageShowsRefusedTokensAndAPrivateChannelWithoutItsToken() throws Exception {
        Peer.requireChromium();
        byte[] other = "another secret, also more than 32 bytes long".getBytes(StandardCharsets.UTF_8);
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET).withAllowedOrigins(List.of("*")), CentrifugoPage.fromCdn());
             Peer page = Peer.node(Map.of("CDN_URL", CentrifugoPage.CDN_URL, "CDN_FILE", SDK.toString()), "centrifugo-page.mjs",
                     "http://127.0.0.1:" + push.port())) {
            assertThat(page.lineStartingWith("ready ", 60)).as("the npm file passes the pinned hash").isEqualTo("ready sdk=loaded");

            connect(page, token(other, "ann", inAnHour(), null), "news", "");
            assertThat(await(page, "conn-state", "disconnected")).isEqualTo("disconnected (3500 invalid token)");

            connect(page, token(SECRET, "ann", new Date(System.currentTimeMillis() - 60_000), null), "news", "");
            assertThat(await(page, "conn-state", "disconnected")).isEqualTo("disconnected (1 unauthorized)");
            assertThat(ask(page, "log", "log ")).contains("error (connect): 109 token expired");
            assertThat(push.centrifugo().refusedTokens()).isEqualTo(2);
            assertThat(push.centrifugo().connects()).isZero();

            String channel = "$orders.ann";
            connect(page, token(SECRET, "ann", inAnHour(), null), channel, "");
            await(page, "conn-state", "connected as client ");
            assertThat(await(page, "sub-state", "unsubscribed")).isEqualTo("unsubscribed (103 permission denied)");
            assertThat(push.topics().subscribers("#" + channel)).isZero();

            connect(page, token(SECRET, "ann", inAnHour(), null), channel, CentrifugoSdkTest.subToken("ann", channel, inAnHour()));
            assertThat(await(page, "sub-state", "subscribed")).isEqualTo("subscribed to " + channel);
            CentrifugoSdkTest.HttpResponseCheck.post(push, "/pub/" + channel, "{\"order\":7}");
            assertThat(ask(page, "publications 1", "publications ")).contains("{\\\"order\\\":7}");
            page.send("quit");
            assertThat(page.lineStartingWith("{", 20)).startsWith("{\"ok\":true");
        }
    }

    /** A CDN that serves another file under the pinned URL: Chromium refuses to run it, the page says so. */
    @Test
    void aFileThatIsNotThePinnedOneDoesNotRun(@TempDir Path dir) throws Exception {
        Peer.requireChromium();
        Path changed = dir.resolve("centrifuge.js");
        Files.writeString(changed, Files.readString(SDK) + "\n// one line more\n");
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET), CentrifugoPage.fromCdn());
             Peer page = Peer.node(Map.of("CDN_URL", CentrifugoPage.CDN_URL, "CDN_FILE", changed.toString()), "centrifugo-page.mjs",
                     "http://127.0.0.1:" + push.port())) {
            assertThat(page.lineStartingWith("ready ", 60)).isEqualTo("ready sdk=missing");
            page.send("quit");
            assertThat(page.lineStartingWith("{", 20)).as("Chromium's reason").contains("integrity")
                    .contains("The resource has been blocked");
        }
    }

    /** The pinned hash is that of the file npm has for the pinned version (the one the tests install). */
    @Test
    void thePinnedHashIsThatOfTheNpmRelease() throws Exception {
        String installed = Files.readString(Peer.NODE_DIR.resolve("node_modules/centrifuge/package.json"));
        assertThat(installed).contains("\"version\": \"" + CentrifugoPage.SDK_VERSION + "\"");
        String hash = "sha384-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-384").digest(Files.readAllBytes(SDK)));
        assertThat(CentrifugoPage.CDN_INTEGRITY).isEqualTo(hash);
        assertThat(CentrifugoPage.CDN_URL).isEqualTo("https://cdn.jsdelivr.net/npm/centrifuge@" + CentrifugoPage.SDK_VERSION
                + "/dist/centrifuge.js");
    }

    /** What the server answers at the page's paths, with and without the protocol, the CDN or a file. */
    @Test
    void thePageIsServedWithTheProtocolOnlyAndTheSdkOnlyFromAFile(@TempDir Path dir) throws Exception {
        try (PushServer push = PushServer.start(ServerConfig.defaults().withPort(0).withLoops(1), WebSocketConfig.defaults())) {
            assertThat(PushServerTest.get(push, "/centrifugo").statusCode()).isEqualTo(404);
            assertThat(PushServerTest.get(push, "/centrifugo/page.js").statusCode()).isEqualTo(404);
        }
        try (PushServer push = CentrifugoSdkTest.start(CentrifugoConfig.withSecret(SECRET))) {
            var page = PushServerTest.get(push, "/centrifugo");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<script src=\"" + CentrifugoPage.CDN_URL + "\" integrity=\"" + CentrifugoPage.CDN_INTEGRITY
                    + "\" crossorigin=\"anonymous\"></script>").contains("<script src=\"/centrifugo/page.js\"></script>")
                    .doesNotContain("<!--sdk-");
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; script-src 'self'"
                    + " https://cdn.jsdelivr.net; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none';"
                    + " form-action 'none'; frame-ancestors 'none'");
            assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            var script = PushServerTest.get(push, "/centrifugo/page.js");
            assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
            assertThat(script.body()).contains("new Centrifuge(endpoint");
            assertThat(PushServerTest.get(push, "/centrifugo/centrifuge.js").statusCode()).as("the CDN serves it").isEqualTo(404);
            assertThat(PushServerTest.get(push, "/centrifugo/other").statusCode()).isEqualTo(404);
            assertThat(PushServerTest.post(push, "/centrifugo", new byte[0]).statusCode()).isEqualTo(405);
        }
        try (PushServer push = start(CentrifugoConfig.withSecret(SECRET), CentrifugoPage.withSdkFile(SDK))) {
            var page = PushServerTest.get(push, "/centrifugo");
            assertThat(page.body()).contains("<script src=\"/centrifugo/centrifuge.js\"></script>").doesNotContain("jsdelivr");
            assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'none'; script-src 'self';");
            assertThat(PushServerTest.get(push, "/centrifugo/centrifuge.js").body()).isEqualTo(Files.readString(SDK));
        }
        Path empty = Files.createFile(dir.resolve("empty.js"));
        assertThatThrownBy(() -> CentrifugoPage.withSdkFile(empty)).hasMessageContaining("has 0 bytes");
    }

}
