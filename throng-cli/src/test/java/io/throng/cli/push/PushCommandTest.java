package io.throng.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code throng push} and {@code throng serve --handler ws-echo} as a user runs them, with the
 * JDK's own WebSocket and HTTP clients as the peers.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushCommandTest {

    private PrintStream saved;

    /** Starts the command on a thread with System.out piped to the returned reader (restored by {@link #restore}). */
    private BufferedReader launch(String... args) throws Exception {
        PipedOutputStream pipe = new PipedOutputStream();
        BufferedReader lines = new BufferedReader(new InputStreamReader(new PipedInputStream(pipe, 1 << 16), StandardCharsets.UTF_8));
        saved = System.out;
        System.setOut(new PrintStream(pipe, true, StandardCharsets.UTF_8));
        Thread.ofPlatform().daemon().start(() -> new CommandLine(new io.throng.cli.ThrongCommand()).execute(args));
        return lines;
    }

    @org.junit.jupiter.api.AfterEach
    void restore() {
        if (saved != null) {
            System.setOut(saved);
        }
    }

    /** Keeps reading the command's output so it never blocks on a full pipe. */
    private static void drain(BufferedReader lines) {
        Thread.ofVirtual().start(() -> {
            try {
                while (lines.readLine() != null) {
                    // discard
                }
            } catch (java.io.IOException ignored) {
                // pipe closed
            }
        });
    }

    private static int awaitPort(BufferedReader lines, String marker) throws Exception {
        Pattern p = Pattern.compile(Pattern.quote(marker) + " .*?127\\.0\\.0\\.1:(\\d+)");
        for (String line; (line = lines.readLine()) != null; ) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("the command never printed '" + marker + "'");
    }

    @Test
    void pushServesThePageSubscribersAndPublishers() throws Exception {
        BufferedReader lines = launch("push", "--port", "0", "--model", "worker-pool", "--duration", "8s", "--status-interval", "1s");
        int port = awaitPort(lines, "throng push on");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<String> received = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/sub/alerts"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                received.complete(data.toString());
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pub/alerts"))
                .POST(HttpRequest.BodyPublishers.ofString("disk almost full")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("\"delivered\":1");
        assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo("disk almost full");
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("throng push");
        ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
        boolean sawStatus = false;
        for (String line; (line = lines.readLine()) != null; ) {
            sawStatus |= line.startsWith("conns ") && line.contains("subscribers") && line.contains("delivered/s");
            if (line.startsWith("stopped:")) {
                break;
            }
        }
        assertThat(sawStatus).as("status lines printed").isTrue();
    }

    @Test
    void serveWsEchoEchoesForTheJdkWebSocketClient() throws Exception {
        BufferedReader lines = launch("serve", "--handler", "ws-echo", "--port", "0", "--model", "single-reactor",
                "--duration", "5s", "--status-interval", "0");
        int port = awaitPort(lines, "throng serving ws-echo on");
        CompletableFuture<String> echo = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        echo.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("ping through the echo", true);
        assertThat(echo.get(10, TimeUnit.SECONDS)).isEqualTo("ping through the echo");
        ws.sendClose(1000, "").get(5, TimeUnit.SECONDS);
        drain(lines);
    }

    @Test
    void pushServesCentrifugosProtocolWithTheKeyFromAFileAndNeverPrintsIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        String secret = "the-key-of-this-test-" + "z".repeat(19);
        java.nio.file.Path keyFile = dir.resolve("centrifugo.key");
        java.nio.file.Files.writeString(keyFile, secret + "\n");
        String apiKey = "api-key-of-this-test-qqqq";
        java.nio.file.Path apiKeyFile = dir.resolve("api.key");
        java.nio.file.Files.writeString(apiKeyFile, apiKey + "\n");
        BufferedReader lines = launch("push", "--port", "0", "--duration", "8s", "--status-interval", "0", "--centrifugo",
                "--centrifugo-hmac-secret-file", keyFile.toString(), "--centrifugo-api-key-file", apiKeyFile.toString());
        StringBuilder printed = new StringBuilder();
        int port = -1;
        Pattern at = Pattern.compile("throng push on 127\\.0\\.0\\.1:(\\d+)");
        for (String line; (line = lines.readLine()) != null; ) {
            printed.append(line).append('\n');
            Matcher m = at.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
            if (line.contains("sdk page: ")) {
                break;
            }
        }
        drain(lines);
        assertThat(port).isPositive();
        assertThat(printed.toString()).contains("token: HS256/384/512 (secret of 40 bytes)").contains("/connection/websocket")
                .doesNotContain(secret).doesNotContain("zzzz");
        assertThat(printed.toString()).contains("need the API key (a key of 25 bytes)").doesNotContain(apiKey).doesNotContain("qqqq");
        assertThat(printed.toString()).contains("sdk-page: /centrifugo, SDK from cdn https://cdn.jsdelivr.net/npm/centrifuge@")
                .contains("sdk page:   http://127.0.0.1:" + port + "/centrifugo");

        com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("ops").build());
        jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        java.util.concurrent.LinkedBlockingQueue<String> in = new java.util.concurrent.LinkedBlockingQueue<>();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/connection/websocket"),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        in.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("{\"connect\":{\"token\":\"" + jwt.serialize() + "\"},\"id\":1}\n{\"subscribe\":{\"channel\":\"alerts\"},\"id\":2}", true);
        assertThat(in.poll(10, TimeUnit.SECONDS)).startsWith("{\"id\":1,\"connect\":{\"client\":\"");
        assertThat(in.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"id\":2,\"subscribe\":{}}");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pub/alerts"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"disk\":\"full\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("with an API key, POST /pub needs it").isEqualTo(401);
        r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pub/alerts")).header("X-API-Key", apiKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"disk\":\"full\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).contains("\"delivered\":1");
        assertThat(in.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"push\":{\"channel\":\"alerts\",\"pub\":{\"data\":{\"disk\":\"full\"}}}}");
        r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/publish")).header("X-API-Key", apiKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"alerts\",\"data\":{\"cpu\":99}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("{\"result\":{}}\n");
        assertThat(in.poll(10, TimeUnit.SECONDS)).isEqualTo("{\"push\":{\"channel\":\"alerts\",\"pub\":{\"data\":{\"cpu\":99}}}}");
        assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/centrifugo")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("cdn.jsdelivr.net/npm/centrifuge@");
        ws.sendClose(1000, "bye").get(5, TimeUnit.SECONDS);
    }
}
