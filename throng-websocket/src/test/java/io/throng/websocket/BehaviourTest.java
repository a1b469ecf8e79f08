package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Keepalive, limits, handler failures, the client's own rules, idle memory and admission control. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BehaviourTest {

    static List<WsVariant> variants() {
        return WsVariant.ALL;
    }

    @Test
    void aSilentPeerIsPingedThenClosedWith1001AndOneThatAnswersStays() throws Exception {
        WebSocketConfig config = WebSocketConfig.defaults().withIdleTimeout(Duration.ofMillis(1200));
        try (WebSocketServer server = WebSocketServer.start(ServerConfig.defaults().withPort(0), config, new EchoWebSocketHandler());
             RawPeer silent = RawPeer.open(server.address(), "/");
             RawPeer lively = RawPeer.open(server.address(), "/")) {
            // the lively one answers every ping, on its own thread, and outlives several timeouts
            java.util.concurrent.Future<Integer> livelyPings = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor().submit(() -> {
                long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();
                int pings = 0;
                while (System.nanoTime() < until) {
                    RawPeer.Frame f = lively.read(Duration.ofMillis(200));
                    if (f.opcode() == RawPeer.PING) {
                        pings++;
                        lively.send(lively.frame(0x80 | RawPeer.PONG, f.payload()));
                    } else if (f != RawPeer.Frame.TIMEOUT) {
                        throw new AssertionError("only pings while alive, got " + f);
                    }
                }
                return pings;
            });
            long start = System.nanoTime();
            RawPeer.Frame ping = silent.read(Duration.ofSeconds(5));
            assertThat(ping.opcode()).as("a ping after half the idle timeout").isEqualTo(RawPeer.PING);
            RawPeer.Frame close = silent.read(Duration.ofSeconds(5));
            assertThat(close.opcode()).isEqualTo(RawPeer.CLOSE);
            assertThat(close.closeCode()).isEqualTo(1001);
            assertThat((System.nanoTime() - start) / 1e9).as("seconds to the close").isBetween(0.9, 4.0);
            assertThat(livelyPings.get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(2);
            assertThat(server.stats().idleCloses()).isEqualTo(1);
            lively.send(lively.text("still here"));
            RawPeer.Frame echo;
            do {
                echo = lively.readMessage();
            } while (echo.opcode() == RawPeer.PING);
            assertThat(echo.text()).isEqualTo("still here");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aHandlerThatThrowsClosesItsConnectionWith1011AndOthersCarryOn(WsVariant v) throws Exception {
        WebSocketHandler fragile = new WebSocketHandler() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                if (WebSocketHandler.text(utf8).equals("boom")) {
                    throw new IllegalStateException("boom");
                }
                ws.sendText(utf8);
            }
        };
        try (WebSocketServer server = WebSocketServer.start(v.config(), WebSocketConfig.defaults(), fragile);
             RawPeer victim = RawPeer.open(server.address(), "/");
             RawPeer bystander = RawPeer.open(server.address(), "/")) {
            victim.send(victim.text("boom"));
            RawPeer.Frame close = victim.read();
            assertThat(close.closeCode()).isEqualTo(1011);
            bystander.send(bystander.text("fine"));
            assertThat(bystander.readMessage().text()).isEqualTo("fine");
            assertThat(server.stats().handlerErrors()).isEqualTo(1);
        }
    }

    @Test
    void messagesOverTheLimitAreRefusedWith1009() throws Exception {
        WebSocketConfig config = WebSocketConfig.defaults().withMaxMessageBytes(1000);
        try (WebSocketServer server = WebSocketServer.start(ServerConfig.defaults().withPort(0), config, new EchoWebSocketHandler())) {
            try (RawPeer p = RawPeer.open(server.address(), "/")) {
                p.send(p.frame(0x82, new byte[1001]));
                Expect.failed(p, 1009);
            }
            try (RawPeer p = RawPeer.open(server.address(), "/")) {
                p.send(p.frame(0x02, new byte[600]), p.frame(0x80, new byte[600])); // the total is what counts
                Expect.failed(p, 1009);
            }
            try (RawPeer p = RawPeer.open(server.address(), "/")) {
                p.send(p.frame(0x82, new byte[1000]));
                Expect.echo(p, RawPeer.BINARY, new byte[1000]);
            }
            assertThat(server.stats().tooBig()).isEqualTo(2);
        }
    }

    @Test
    void ourClientRefusesAMaskedServerFrameAndAWrongAcceptKey() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 10, java.net.InetAddress.getLoopbackAddress());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            InetSocketAddress at = new InetSocketAddress("127.0.0.1", fake.getLocalPort());
            // 1: a proper 101, then a masked frame
            Inbox inbox = new Inbox();
            var ws = client.connect(WebSocketRequest.to(at, "/"), inbox);
            try (Socket s = fake.accept()) {
                String key = readKey(s);
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + RawPeer.acceptFor(key) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                ws.get(5, TimeUnit.SECONDS);
                s.getOutputStream().write(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x69 ^ 2});
                byte[] close = s.getInputStream().readNBytes(2 + 4 + 2);
                assertThat(close[0] & 0x0F).as("a Close back").isEqualTo(8);
                assertThat(close[1] & 0x80).as("masked, as client frames are").isEqualTo(0x80);
                int code = ((close[6] ^ close[2]) & 0xFF) << 8 | ((close[7] ^ close[3]) & 0xFF);
                assertThat(code).isEqualTo(1002);
            }
            assertThat(inbox.nextClose()).isEqualTo(1002);
            // 2: a 101 with the wrong accept value
            var bad = client.connect(WebSocketRequest.to(at, "/"), new Inbox());
            try (Socket s = fake.accept()) {
                readKey(s);
                s.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                try {
                    bad.get(5, TimeUnit.SECONDS);
                    throw new AssertionError("accepted a wrong Sec-WebSocket-Accept");
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(WebSocketHandshakeException.class).hasMessageContaining("Sec-WebSocket-Accept");
                }
            }
        }
    }

    private static String readKey(Socket s) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) s.getInputStream().read());
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.startsWith("Sec-WebSocket-Key: ")) {
                return line.substring(19);
            }
        }
        throw new AssertionError("no key in " + head);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void idleWebSocketsHoldNoBufferAndAPartialFrameHoldsOneSmallChunk(WsVariant v) throws Exception {
        try (WebSocketServer server = WebSocketServer.start(v.config(), WebSocketConfig.defaults(), new EchoWebSocketHandler())) {
            long baseline = server.engineStats().lentBuffers();
            long baselineBytes = server.engineStats().lentBytes();
            List<RawPeer> peers = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    RawPeer p = RawPeer.open(server.address(), "/");
                    p.send(p.text("warm up"));
                    p.readMessage();
                    peers.add(p);
                }
                if (v.model().threadPerConnection()) {
                    // by nature: each connection's thread holds its 4 KiB read buffer while it waits
                    awaitLent(server, baseline + 100, "100 idle connections, each with its thread's buffer");
                    assertThat(server.protocol().bufferPool().stats().lentBuffers()).isZero();
                    return;
                }
                awaitLent(server, baseline, "100 idle WebSocket connections");
                assertThat(server.protocol().bufferPool().stats().lentBuffers()).isZero();
                for (RawPeer p : peers) {
                    p.write(new byte[] {(byte) 0x81, (byte) 0xFE, 0x10}, RawPeer.Chop.NONE); // 3 bytes of a header
                }
                awaitLent(server, baseline + 100, "100 connections holding 3 bytes of a header");
                assertThat(server.engineStats().lentBytes() - baselineBytes).as("one 256 B chunk each").isEqualTo(100 * 256);
                for (RawPeer p : peers) { // the rest of the header and a 4 KiB payload, in two pieces
                    byte[] rest = p.frame(0x81, new byte[0x1000]);
                    p.write(java.util.Arrays.copyOfRange(rest, 3, 8 + 100), RawPeer.Chop.NONE);
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (server.protocol().bufferPool().stats().lentBuffers() < 100 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(server.protocol().bufferPool().stats().lentBuffers())
                        .as("100 messages being assembled: one assembly buffer each").isEqualTo(100);
                awaitLent(server, baseline, "the engine keeps nothing: the decoder took the bytes");
            } finally {
                for (RawPeer p : peers) {
                    p.close();
                }
            }
            ConformanceTest.awaitNoConnections(server);
            awaitLent(server, baseline, "all closed");
            assertThat(server.protocol().bufferPool().stats().lentBuffers()).isZero();
        }
    }

    private static void awaitLent(WebSocketServer server, long expected, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (server.engineStats().lentBuffers() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.engineStats().lentBuffers()).as("engine buffers lent: " + what).isEqualTo(expected);
    }

    @Test
    void aSaturatedWorkerPoolStopsAcceptingUntilItDrainsAndEveryoneIsServed() throws Exception {
        WebSocketHandler slow = new WebSocketHandler() {
            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                try {
                    Thread.sleep(300); // a handler that blocks: allowed under the worker pool
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ws.sendText(utf8);
            }
        };
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(io.throng.core.config.Model.WORKER_POOL)
                .withLoops(1).withWorkers(new io.throng.core.config.WorkerPoolConfig(2, 2, false));
        try (WebSocketServer server = WebSocketServer.start(config, WebSocketProtocol.server(slow).build());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            AtomicInteger echoed = new AtomicInteger();
            List<java.util.concurrent.CompletableFuture<WebSocket>> all = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                all.add(client.connect(WebSocketRequest.to(server.address(), "/"), new WebSocketHandler() {
                    @Override
                    public void onOpen(WebSocket ws) {
                        ws.sendText("hi");
                    }

                    @Override
                    public void onText(WebSocket ws, ByteBuffer utf8) {
                        echoed.incrementAndGet();
                    }
                }));
            }
            for (var f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (echoed.get() < 16 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(echoed.get()).as("every client served in the end").isEqualTo(16);
            assertThat(server.engineStats().acceptPauses()).as("accepting paused while the pool was saturated").isPositive();
        }
    }
}
