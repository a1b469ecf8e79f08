package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.embedded.EmbeddedConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The opening handshake as protocol logic, on the engine without a socket ({@link EmbeddedConnection}):
 * the RFC's answers to bad requests, the hook, subprotocols, keep-alive, pipelining. What needs a
 * socket (timeouts, admission, shutdown, our client) stays in {@link HandshakeTest}.
 */
class HandshakeProtocolTest {
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private final ConcurrentLinkedQueue<String> seenByHook = new ConcurrentLinkedQueue<>();
    private final WebSocketProtocol protocol = protocol();

    private WebSocketProtocol protocol() {
        RequestHook hook = request -> {
            seenByHook.add(request.method() + " " + request.path() + " q=" + request.queryParameter("q") + " cookie="
                    + request.cookie("session") + " agent=" + request.header("user-agent") + " protocol=" + request.subprotocol()
                    + " offered=" + request.offeredSubprotocols());
            if (request.path().equals("/private") && !"s3cret".equals(request.cookie("session"))) {
                return RequestDecision.refuse(401, "log in first");
            }
            if (request.path().equals("/plain")) {
                return RequestDecision.respond(HttpResponse.text(200, "plain answer"));
            }
            return RequestHook.UPGRADE_ALL.onRequest(request);
        };
        WebSocketConfig config = WebSocketConfig.defaults().withSubprotocols(List.of("chat.v2", "chat.v1"))
                .withHandshakeTimeout(Duration.ofMillis(700)).withMaxRequestHeadBytes(2048);
        return WebSocketProtocol.server(new EchoWebSocketHandler()).config(config).hook(hook).build();
    }

    private static String upgrade(String extra) {
        return "GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n";
    }

    /** Sends {@code request} on a fresh connection; returns everything the server wrote. */
    private String exchange(String request) {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            c.receive(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(c.takeWritten(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void theRfcExampleKeyGetsTheRfcAcceptValue() {
        String response = exchange(upgrade(""));
        assertThat(response).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
        assertThat(response).contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
        assertThat(response).contains("Upgrade: websocket\r\n").contains("Connection: Upgrade\r\n");
        assertThat(response).doesNotContain("Sec-WebSocket-Protocol").doesNotContain("Sec-WebSocket-Extensions");
    }

    static List<Object[]> badRequests() {
        String ok = upgrade("");
        return List.of(
                new Object[] {"garbage", "hello\r\n\r\n", 400},
                new Object[] {"space before the colon", ok.replace("Upgrade: websocket", "Upgrade : websocket"), 400},
                new Object[] {"folded header", ok.replace("Host: example.test\r\n", "Host: example.test\r\n continued\r\n"), 400},
                new Object[] {"control character in a value", ok.replace("example.test", "exa\u0001mple"), 400},
                new Object[] {"missing key", ok.replace("Sec-WebSocket-Key: " + KEY + "\r\n", ""), 400},
                new Object[] {"key too short", ok.replace(KEY, "c2hvcnQ="), 400},
                new Object[] {"key not base64", ok.replace(KEY, "dGhlIHNhbXBsZSBub25jZQ!="), 400},
                new Object[] {"two keys", ok.replace("Sec-WebSocket-Version", "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version"), 400},
                new Object[] {"missing Host", ok.replace("Host: example.test\r\n", ""), 400},
                new Object[] {"Connection without upgrade", ok.replace("keep-alive, Upgrade", "keep-alive"), 400},
                new Object[] {"missing version", ok.replace("Sec-WebSocket-Version: 13\r\n", ""), 400},
                new Object[] {"HTTP/1.0 upgrade", ok.replace("HTTP/1.1", "HTTP/1.0"), 400},
                new Object[] {"HTTP/2.0 text", ok.replace("HTTP/1.1", "HTTP/2.0"), 505},
                new Object[] {"POST upgrade", ok.replace("GET", "POST"), 405},
                new Object[] {"version 8", ok.replace("Version: 13", "Version: 8"), 426},
                new Object[] {"plain GET to a WebSocket endpoint", "GET /chat HTTP/1.1\r\nHost: x\r\n\r\n", 426},
                new Object[] {"plain DELETE", "DELETE /chat HTTP/1.1\r\nHost: x\r\n\r\n", 405},
                new Object[] {"chunked body", "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 411},
                new Object[] {"head over the limit", ok.replace("Host:", "X-Padding: " + "p".repeat(3000) + "\r\nHost:"), 431},
                new Object[] {"refused by the hook", ok.replace("/chat", "/private"), 401});
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badRequests")
    void badRequestsGetTheirStatusAndAClose(String what, String request, int status) {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            c.receive(request.getBytes(StandardCharsets.ISO_8859_1));
            String response = new String(c.takeWritten(), StandardCharsets.ISO_8859_1);
            assertThat(response).startsWith("HTTP/1.1 " + status + " ");
            assertThat(response).contains("Connection: close");
            if (status == 426 && request.contains("Upgrade: websocket")) {
                assertThat(response).contains("Sec-WebSocket-Version: 13\r\n");
            }
            if (status == 405) {
                assertThat(response).contains("Allow: GET\r\n");
            }
            assertThat(c.outputShut()).as("FIN after the refusal").isTrue();
            c.receiveEnd();
            assertThat(c.closeReason()).isEqualTo(CloseReason.LOCAL);
            assertThat(protocol.bufferPool().stats().lentBuffers()).as("nothing held for a refused request").isZero();
        }
    }

    @Test
    void theHookSeesOnlyWhatItAsksForAndTheSubprotocolFollowsTheClientsOrder() {
        String response = exchange(upgrade("Cookie: theme=dark; session=abc123\r\nUser-Agent: tester/1.0\r\n"
                + "Sec-WebSocket-Protocol: chat.v0, chat.v1\r\nSec-WebSocket-Protocol: chat.v2\r\n").replace("/chat", "/chat?q=caf%C3%A9&x=1"));
        assertThat(response).startsWith("HTTP/1.1 101").contains("Sec-WebSocket-Protocol: chat.v1\r\n");
        assertThat(seenByHook).containsExactly("GET /chat q=caf\u00e9 cookie=abc123 agent=tester/1.0 protocol=chat.v1"
                + " offered=[chat.v0, chat.v1, chat.v2]");
    }

    @Test
    void theHookCanAuthenticateByCookie() {
        assertThat(exchange(upgrade("Cookie: session=s3cret\r\n").replace("/chat", "/private"))).startsWith("HTTP/1.1 101");
    }

    @Test
    void plainRequestsAreAnsweredAndTheConnectionKeptAliveThenUpgraded() {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            String get = "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n";
            c.receive((get + get).getBytes(StandardCharsets.ISO_8859_1)); // pipelined
            String answers = new String(c.takeWritten(), StandardCharsets.ISO_8859_1);
            String[] responses = answers.split("(?<=plain answer\n)");
            assertThat(responses).hasSize(2).allSatisfy(r -> assertThat(r).startsWith("HTTP/1.1 200 OK\r\n")
                    .endsWith("plain answer\n").doesNotContain("Connection: close"));
            assertThat(c.connection().isOpen()).isTrue();
            c.receive(upgrade("").getBytes(StandardCharsets.ISO_8859_1)); // then an upgrade on the same connection
            assertThat(new String(c.takeWritten(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 101");
        }
    }

    @Test
    void aRequestArrivingByteByByteIsParsedIncrementallyAndUpgraded() {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            for (byte b : upgrade("").getBytes(StandardCharsets.ISO_8859_1)) {
                c.receive(new byte[] {b});
            }
            assertThat(new String(c.takeWritten(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 101");
        }
    }

    @Test
    void framesSentRightBehindTheRequestAreNotLost() {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            byte[] request = upgrade("").getBytes(StandardCharsets.ISO_8859_1);
            c.receive(AutobahnCases.concat(request, maskedText("early")));
            String out = new String(c.takeWritten(), StandardCharsets.ISO_8859_1);
            int end = out.indexOf("\r\n\r\n") + 4;
            assertThat(out.substring(0, end)).startsWith("HTTP/1.1 101");
            assertThat(out.substring(end)).as("the echo, unmasked: FIN+text, length 5").isEqualTo("\u0081\u0005early");
        }
    }

    /** A client's text frame, masked with a fixed key. */
    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        byte[] frame = new byte[6 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length);
        System.arraycopy(key, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ key[i % 4]);
        }
        return frame;
    }
}
