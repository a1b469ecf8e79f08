package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.RpcClientOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code throng serve}, {@code throng push} and {@code throng rpc serve} with {@code --admin-port}
 * as a user runs them (a child JVM), scraped and queried with curl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminPortCliTest {

    @Test
    void serveWithAnAdminPortServesItsMetricsAndItsConfiguration() throws Exception {
        try (Child serve = Child.start("serve", "--model", "single-reactor")) {
            String admin = serve.admin();
            try (Socket held = new Socket("127.0.0.1", serve.port())) {
                assertThat(held.isConnected()).isTrue();
                awaitBody(admin + "/metrics", "\nthrong_connections_open 1.0\n", 10);
            }
            awaitBody(admin + "/metrics", "\nthrong_connections_open 0.0\n", 10);
            String config = curl(admin + "/cmds/config");
            assertThat(config).contains("\"port\":" + serve.port()).contains("\"handler\":\"echo\"")
                    .contains("\"errorcode\":0");
            assertThat(curl(admin + "/cmds")).contains("/cmds/loglevel");
            serve.stop();
            assertThat(serve.process().lines()).anyMatch(l -> l.startsWith("stopped:"));
        }
    }

    @Test
    void pushWithAnAdminPortAddsItsSubscriberMeters() throws Exception {
        try (Child push = Child.start("push", "--model", "single-reactor")) {
            String admin = push.admin();
            String metrics = curl(admin + "/metrics");
            assertThat(metrics).contains("\nthrong_push_subscribers 0.0\n").contains("\nthrong_push_published_total 0.0\n")
                    .contains("\nthrong_connections_open 0.0\n");
            assertThat(metrics).as("no Centrifugo meters without the protocol").doesNotContain("throng_push_centrifugo");
            assertThat(curl(admin + "/cmds/config")).contains("\"websocket\":{").contains("\"bus\":{");
            push.stop();
        }
    }

    @Test
    void pushWithTheCentrifugoProtocolAddsItsMeters() throws Exception {
        try (Child push = Child.start("push", "--model", "single-reactor", "--centrifugo", "--centrifugo-allow-anonymous",
                "--centrifugo-max-pending-connects", "1")) {
            String admin = push.admin();
            String metrics = curl(admin + "/metrics");
            assertThat(metrics).contains("\nthrong_push_centrifugo_sessions 0.0\n")
                    .contains("\nthrong_push_centrifugo_connects_total 0.0\n")
                    .contains("\nthrong_push_centrifugo_refused_upgrades_total 0.0\n");
            // one connection waits for its connect: the next upgrade is refused, and counted
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            var waiting = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + push.port()
                    + "/connection/websocket"), new java.net.http.WebSocket.Listener() { }).get(10, java.util.concurrent.TimeUnit.SECONDS);
            awaitBody(admin + "/metrics", "\nthrong_push_centrifugo_pending_connects 1.0\n", 10);
            assertThatThrownBy(() -> http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + push.port()
                    + "/connection/websocket"), new java.net.http.WebSocket.Listener() { }).get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasRootCauseMessage("Unexpected HTTP response status code 503");
            awaitBody(admin + "/metrics", "\nthrong_push_centrifugo_refused_upgrades_total 1.0\n", 10);
            waiting.abort();
            push.stop();
        }
    }

    @Test
    void rpcServeWithAnAdminPortTagsItsServersMeters() throws Exception {
        try (Child rpc = Child.start("rpc", "serve")) {
            String admin = rpc.admin();
            int port = rpc.port();
            String server = "server=\"127.0.0.1:" + port + "\"";
            assertThat(curl(admin + "/metrics")).contains("\nthrong_connections_open{" + server + "} 0.0\n");
            assertThat(curl(admin + "/cmds/config")).contains("\"port\":" + port).contains("\"rpc\":{");
            // two echo calls with the project's client: counted and timed under the echo method, tagged as above
            try (MultiplexedClient client = MultiplexedClient.start(
                    RpcClientOptions.to(new InetSocketAddress("127.0.0.1", port)))) {
                for (int i = 0; i < 2; i++) {
                    client.call("/trpc.throng.echo.Echo/Echo", "hi".getBytes(StandardCharsets.UTF_8));
                }
            }
            String tags = "method=\"Echo\"," + server + ",service=\"trpc.throng.echo.Echo\"";
            awaitBody(admin + "/metrics", "\nthrong_rpc_calls_total{method=\"Echo\",ret=\"0\"," + server
                    + ",service=\"trpc.throng.echo.Echo\",type=\"ok\"} 2.0\n", 10);
            assertThat(curl(admin + "/metrics"))
                    .contains("\nthrong_rpc_call_duration_seconds_count{" + tags + "} 2\n")
                    .contains("\nthrong_rpc_call_duration_seconds_bucket{" + tags + ",le=\"+Inf\"} 2\n")
                    .contains("\nthrong_rpc_requests_total{kind=\"unary\"," + server + "} 2.0\n");
            rpc.stop();
        }
    }

    /**
     * A command as the three tests run it: on a free port with an admin port on another, no status
     * lines, for 90 s at most; started once its admin line is printed. Closing kills it if
     * {@link #stop} did not end it.
     */
    private record Child(ThrongProcess process, int port, String admin) implements AutoCloseable {
        static Child start(String... command) throws Exception {
            int port = freePort();
            int adminPort = freePort();
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort),
                    "--status-interval", "0", "--duration", "90s"));
            ThrongProcess p = ThrongProcess.start(args.toArray(String[]::new));
            Child child = new Child(p, port, "http://127.0.0.1:" + adminPort);
            try {
                p.await("admin:      " + child.admin() + "/metrics", 60);
            } catch (Throwable t) {
                p.close();
                throw t;
            }
            return child;
        }

        /** SIGTERM: the graceful stop, which closes the admin port too; fails unless it ends within 30 s. */
        void stop() throws InterruptedException {
            assertThat(process.stop(30)).as("stopped on SIGTERM:\n" + process.output()).isTrue();
        }

        @Override
        public void close() {
            process.close();
        }
    }

    static void awaitBody(String url, String text, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String body = curl(url);
        while (!body.contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text.strip() + "' from " + url + " within " + seconds + " s");
            }
            Thread.sleep(100);
            body = curl(url);
        }
    }

    /** curl, an independent HTTP client: the body of a 2xx answer, else an AssertionError. */
    static String curl(String url) throws Exception {
        if (!java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/curl"))) {
            throw new AssertionError("curl is not installed: apt-get install curl (bin/test-peers.sh installs it)");
        }
        Process p = new ProcessBuilder("/usr/bin/curl", "-sS", "--fail-with-body", "--max-time", "20", url)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("curl %s: %s", url, out).isZero();
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
