package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.TransportKind;
import io.throng.testca.TestCa;
import io.throng.core.tls.TlsClientConfig;
import io.throng.websocket.push.PushServer;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * wss:// and https:// against independent peers that verify the server's certificate for real: node's
 * ws (trusting the test CA through NODE_EXTRA_CA_CERTS), Debian's python3-websockets (through
 * SSL_CERT_FILE), curl publishing over https (--cacert), and headless Chromium loading the push page
 * over https and subscribing over wss (trusting exactly the server's key). The CA and certificates
 * are made by openssl for the run.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TlsInteropTest {
    static TestCa ca;

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCa.get();
    }

    private static WebSocketServer echoServer(TransportKind transport) throws java.io.IOException {
        return WebSocketServer.start(WsVariant.MULTI.config().withTransport(transport).withTls(ca.serverConfig()),
                EchoWebSocketHandler.conformanceConfig().withDeflate(DeflateConfig.ENABLED), new EchoWebSocketHandler());
    }

    @Test
    void nodeWsClientOverWss() throws Exception {
        for (TransportKind t : List.of(TransportKind.EPOLL, TransportKind.IO_URING)) {
            try (WebSocketServer server = echoServer(t);
                 Peer node = Peer.node(Map.of("NODE_EXTRA_CA_CERTS", ca.ca.toString()), "ws-client.mjs",
                         "wss://127.0.0.1:" + server.port() + "/", "deflate")) {
                String result = node.lineStartingWith("{", 60);
                assertThat(result).as("node ws client over wss on %s", t).contains("\"ok\":true");
                assertThat(node.exitCode(10)).isZero();
                assertThat(server.stats().protocolErrors()).isZero();
            }
        }
    }

    @Test
    void pythonWebsocketsClientOverWss() throws Exception {
        for (TransportKind t : List.of(TransportKind.EPOLL, TransportKind.IO_URING)) {
            try (WebSocketServer server = echoServer(t);
                 Peer python = Peer.python(Map.of("SSL_CERT_FILE", ca.ca.toString()), "ws_client.py",
                         "wss://127.0.0.1:" + server.port() + "/", "plain")) {
                String result = python.lineStartingWith("{", 60);
                assertThat(result).as("python websockets client over wss on %s", t).contains("\"ok\": true");
                assertThat(python.exitCode(10)).isZero();
            }
        }
    }

    @Test
    void curlPublishesOverHttpsToOurWssSubscriber() throws Exception {
        if (!java.nio.file.Files.isExecutable(Path.of("/usr/bin/curl"))) {
            throw new AssertionError("curl is not installed: apt-get install curl (bin/test-peers.sh installs it)");
        }
        try (PushServer push = PushServer.start(WsVariant.MULTI.config().withTls(ca.serverConfig()), WebSocketConfig.defaults());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1)
                     .withTls(TlsClientConfig.trusting(ca.ca)), WebSocketConfig.defaults())) {
            Inbox inbox = new Inbox();
            client.connect(WebSocketRequest.to(URI.create("wss://localhost:" + push.port() + "/sub/news")), inbox)
                    .get(10, TimeUnit.SECONDS);
            for (long end = System.nanoTime() + 10_000_000_000L; push.topics().subscribers("news") < 1; Thread.sleep(5)) {
                assertThat(System.nanoTime()).as("subscribed within 10 s").isLessThan(end);
            }
            Process curl = new ProcessBuilder("curl", "-sS", "--fail-with-body", "--cacert", ca.ca.toString(),
                    "-d", "over https", "https://127.0.0.1:" + push.port() + "/pub/news")
                    .redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(curl.waitFor()).as("curl: %s", out).isZero();
            assertThat(inbox.nextText()).isEqualTo("over https");
            // Plain http to the TLS port: curl gets our plain-text 400, not a hang.
            Process plain = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:" + push.port() + "/stats").redirectErrorStream(true).start();
            assertThat(new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("400");
            plain.waitFor();
        }
    }

    @Test
    void chromiumLoadsThePushPageOverHttpsAndSubscribesOverWss() throws Exception {
        Path screenshot = Path.of("target", "push-page-https.png").toAbsolutePath().normalize();
        Files.createDirectories(screenshot.getParent());
        Peer.requireChromium();
        try (PushServer push = PushServer.start(WsVariant.MULTI.config().withTls(ca.serverConfig()), WebSocketConfig.defaults());
             Peer browser = Peer.node(Map.of("THRONG_SPKI", spkiPin(ca.cert)), "push-page.mjs",
                     "https://127.0.0.1:" + push.port() + "/", screenshot.toString())) {
            browser.lineStartingWith("subscribed", 60);
            assertThat(push.topics().subscribers("news")).isEqualTo(1);
            push.publish("news", java.nio.ByteBuffer.wrap("Hello from the Java test, over wss".getBytes(StandardCharsets.UTF_8)));
            browser.send("published");
            String result = browser.lineStartingWith("{", 60);
            assertThat(result).contains("\"ok\":true").contains("Hello from the Java test, over wss").contains("And hello from Chromium");
            assertThat(browser.exitCode(20)).isZero();
            assertThat(push.stats().deliveries()).isEqualTo(2);
        }
    }

    /** Chromium's pin for a certificate: base64 of the SHA-256 of its SubjectPublicKeyInfo. */
    private static String spkiPin(Path certificate) throws Exception {
        try (InputStream in = Files.newInputStream(certificate)) {
            X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(c.getPublicKey().getEncoded()));
        }
    }
}
