package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The opening handshake over real sockets: the RFC's answers to bad requests, the hook, subprotocols. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeTest {
    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private WebSocketServer server;
    private final ConcurrentLinkedQueue<String> seenByHook = new ConcurrentLinkedQueue<>();

    @BeforeAll
    void start() throws IOException {
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
        server = WebSocketServer.start(WsVariant.MULTI.config(),
                WebSocketProtocol.server(new EchoWebSocketHandler()).config(config).hook(hook).build());
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private InetSocketAddress address() {
        return server.address();
    }

    private String exchange(String request) throws IOException {
        try (RawPeer p = RawPeer.connectRaw(address())) {
            p.write(request.getBytes(StandardCharsets.ISO_8859_1), RawPeer.Chop.NONE);
            String response = p.readResponse();
            return response;
        }
    }

    private static String upgrade(String extra) {
        return "GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n" + extra + "\r\n";
    }

    @Test
    void aSlowSenderIsTimedOutWith408AndAByteBySenderStillUpgrades() throws Exception {
        long before = server.stats().handshakeTimeouts();
        try (RawPeer p = RawPeer.connectRaw(address())) {
            p.write("GET /chat HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.ISO_8859_1), RawPeer.Chop.NONE);
            String r = p.readResponse();
            assertThat(r).startsWith("HTTP/1.1 408 ");
        }
        assertThat(server.stats().handshakeTimeouts()).isEqualTo(before + 1);
        // one byte at a time, but within the deadline: parsed incrementally, upgraded
        try (RawPeer p = RawPeer.connectRaw(address())) {
            p.write(upgrade("").getBytes(StandardCharsets.ISO_8859_1), RawPeer.Chop.BYTEWISE);
            assertThat(p.readHead()).startsWith("HTTP/1.1 101");
        }
        // a connection that sends nothing is closed without a response
        try (RawPeer p = RawPeer.connectRaw(address())) {
            p.socket.setSoTimeout(5000);
            assertThat(p.socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void ourClientNegotiatesTheSubprotocolAndReportsRefusals() throws Exception {
        try (WebSocketClient client = WebSocketClient.start(io.throng.core.config.ClientConfig.defaults().withLoops(1),
                WebSocketConfig.defaults())) {
            WebSocket ws = client.connect(WebSocketRequest.to(address(), "/chat").withSubprotocols(List.of("chat.v1", "chat.v2")),
                    new WebSocketHandler() {}).get(5, TimeUnit.SECONDS);
            assertThat(ws.subprotocol()).isEqualTo("chat.v1");
            ws.close();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            client.connect(WebSocketRequest.to(address(), "/private"), new WebSocketHandler() {})
                    .whenComplete((w, e) -> failure.set(e)).exceptionally(e -> null).get(5, TimeUnit.SECONDS);
            assertThat(failure.get()).isInstanceOf(WebSocketHandshakeException.class);
            assertThat(((WebSocketHandshakeException) failure.get()).status()).isEqualTo(401);
        }
    }

    @Test
    void theServerClosesWithGoingAwayOnShutdown() throws Exception {
        ConcurrentLinkedQueue<Integer> codes = new ConcurrentLinkedQueue<>();
        WebSocketServer s = WebSocketServer.start(ServerConfig.defaults().withPort(0), WebSocketConfig.defaults(),
                new EchoWebSocketHandler());
        try (WebSocketClient client = WebSocketClient.start(io.throng.core.config.ClientConfig.defaults().withLoops(1),
                WebSocketConfig.defaults())) {
            client.connect(WebSocketRequest.to(s.address(), "/"), new WebSocketHandler() {
                @Override
                public void onClose(WebSocket ws, int code, String reason) {
                    codes.add(code);
                }
            }).get(5, TimeUnit.SECONDS);
            assertThat(s.shutdown(Duration.ofSeconds(4))).isTrue();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (codes.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(codes).containsExactly(1001);
        }
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }
}
