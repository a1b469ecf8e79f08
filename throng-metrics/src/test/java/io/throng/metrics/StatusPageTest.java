package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Timer;
import io.throng.core.CloseReason;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.push.PushServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The status page at {@code GET /} and its {@code /stats.json}, against a real echo server with
 * real connections: curl reads the JSON and the page, headless Chromium runs the page and shows
 * what it rendered.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StatusPageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Server echo;
    private ThrongMetrics metrics;
    private AdminServer admin;
    private String url;
    private final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        echo = Server.start(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1), new EchoHandler());
        metrics = ThrongMetrics.withJvm().bind(ServerMeters.of(echo));
        admin = AdminServer.start(AdminConfig.defaults(), metrics, () -> "{}");
        url = admin.url();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        admin.close();
        metrics.close();
        echo.close();
    }

    @Test
    void statsJsonCarriesTheServersFiguresAndTheProcesssMemory() throws Exception {
        for (int i = 0; i < 6; i++) {
            echoOnce(connect());
        }
        sockets.remove(0).close();
        sockets.remove(0).close();
        awaitEngine("4 open and 2 closed", () -> echo.stats().connections() == 4 && echo.stats().closed() == 2);

        Curl.Response r = Curl.run(url + "/stats.json");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.header("cache-control")).isEqualTo("no-store");
        JsonNode s = JSON.readTree(r.body());
        assertThat(s.get("servers").asInt()).isEqualTo(1);
        assertThat(s.get("connections").asInt()).isEqualTo(4);
        assertThat(s.get("accepted").asLong()).isEqualTo(6);
        assertThat(s.get("bytes_read").asLong()).isEqualTo(6 * 5);
        assertThat(s.get("bytes_written").asLong()).isEqualTo(6 * 5);
        assertThat(s.get("reads").asLong()).isGreaterThanOrEqualTo(6);
        JsonNode closed = s.get("closed");
        assertThat(closed.get("peer_closed").asLong()).isEqualTo(2);
        for (CloseReason.Kind kind : CloseReason.Kind.values()) {
            assertThat(closed.has(kind.name().toLowerCase(Locale.ROOT))).as(kind.name()).isTrue();
        }
        assertThat(s.get("buffer_pool_bytes").asLong()).isPositive();
        assertThat(s.get("heap_used").asLong()).isPositive();
        assertThat(s.get("heap_committed").asLong()).isGreaterThanOrEqualTo(s.get("heap_used").asLong());
        // on Linux the resident set is there, and holds at least the heap in use
        assertThat(s.get("rss").asLong()).isGreaterThan(s.get("heap_used").asLong() / 2);
        assertThat(s.get("threads").asInt()).isPositive();
        assertThat(s.get("uptime_ms").asLong()).isPositive();
        assertThat(s.get("version").asText()).isEqualTo(ThrongVersion.get());
        assertThat(s.get("push").isNull()).as("no push service bound").isTrue();
        assertThat(s.get("latency").isEmpty()).as("no timer registered").isTrue();
        // an idle loop: a small lag, in milliseconds (to the microsecond)
        assertThat(s.get("loop_lag_ms").isNumber()).as("loop_lag_ms").isTrue();
        assertThat(s.get("loop_lag_ms").asDouble()).isBetween(0.0, 1000.0);
        assertThat(s.get("loop_lag_max_ms").asDouble()).isBetween(0.0, 1000.0);
    }

    @Test
    void afterMakesTheAnswerWaitUntilASecondPastThePreviousSample() throws Exception {
        long first = JSON.readTree(Curl.run(url + "/stats.json").body()).get("uptime_ms").asLong();
        JsonNode next = JSON.readTree(Curl.run(url + "/stats.json?after=" + first).body());
        assertThat(next.get("uptime_ms").asLong() - first).isBetween(1000L, 3000L);

        // a sample older than a second: at once; one from the future (another process's): a second at most
        long t0 = System.nanoTime();
        Curl.run(url + "/stats.json?after=0");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(900));
        t0 = System.nanoTime();
        Curl.run(url + "/stats.json?after=" + Long.MAX_VALUE / 2);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofMillis(3000));

        Curl.Response bad = Curl.run(url + "/stats.json?after=soon");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("uptime_ms");
        assertThat(Curl.run("-X", "POST", "-d", "x", url + "/stats.json").status()).isEqualTo(405);
    }

    @Test
    void pushFiguresAndTimerPercentilesAppearOnceBound() throws Exception {
        try (PushServer push = PushServer.start(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1),
                WebSocketConfig.defaults())) {
            metrics.bind(PushMeters.of(push));
            push.publish("news", ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
            Timer timer = Timer.builder("app.requests").tag("route", "/orders").publishPercentiles(0.5, 0.99)
                    .register(metrics.registry());
            for (int ms = 1; ms <= 100; ms++) {
                timer.record(Duration.ofMillis(ms));
            }
            JsonNode s = JSON.readTree(Curl.run(url + "/stats.json").body());
            assertThat(s.get("push").get("subscribers").asInt()).isZero();
            assertThat(s.get("push").get("published").asLong()).isEqualTo(1);
            JsonNode latency = s.get("latency");
            assertThat(latency).hasSize(1);
            assertThat(latency.get(0).get("name").asText()).isEqualTo("app.requests");
            assertThat(latency.get(0).get("tags").asText()).isEqualTo("route=/orders");
            assertThat(latency.get(0).get("count").asLong()).isEqualTo(100);
            // Micrometer's percentiles are approximate (a histogram's buckets): near 50 and 99 ms
            assertThat(latency.get(0).get("percentiles_us").get("p50").asLong()).isBetween(40_000L, 60_000L);
            assertThat(latency.get(0).get("percentiles_us").get("p99").asLong()).isBetween(90_000L, 110_000L);
        }
    }

    @Test
    void thePageIsOneFileWhosePolicyAllowsItsOwnScriptAndNothingElse() throws Exception {
        Curl.Response page = Curl.run(url + "/");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.header("content-type")).isEqualTo("text/html; charset=utf-8");
        assertThat(page.header("cache-control")).isEqualTo("no-store");
        String html = page.body();
        // nothing to load from anywhere: no src, href, import or url()
        assertThat(html).doesNotContain("src=", "href=", "@import", "url(", "http://", "https://");
        String policy = page.header("content-security-policy");
        assertThat(policy).contains("default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval")
                .contains("script-src 'sha256-" + sha256(between(html, "<script>", "</script>")) + "'")
                .contains("style-src 'sha256-" + sha256(between(html, "<style>", "</style>")) + "'");
        assertThat(Curl.run("-X", "POST", "-d", "x", url + "/").status()).isEqualTo(405);
    }

    @Test
    void chromiumShowsTheLiveConnectionCountAndDrawsTheCharts() throws Exception {
        Chromium.require();
        for (int i = 0; i < 4; i++) {
            echoOnce(connect());
        }
        // three more while the page runs: it must show the count of its last sample, not of its first
        Thread late = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(2500);
                for (int i = 0; i < 3; i++) {
                    echoOnce(connect());
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        // 6 s of the page's (virtual) time: a sample a second, each answered a second after the
        // previous one by the server's clock, so the page runs in real time, with its late connections
        long t0 = System.nanoTime();
        String dom = Chromium.dumpDom(url + "/", 6000);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("samples paced by the server")
                .isGreaterThan(Duration.ofSeconds(4));
        late.join();
        assertThat(echo.stats().connections()).isEqualTo(7);

        assertThat(element(dom, "span", "state")).as("the page's state").contains("class=\"live\"").endsWith(">live");
        String open = element(dom, "td", "v-connections");
        assertThat(open).contains("data-value=\"7\"").endsWith(">7");
        assertThat(element(dom, "td", "v-accepted")).endsWith(">7");
        assertThat(element(dom, "span", "version")).endsWith(">version " + ThrongVersion.get());

        Map<String, Integer> points = new HashMap<>();
        Matcher canvas = Pattern.compile("<canvas data-chart=\"([^\"]+)\"[^>]* data-points=\"(\\d+)\"").matcher(dom);
        while (canvas.find()) {
            points.put(canvas.group(1), Integer.parseInt(canvas.group(2)));
        }
        // 6 s of samples a second apart: about 6 values a line; rates start at the second sample
        assertThat(points.get("Connections open")).isGreaterThanOrEqualTo(4);
        assertThat(points.get("Connections per second")).as("accepted and closed").isGreaterThanOrEqualTo(2 * 3);
        assertThat(points.get("Messages per second")).isGreaterThanOrEqualTo(3);
        assertThat(points.get("Bytes per second")).as("in and out").isGreaterThanOrEqualTo(2 * 3);
        assertThat(points.get("Memory")).as("heap used, committed, RSS, buffer pool").isGreaterThanOrEqualTo(4 * 4);
        assertThat(points.get("Latency (ms)")).as("no timer: nothing drawn").isZero();
        assertThat(points.get("Event loop lag (ms)")).as("now and max").isGreaterThanOrEqualTo(2 * 4);
        assertThat(element(dom, "td", "v-loop-lag")).endsWith(" ms");
    }

    // ------------------------------------------------------------------ helpers

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(echo.address(), 5000);
        s.setSoTimeout(10_000);
        synchronized (sockets) {
            sockets.add(s);
        }
        return s;
    }

    private static void echoOnce(Socket s) throws IOException {
        s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat(s.getInputStream().readNBytes(5)).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
    }

    private static void awaitEngine(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not " + what + " within 10 s");
            }
            Thread.sleep(20);
        }
    }

    /** {@code <tag id="id" ...>text} of the element with that id, up to its closing tag. */
    private static String element(String dom, String tag, String id) {
        Matcher m = Pattern.compile("<" + tag + " id=\"" + id + "\"[^>]*>[^<]*").matcher(dom);
        assertThat(m.find()).as("<" + tag + " id=" + id + "> in the page's DOM:\n" + dom).isTrue();
        return m.group();
    }

    private static String between(String text, String open, String close) {
        int start = text.indexOf(open) + open.length();
        return text.substring(start, text.indexOf(close, start));
    }

    private static String sha256(String text) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(digest);
    }
}
