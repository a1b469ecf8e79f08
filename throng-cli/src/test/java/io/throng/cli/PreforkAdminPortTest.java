package io.throng.cli;

import static io.throng.cli.AdminPortCliTest.curl;
import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketClient;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.WebSocketRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The admin port under {@code --model prefork}, as a user runs it (a supervisor JVM and two worker
 * JVMs) and scrapes it (curl): the supervisor serves the cluster's figures, summed over its workers'
 * reports, per worker and its own; a worker killed with SIGKILL is restarted, counted, and takes no
 * counter backwards.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PreforkAdminPortTest {
    private static final Pattern WORKER = Pattern.compile("prefork: worker (\\d+) \\(pid (\\d+)\\) serving");
    private static final int CONNECTIONS = 8;

    @Test
    void theSupervisorServesTheSumOfItsWorkersAndCountersSurviveAKilledWorker() throws Exception {
        int port = PushPreforkTest.freePort();
        int adminPort = PushPreforkTest.freePort();
        String admin = "http://127.0.0.1:" + adminPort;
        try (ThrongProcess serve = prefork("serve", port, adminPort)) {
            serve.await("admin:      " + admin + "/metrics", 60);
            serve.await("throng serving echo on 127.0.0.1:" + port + " (prefork x2 single-reactor", 90);
            long[] pids = workerPids(serve);

            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    open.add(echoed(port, "hello " + i));
                }
                // every worker's next report (300 ms) carries them; the supervisor adds them up
                String m = awaitMetric(admin, "throng_connections_open", v -> v == CONNECTIONS, 20);
                double perWorker0 = value(m, "throng_prefork_worker_connections{worker=\"0\"}");
                double perWorker1 = value(m, "throng_prefork_worker_connections{worker=\"1\"}");
                assertThat(perWorker0 + perWorker1).as("per-worker gauges add up to the sum").isEqualTo(CONNECTIONS);
                assertThat(value(m, "throng_connections_accepted_total")).isEqualTo(CONNECTIONS);
                assertThat(value(m, "throng_prefork_workers{state=\"live\"}")).isEqualTo(2);
                assertThat(value(m, "throng_prefork_workers{state=\"configured\"}")).isEqualTo(2);
                assertThat(value(m, "throng_prefork_restarts_total")).isZero();
                assertThat(value(m, "throng_prefork_worker_rss_bytes{worker=\"1\"}")).isPositive();
                assertThat(value(m, "throng_prefork_worker_heap_used_bytes{worker=\"0\"}")).isPositive();
                // "hello i" echoed: 7 or 8 bytes each way
                awaitMetric(admin, "throng_data_written_bytes_total", v -> v >= 7 * CONNECTIONS, 10);
                assertThat(curl(admin + "/stats.json")).contains("\"connections\":" + CONNECTIONS)
                        .contains("\"prefork\":{\"live\":2,\"configured\":2,\"restarts\":0,");
                assertThat(curl(admin + "/cmds/config")).contains("\"prefork\":{\"procs\":2,\"worker-model\":\"single-reactor\"")
                        .contains("\"port\":" + port);
                assertThat(curl(admin + "/dump")).contains("workers 2/2 live, restarts 0")
                        .contains("worker 0: pid " + pids[0] + ", live").contains("worker 1: pid " + pids[1] + ", live");
                assertThat(curl(admin + "/version")).contains("\"version\":");

                // Kill the worker that holds the most connections outright: no goodbye, no last report.
                String before = curl(admin + "/metrics");
                int victim = perWorker0 >= perWorker1 ? 0 : 1;
                double held = victim == 0 ? perWorker0 : perWorker1;
                assertThat(held).isPositive();
                assertThat(ProcessHandle.of(pids[victim]).orElseThrow().destroyForcibly()).isTrue();
                awaitMetric(admin, "throng_prefork_restarts_total", v -> v == 1, 30);
                String after = awaitMetric(admin, "throng_prefork_worker_up{worker=\"" + victim + "\"}", v -> v == 1, 60);
                for (String counter : List.of("throng_connections_accepted_total", "throng_data_read_bytes_total",
                        "throng_data_written_bytes_total", "throng_reads_total", "throng_writes_total")) {
                    assertThat(value(after, counter)).as(counter + " after the kill").isGreaterThanOrEqualTo(value(before, counter));
                }
                // the killed worker's connections are gone (the kernel reset them); the others are still counted
                awaitMetric(admin, "throng_connections_open", v -> v == CONNECTIONS - held, 20);
                assertThat(curl(admin + "/dump")).contains("workers 2/2 live, restarts 1");

                // the restarted worker counts from zero; the cluster's counters go on from where they were
                for (int i = 0; i < CONNECTIONS; i++) {
                    open.add(echoed(port, "again " + i));
                }
                String later = awaitMetric(admin, "throng_connections_accepted_total", v -> v == 2 * CONNECTIONS, 20);
                assertThat(value(later, "throng_connections_open")).isEqualTo(2 * CONNECTIONS - held);
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
            awaitMetric(admin, "throng_connections_open", v -> v == 0, 20);
            assertThat(serve.stop(60)).as("stopped on SIGTERM:\n" + serve.output()).isTrue();
            assertThat(serve.output()).contains("prefork: stopped");
        }
    }

    /** A subscriber that keeps what it receives. */
    static final class Received implements WebSocketHandler {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();

        @Override
        public void onText(WebSocket ws, ByteBuffer utf8) {
            messages.add(StandardCharsets.UTF_8.decode(utf8).toString());
        }
    }

    @Test
    void pushUnderPreforkServesTheSumOfItsWorkersPushMeters() throws Exception {
        int port = PushPreforkTest.freePort();
        int adminPort = PushPreforkTest.freePort();
        String admin = "http://127.0.0.1:" + adminPort;
        try (ThrongProcess push = prefork("push", port, adminPort);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            push.await("throng push on 127.0.0.1:" + port + " (prefork x2 single-reactor", 90);
            List<Received> subscribers = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Received r = new Received();
                client.connect(WebSocketRequest.to(new InetSocketAddress("127.0.0.1", port), "/sub/news"), r)
                        .get(10, TimeUnit.SECONDS);
                subscribers.add(r);
            }
            String m = awaitMetric(admin, "throng_push_subscribers", v -> v == 6, 20);
            assertThat(value(m, "throng_connections_open")).isEqualTo(6);
            // until every subscriber has a message, so that every worker has subscribed at the hub
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int published = 0;
            while (subscribers.stream().anyMatch(r -> r.messages.isEmpty())) {
                assertThat(System.nanoTime()).as("every subscriber reached").isLessThan(deadline);
                String[] r = PushPreforkTest.postOnNewConnection(port, "news", "m" + published++);
                assertThat(r[0]).as(r[1]).isEqualTo("HTTP/1.1 202 Accepted");
                Thread.sleep(20);
            }
            int sent = published;
            awaitMetric(admin, "throng_push_published_total", v -> v >= sent, 20);
            // the deliveries may be another worker's, whose latest report (every 300 ms) can predate them
            m = awaitMetric(admin, "throng_push_delivered_total", v -> v > 0, 20);
            // the supervisor's bus hub: both workers linked, the one channel counted once
            assertThat(value(m, "throng_prefork_hub_workers")).isEqualTo(2);
            assertThat(value(m, "throng_prefork_hub_channels")).isEqualTo(1);
            assertThat(value(m, "throng_prefork_hub_published_total")).isPositive();
            assertThat(curl(admin + "/stats.json")).contains("\"push\":{\"subscribers\":6,");
            assertThat(curl(admin + "/cmds/config")).contains("\"websocket\":{").contains("\"bus\":{");
            assertThat(push.stop(60)).as("stopped on SIGTERM:\n" + push.output()).isTrue();
        }
    }

    /**
     * {@code throng <command> --model prefork} as both tests run it: two single-reactor workers,
     * each reporting every 300 ms (so that a scrape soon shows what the test did), and an admin port.
     */
    private static ThrongProcess prefork(String command, int port, int adminPort) throws IOException {
        return ThrongProcess.start(command, "--model", "prefork", "--procs", "2", "--worker-model", "single-reactor",
                "--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort),
                "--status-interval", "300ms", "--worker-jvm", "-Xmx192m");
    }

    /** A connection to the echo server that has sent {@code text} and read it back. */
    private static Socket echoed(int port, String text) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(b);
        out.flush();
        InputStream in = s.getInputStream();
        byte[] back = in.readNBytes(b.length);
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo(text);
        return s;
    }

    private static long[] workerPids(ThrongProcess p) throws InterruptedException {
        long[] pids = new long[2];
        p.awaitMatch(WORKER, x -> true, 30);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pids[0] == 0 || pids[1] == 0) {
            for (String l : p.lines()) {
                Matcher m = WORKER.matcher(l);
                if (m.find()) {
                    pids[Integer.parseInt(m.group(1))] = Long.parseLong(m.group(2));
                }
            }
            assertThat(System.nanoTime()).as("both workers' lines:\n" + p.output()).isLessThan(deadline);
            Thread.sleep(20);
        }
        return pids;
    }

    /** Scrapes until {@code sample} (a metric's name and tags as Prometheus prints them) passes {@code ok}; returns that scrape. */
    private static String awaitMetric(String admin, String sample, DoublePredicate ok, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String body = curl(admin + "/metrics");
            Double v = find(body, sample);
            if (v != null && ok.test(v)) {
                return body;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sample + " is " + v + " after " + seconds + " s; the scrape:\n" + body);
            }
            Thread.sleep(100);
        }
    }

    /** The value of {@code sample} in a Prometheus text scrape; fails if it is not there. */
    private static double value(String scrape, String sample) {
        Double v = find(scrape, sample);
        assertThat(v).as(sample + " in the scrape:\n" + scrape).isNotNull();
        return v;
    }

    private static Double find(String scrape, String sample) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).strip());
            }
        }
        return null;
    }
}
