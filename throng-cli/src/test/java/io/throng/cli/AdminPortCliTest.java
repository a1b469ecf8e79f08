package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.RpcClientOptions;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
        int port = freePort();
        int adminPort = freePort();
        Process serve = start("serve", "--model", "single-reactor", "--port", Integer.toString(port),
                "--admin-port", Integer.toString(adminPort), "--status-interval", "0", "--duration", "90s");
        List<String> lines = read(serve);
        try {
            String admin = "http://127.0.0.1:" + adminPort;
            await(lines, "admin:      " + admin + "/metrics", 60);
            try (Socket held = new Socket("127.0.0.1", port)) {
                assertThat(held.isConnected()).isTrue();
                awaitBody(admin + "/metrics", "\nthrong_connections_open 1.0\n", 10);
            }
            awaitBody(admin + "/metrics", "\nthrong_connections_open 0.0\n", 10);
            String config = curl(admin + "/cmds/config");
            assertThat(config).contains("\"port\":" + port).contains("\"handler\":\"echo\"").contains("\"errorcode\":0");
            assertThat(curl(admin + "/cmds")).contains("/cmds/loglevel");
        } finally {
            serve.toHandle().destroy(); // SIGTERM: the graceful stop, which closes the admin port too
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
            serve.destroyForcibly();
        }
        assertThat(lines).anyMatch(l -> l.startsWith("stopped:"));
    }

    @Test
    void pushWithAnAdminPortAddsItsSubscriberMeters() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Process push = start("push", "--model", "single-reactor", "--port", Integer.toString(port),
                "--admin-port", Integer.toString(adminPort), "--status-interval", "0", "--duration", "90s");
        List<String> lines = read(push);
        try {
            String admin = "http://127.0.0.1:" + adminPort;
            await(lines, "admin:      " + admin + "/metrics", 60);
            String metrics = curl(admin + "/metrics");
            assertThat(metrics).contains("\nthrong_push_subscribers 0.0\n").contains("\nthrong_push_published_total 0.0\n")
                    .contains("\nthrong_connections_open 0.0\n");
            assertThat(curl(admin + "/cmds/config")).contains("\"websocket\":{").contains("\"bus\":{");
        } finally {
            push.toHandle().destroy();
            assertThat(push.waitFor(30, TimeUnit.SECONDS)).isTrue();
            push.destroyForcibly();
        }
    }

    @Test
    void rpcServeWithAnAdminPortTagsItsServersMeters() throws Exception {
        int port = freePort();
        int adminPort = freePort();
        Process rpc = start("rpc", "serve", "--port", Integer.toString(port), "--admin-port", Integer.toString(adminPort),
                "--status-interval", "0", "--duration", "90s");
        List<String> lines = read(rpc);
        try {
            String admin = "http://127.0.0.1:" + adminPort;
            await(lines, "admin:      " + admin + "/metrics", 60);
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
        } finally {
            rpc.toHandle().destroy();
            assertThat(rpc.waitFor(30, TimeUnit.SECONDS)).isTrue();
            rpc.destroyForcibly();
        }
    }

    private static Process start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ThrongCommand.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static List<String> read(Process p) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        return lines;
    }

    private static void await(List<String> lines, String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (lines.stream().noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line with '" + text + "' within " + seconds + " s; the output:\n"
                        + String.join("\n", lines));
            }
            Thread.sleep(50);
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
