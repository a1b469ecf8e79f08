package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin port as an operator meets it: a real echo server with its meters, real connections
 * to it, and curl (an independent HTTP client) scraping /metrics and running the commands.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminPortTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Held, so that the level the tests set is not lost with a collected logger. */
    private static final Logger THRONG = Logger.getLogger("io.throng");
    /** Short, so that the slow-client cases end quickly; the default is 3 s. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(700);

    private Server echo;
    private ThrongMetrics metrics;
    private AdminServer admin;
    private String url;
    private Level throngLevel;

    @BeforeEach
    void start() throws IOException {
        throngLevel = THRONG.getLevel();
        echo = Server.start(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1), new EchoHandler());
        metrics = ThrongMetrics.withJvm().bind(ServerMeters.of(echo));
        admin = AdminServer.start(AdminConfig.defaults().withRequestTimeout(REQUEST_TIMEOUT), metrics,
                () -> ConfigJson.fromDescribe(echo.config().describe()), n -> echo.dump(n).toText());
        url = admin.url();
    }

    @AfterEach
    void stop() {
        THRONG.setLevel(throngLevel);
        admin.close();
        metrics.close();
        echo.close();
    }

    @Test
    void theDumpShowsTheServersConnectionsWhereTheyLiveAndRefusesABadFirst() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                s.connect(echo.address(), 5000);
                sockets.add(s);
            }
            awaitScrape("three open", m -> Exposition.value(m, "throng_connections_open") == 3);
            Curl.Response dump = Curl.run(url + "/dump?first=1");
            assertThat(dump.status()).isEqualTo(200);
            assertThat(dump.body()).startsWith("server 127.0.0.1:" + echo.port())
                    .contains("connections 3, OPEN 3").contains("first 1 shown").contains("buffers: lent");
            assertThat(dump.body().lines().filter(l -> l.contains("connection ") && l.contains("OPEN+OPENED"))).hasSize(1);
            assertThat(Curl.run(url + "/dump?first=lots").status()).isEqualTo(400);
            assertThat(Curl.run(url + "/dump?first=1001").status()).isEqualTo(400);
            assertThat(Curl.run("-X", "POST", url + "/dump").status()).isEqualTo(405);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void theCountersMoveWithRealConnectionsAndTheScrapeIsPrometheusText() throws Exception {
        assertThat(admin.url()).startsWith("http://127.0.0.1:");
        Map<String, Double> before = scrape();
        int n = 5;
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.connect(echo.address(), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(s.getInputStream().readNBytes(5)).asString(StandardCharsets.US_ASCII).isEqualTo("hello");
            sockets.add(s);
        }
        Map<String, Double> open = awaitScrape("throng_connections_open = " + n,
                m -> Exposition.value(m, "throng_connections_open") == n);
        assertThat(Exposition.value(open, "throng_connections_accepted_total")
                - Exposition.value(before, "throng_connections_accepted_total")).isEqualTo(n);
        for (Socket s : sockets) {
            s.close();
        }
        Map<String, Double> after = awaitScrape("throng_connections_open = 0",
                m -> Exposition.value(m, "throng_connections_open") == 0);
        assertThat(delta(before, after, "throng_connections_accepted_total")).isEqualTo(n);
        assertThat(delta(before, after, "throng_data_read_bytes_total")).isEqualTo(5.0 * n);
        assertThat(delta(before, after, "throng_data_written_bytes_total")).isEqualTo(5.0 * n);
        assertThat(delta(before, after, "throng_reads_total")).isGreaterThanOrEqualTo(n);
        assertThat(delta(before, after, "throng_connections_closed_total{reason=\"peer_closed\"}")).isEqualTo(n);
        double closes = 0;
        for (String series : after.keySet()) {
            if (series.startsWith("throng_connections_closed_total{")) {
                closes += delta(before, after, series);
            }
        }
        assertThat(closes).as("closes over every reason").isEqualTo(n);
        // the rest of the throng meters are there, and the JVM's memory
        for (String series : List.of("throng_connections_rejected_total", "throng_writes_total",
                "throng_connections_unwritable_total", "throng_accept_errors_total", "throng_accept_pauses_total",
                "throng_workers_threads", "throng_workers_busy", "throng_workers_queue", "throng_workers_overflowed_total",
                "throng_buffers_lent", "throng_buffers_lent_bytes", "throng_buffers_pool_bytes",
                "throng_connections_closed_total{reason=\"idle_timeout\"}",
                "throng_connections_closed_total{reason=\"write_limit\"}",
                "throng_connections_closed_total{reason=\"read_limit\"}",
                "throng_connections_closed_total{reason=\"io_error\"}",
                "throng_connections_closed_total{reason=\"handler_error\"}")) {
            assertThat(Exposition.value(after, series)).as(series).isNotNaN();
        }
        assertThat(after.keySet()).anyMatch(s -> s.startsWith("jvm_memory_used_bytes{"));
        assertThat(after.keySet()).anyMatch(s -> s.startsWith("jvm_gc_"));
        assertThat(after).containsKey("process_files_open_files");
        assertThat(after.get("throng_buffers_pool_bytes")).isPositive();
    }

    @Test
    void metricsAreTextByDefaultAndOpenMetricsWhenAskedFor() throws Exception {
        Curl.Response text = Curl.run(url + "/metrics");
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.header("content-type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(Long.parseLong(text.header("content-length"))).isEqualTo(text.body().getBytes(StandardCharsets.UTF_8).length);
        Exposition.parse(text.body());

        // what Prometheus itself sends
        Curl.Response om = Curl.run("-H", "Accept: application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", url + "/metrics");
        assertThat(om.status()).isEqualTo(200);
        assertThat(om.header("content-type")).startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(om.body()).contains("# TYPE throng_connections_accepted counter").endsWith("# EOF\n");

        Curl.Response refused = Curl.run("-H", "Accept: application/openmetrics-text;q=0, text/plain", url + "/metrics");
        assertThat(refused.header("content-type")).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void theCommandsAnswerInTrpcGosShape() throws Exception {
        JsonNode cmds = json(Curl.run(url + "/cmds"), 200);
        assertThat(cmds.get("errorcode").asInt()).isZero();
        assertThat(cmds.get("message").asText()).isEmpty();
        List<String> listed = new ArrayList<>();
        cmds.get("cmds").forEach(c -> listed.add(c.asText()));
        assertThat(listed).contains("/cmds", "/version", "/cmds/loglevel", "/cmds/config", "/metrics");

        JsonNode version = json(Curl.run(url + "/version"), 200);
        assertThat(version.get("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");

        JsonNode config = json(Curl.run(url + "/cmds/config"), 200);
        JsonNode server = config.get("content").get("server");
        assertThat(server.get("port").asInt()).isZero(); // the configured port: 0, any free one
        assertThat(server.get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(server.get("model").asText()).isEqualTo(echo.config().model().toString());
        assertThat(server.get("limits").get("max-queued-bytes").asText()).isEqualTo("8 MiB");
    }

    @Test
    void putLoglevelChangesThrongsLoggerAndGetReflectsIt() throws Exception {
        THRONG.setLevel(Level.INFO);
        JsonNode read = json(Curl.run(url + "/cmds/loglevel"), 200);
        assertThat(read.get("level").asText()).isEqualTo("info");
        assertThat(read.get("logger").asText()).isEqualTo("io.throng");

        JsonNode set = json(Curl.run("-X", "PUT", "-d", "value=debug", url + "/cmds/loglevel"), 200);
        assertThat(set.get("errorcode").asInt()).isZero();
        assertThat(set.get("prelevel").asText()).isEqualTo("info");
        assertThat(set.get("level").asText()).isEqualTo("debug");
        assertThat(THRONG.getLevel()).isEqualTo(Level.FINE);
        assertThat(System.getLogger("io.throng.server").isLoggable(System.Logger.Level.DEBUG)).isTrue();
        assertThat(json(Curl.run(url + "/cmds/loglevel"), 200).get("level").asText()).isEqualTo("debug");

        // java.util.logging's names, a logger below io.throng, the logger in the query
        JsonNode child = json(Curl.run("-X", "PUT", "-d", "value=WARNING", url + "/cmds/loglevel?logger=io.throng.websocket"), 200);
        assertThat(child.get("logger").asText()).isEqualTo("io.throng.websocket");
        assertThat(child.get("prelevel").asText()).isEqualTo("debug"); // inherited from io.throng
        assertThat(child.get("java_level").asText()).isEqualTo("WARNING");
        assertThat(Logger.getLogger("io.throng.websocket").getLevel()).isEqualTo(Level.WARNING);
        Logger.getLogger("io.throng.websocket").setLevel(null);

        // bad input changes nothing
        assertThat(json(Curl.run("-X", "PUT", "-d", "value=loud", url + "/cmds/loglevel"), 400).get("errorcode").asInt()).isEqualTo(1);
        assertThat(json(Curl.run("-X", "PUT", "-d", "value=debug&logger=com.example", url + "/cmds/loglevel"), 400)
                .get("message").asText()).contains("not throng's");
        assertThat(json(Curl.run("-X", "PUT", url + "/cmds/loglevel"), 400).get("message").asText()).contains("no level");
        assertThat(THRONG.getLevel()).isEqualTo(Level.FINE);
        assertThat(Logger.getLogger("com.example").getLevel()).isNull();
    }

    @Test
    void wrongPathsMethodsAndSizesGetTheirStatuses() throws Exception {
        assertThat(json(Curl.run(url + "/nope"), 404).get("errorcode").asInt()).isEqualTo(1);
        Curl.Response post = Curl.run("-X", "POST", "-d", "x", url + "/metrics");
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("allow")).isEqualTo("GET");
        Curl.Response delete = Curl.run("-X", "DELETE", url + "/cmds/loglevel");
        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.header("allow")).isEqualTo("GET, PUT");
        assertThat(Curl.run("-X", "PUT", "-d", "value=" + "x".repeat(2000), url + "/cmds/loglevel").status()).isEqualTo(413);

        Curl.Response big = Curl.run("-H", "X-Big: " + "b".repeat(9 * 1024), url + "/metrics");
        assertThat(big.status()).isEqualTo(431);
        assertThat(big.header("connection")).isEqualTo("close");

        assertThat(raw("GARBAGE\r\n\r\n", true)).startsWith("HTTP/1.1 400 ");
        assertThat(raw("GET /metrics HTTP/1.1\r\n\r\n", true)).startsWith("HTTP/1.1 400 "); // no Host
        assertThat(raw("GET /cmds HTTP/2.0\r\nHost: x\r\n\r\n", true)).startsWith("HTTP/1.1 505 ");
    }

    @Test
    void keptAliveRequestsShareOneConnection() throws Exception {
        long before = admin.engine().stats().accepted();
        Curl.Response last = Curl.run(url + "/version", url + "/cmds", url + "/metrics");
        assertThat(last.status()).isEqualTo(200);
        assertThat(admin.engine().stats().accepted() - before).isEqualTo(1);
    }

    @Test
    void aSlowClientIsAnsweredWith408AndDroppedAfterTheTimeout() throws Exception {
        // half a request, then nothing: 408, then the close
        String answer = raw("GET /metrics HTTP/1.1\r\nHost: x\r\n", false);
        assertThat(answer).startsWith("HTTP/1.1 408 ");
        // a connection that sends nothing at all is closed without a word
        assertThat(raw("", false)).isEmpty();
    }

    // ------------------------------------------------------------------ helpers

    private Map<String, Double> scrape() throws Exception {
        Curl.Response r = Curl.run(url + "/metrics");
        assertThat(r.status()).isEqualTo(200);
        return Exposition.parse(r.body());
    }

    private Map<String, Double> awaitScrape(String what, Predicate<Map<String, Double>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, Double> m = scrape();
        while (!done.test(m)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no scrape with " + what + " within 10 s; the last: " + m);
            }
            Thread.sleep(50);
            m = scrape();
        }
        return m;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        return Exposition.value(after, series) - Exposition.value(before, series);
    }

    private static JsonNode json(Curl.Response r, int status) throws IOException {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("content-type")).isEqualTo("application/json; charset=utf-8");
        return JSON.readTree(r.body());
    }

    /**
     * Sends {@code request} on a raw socket (what curl would refuse to send), then reads until the
     * server closes: everything it said. {@code closeOutput} ends our side after the request.
     */
    private String raw(String request, boolean closeOutput) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", admin.port()), 5000);
            // the server must close within its request timeout; 10 s is only the test's own bound
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            if (closeOutput) {
                s.shutdownOutput();
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] b = new byte[4096];
            try {
                for (int n; (n = in.read(b)) >= 0; ) {
                    got.write(b, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the admin port kept the connection open past 10 s; it said: " + got);
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
