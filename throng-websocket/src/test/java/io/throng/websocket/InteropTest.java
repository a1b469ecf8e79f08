package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.websocket.push.PushServer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interop with independent implementations over real sockets: node's ws as client (against our
 * server under every model) and as server (for our client), Debian's python3-websockets both ways,
 * each with and without permessage-deflate, and headless Chromium driving the push page.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InteropTest {

    static List<WsVariant> variants() {
        return WsVariant.ALL;
    }

    private static WebSocketServer echoServer(WsVariant v, boolean deflate) throws java.io.IOException {
        WebSocketConfig config = EchoWebSocketHandler.conformanceConfig()
                .withDeflate(deflate ? DeflateConfig.ENABLED : DeflateConfig.DISABLED);
        return WebSocketServer.start(v.config(), config, new EchoWebSocketHandler());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void nodeWsClientAgainstOurServer(WsVariant v) throws Exception {
        for (boolean deflate : new boolean[] {false, true}) {
            try (WebSocketServer server = echoServer(v, deflate);
                 Peer node = Peer.node("ws-client.mjs", "ws://127.0.0.1:" + server.port() + "/", deflate ? "deflate" : "plain")) {
                String result = node.lineStartingWith("{", 60);
                assertThat(result).as("node ws client (deflate %s)", deflate).contains("\"ok\":true");
                assertThat(node.exitCode(10)).isZero();
                if (deflate) {
                    assertThat(result).contains("permessage-deflate");
                }
                assertThat(server.stats().protocolErrors()).isZero();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void pythonWebsocketsClientAgainstOurServer(WsVariant v) throws Exception {
        for (boolean deflate : new boolean[] {false, true}) {
            try (WebSocketServer server = echoServer(v, deflate);
                 Peer python = Peer.python("ws_client.py", "ws://127.0.0.1:" + server.port() + "/", deflate ? "deflate" : "plain")) {
                String result = python.lineStartingWith("{", 60);
                assertThat(result).as("python websockets client (deflate %s)", deflate).contains("\"ok\": true");
                assertThat(python.exitCode(10)).isZero();
            }
        }
    }

    @Test
    void ourClientAgainstNodeWsServer() throws Exception {
        for (boolean deflate : new boolean[] {false, true}) {
            try (Peer node = Peer.node("ws-server.mjs", deflate ? "deflate" : "plain")) {
                int port = Integer.parseInt(node.lineStartingWith("port ", 20).substring(5));
                exchangeWith(port, deflate, true);
            }
        }
    }

    @Test
    void ourClientAgainstPythonWebsocketsServer() throws Exception {
        for (boolean deflate : new boolean[] {false, true}) {
            try (Peer python = Peer.python("ws_server.py", deflate ? "deflate" : "plain")) {
                int port = Integer.parseInt(python.lineStartingWith("port ", 20).substring(5));
                exchangeWith(port, deflate, false);
            }
        }
    }

    /** Echo of text and binary (up to 2 MiB), a ping, and a close the server starts (4001). */
    private static void exchangeWith(int port, boolean deflate, boolean subprotocol) throws Exception {
        WebSocketConfig config = WebSocketConfig.defaults().withMaxMessageBytes(8 << 20)
                .withDeflate(deflate ? DeflateConfig.ENABLED.withClientNoContextTakeover(false).withServerNoContextTakeover(false)
                        : DeflateConfig.DISABLED);
        try (WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), config)) {
            Inbox inbox = new Inbox();
            WebSocketRequest request = WebSocketRequest.to(new InetSocketAddress("127.0.0.1", port), "/");
            if (subprotocol) {
                request = request.withSubprotocols(List.of("chat.v1", "chat.v2"));
            }
            WebSocket ws = client.connect(request, inbox).get(10, TimeUnit.SECONDS);
            assertThat(ws.compressed()).as("permessage-deflate agreed").isEqualTo(deflate);
            if (subprotocol) {
                assertThat(ws.subprotocol()).isEqualTo("chat.v2");
            }
            Random random = new Random(port);
            for (String text : List.of("hello", "", "\u03ba\u1f79\u03c3\u03bc\u03b5 \u2713", "x".repeat(70_000))) {
                ws.sendText(text);
                assertThat(inbox.nextText()).isEqualTo(text);
            }
            for (int n : new int[] {0, 125, 126, 65536, 2 << 20}) {
                byte[] data = new byte[n];
                random.nextBytes(data);
                if (n > 1000) {
                    java.util.Arrays.fill(data, 0, n / 2, (byte) 'a'); // half compressible
                }
                ws.sendBinary(data.clone());
                Inbox.Message m = inbox.next();
                assertThat(m.text()).isFalse();
                assertThat(m.bytes()).isEqualTo(data);
            }
            inbox.barrier(ws, "ping from throng");
            ws.sendText("close-me");
            assertThat(inbox.nextClose()).isEqualTo(4001);
        }
    }

    @Test
    void chromiumShowsANotificationOnThePushPageAndPublishesFromIt() throws Exception {
        // Taken under target/ on every run; -Dthrong.updateScreenshot=true also copies it to the
        // README's docs/push-page.png (so a test run leaves the work tree clean).
        Path screenshot = Path.of("target", "push-page.png").toAbsolutePath().normalize();
        Files.createDirectories(screenshot.getParent());
        Peer.requireChromium();
        try (PushServer push = PushServer.start(WsVariant.MULTI.config(), WebSocketConfig.defaults());
             Peer browser = Peer.node("push-page.mjs", "http://127.0.0.1:" + push.port() + "/", screenshot.toString())) {
            browser.lineStartingWith("subscribed", 60);
            assertThat(push.topics().subscribers("news")).isEqualTo(1);
            push.publish("news", ByteBuffer.wrap("Hello from the Java test: disk usage at 91%".getBytes(StandardCharsets.UTF_8)));
            browser.send("published");
            String result = browser.lineStartingWith("{", 60);
            assertThat(result).contains("\"ok\":true").contains("Hello from the Java test").contains("And hello from Chromium");
            assertThat(browser.exitCode(20)).isZero();
            assertThat(Files.size(screenshot)).as("screenshot written").isGreaterThan(10_000);
            if (Boolean.getBoolean("throng.updateScreenshot")) {
                Files.copy(screenshot, Path.of("..", "docs", "push-page.png").toAbsolutePath().normalize(),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            assertThat(push.stats().deliveries()).isEqualTo(2);
        }
    }
}
