package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.ClientConfig;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.net.Transports;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several threads sending on one connection at once, both ways, as the load tool's Centrifugo
 * subscribers and the push server do: the server's sweeper thread sends {@code {}} text frames
 * and a publisher thread broadcasts, while the client answers each {@code {}} from its loop with a
 * text frame and a pinger thread sends WebSocket pings. Each side checks every frame it gets:
 * the texts must be exactly what was sent, in order, and every ping payload intact. An
 * interleaved, repeated, lost or torn frame fails the test (a load run saw subscribers closed with
 * Centrifugo's 3501 "bad request" and 3012 "no pong" under overload: this rules the framing in or
 * out on every transport).
 */
class ConcurrentSendTest {
    private static final int CONNECTIONS = 200;
    private static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long PING_MAGIC = 0x5EED_0000_0000_0000L;

    static Stream<TransportKind> transports() {
        return Stream.of(TransportKind.NIO, TransportKind.EPOLL, TransportKind.IO_URING);
    }

    /** The server's view of one connection. */
    static final class Peer {
        final WebSocket ws;
        final AtomicInteger pingsSent = new AtomicInteger();
        /** The next answer expected ({"n":K}, K from 1); only the connection's loop reads frames. */
        int nextAnswer = 1;
        final AtomicInteger answers = new AtomicInteger();

        Peer(WebSocket ws) {
            this.ws = ws;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transports")
    void textFromTheLoopAndPingsFromAnotherThreadArriveIntactBothWays(TransportKind transport) throws Exception {
        String unavailable = Transports.unavailableReason(transport);
        Assumptions.assumeTrue(unavailable == null, () -> transport + ": " + unavailable);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<Peer> peers = new CopyOnWriteArrayList<>();
        byte[] bulk = new byte[1500];
        for (int i = 0; i < bulk.length; i++) {
            bulk[i] = (byte) ('a' + i % 26);
        }
        String bulkText = new String(bulk, StandardCharsets.US_ASCII);
        WebSocketHandler server = new WebSocketHandler() {
            @Override
            public void onOpen(WebSocket ws) {
                Peer p = new Peer(ws);
                ws.attach(p);
                peers.add(p);
            }

            @Override
            public void onText(WebSocket ws, ByteBuffer utf8) {
                Peer p = ws.attachment();
                String got = WebSocketHandler.text(utf8);
                String want = "{\"n\":" + p.nextAnswer + "}";
                if (!got.equals(want)) {
                    problems.add("server, " + ws + ": got text " + abbreviate(got) + ", expected " + want);
                    ws.close(3501, "bad request");
                    return;
                }
                p.nextAnswer++;
                p.answers.incrementAndGet();
            }

            @Override
            public void onBinary(WebSocket ws, ByteBuffer data) {
                problems.add("server, " + ws + ": a binary frame of " + data.remaining() + " B");
            }

            @Override
            public void onPing(WebSocket ws, ByteBuffer payload) {
                if (payload.remaining() != Long.BYTES || (payload.getLong(payload.position()) & 0xFFFF_0000_0000_0000L) != PING_MAGIC) {
                    problems.add("server, " + ws + ": a ping of " + payload.remaining() + " B");
                }
            }

            @Override
            public void onClose(WebSocket ws, int code, String reason) {
                if (code != CloseCodes.NORMAL && code != CloseCodes.GOING_AWAY) {
                    problems.add("server, " + ws + ": closed with " + code + " " + reason);
                }
            }
        };
        ServerConfig sc = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(Model.MULTI_REACTOR)
                .withTransport(transport).withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)
                .withShutdownTimeout(Duration.ofSeconds(5));
        WebSocketConfig wc = WebSocketConfig.defaults().withIdleTimeout(Duration.ZERO);
        AtomicLong clientPongs = new AtomicLong();
        try (WebSocketServer srv = WebSocketServer.start(sc, wc, server);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2).withTransport(transport), wc)) {
            List<WebSocket> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                clients.add(client.connect(WebSocketRequest.to(srv.address(), "/"), new WebSocketHandler() {
                    int answered;

                    @Override
                    public void onText(WebSocket ws, ByteBuffer utf8) {
                        String got = WebSocketHandler.text(utf8);
                        if (got.equals("{}")) {
                            ws.sendText("{\"n\":" + ++answered + "}"); // from the loop, as the load tool's pong
                        } else if (!got.equals(bulkText)) {
                            problems.add("client, " + ws + ": got text " + abbreviate(got));
                        }
                    }

                    @Override
                    public void onPong(WebSocket ws, ByteBuffer payload) {
                        if (payload.remaining() != Long.BYTES
                                || (payload.getLong(payload.position()) & 0xFFFF_0000_0000_0000L) != PING_MAGIC) {
                            problems.add("client, " + ws + ": a pong of " + payload.remaining() + " B");
                        }
                        clientPongs.incrementAndGet();
                    }

                    @Override
                    public void onClose(WebSocket ws, int code, String reason) {
                        if (code != CloseCodes.NORMAL && code != CloseCodes.GOING_AWAY) {
                            problems.add("client, " + ws + ": closed with " + code + " " + reason);
                        }
                    }
                }).get(10, TimeUnit.SECONDS));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (peers.size() < CONNECTIONS && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(peers).hasSize(CONNECTIONS);
            PreparedMessage bulkMessage = PreparedMessage.text(bulkText);
            long end = System.nanoTime() + RUN_NANOS;
            // at least three rounds each, however slow the machine (a send from another thread yields)
            Thread sweeper = Thread.ofPlatform().name("test-sweeper").start(() -> {
                for (int round = 0; round < 3 || System.nanoTime() < end; round++) {
                    for (Peer p : peers) {
                        if (p.ws.sendText("{}")) {
                            p.pingsSent.incrementAndGet();
                        } else {
                            problems.add("server, " + p.ws + ": closed while sending");
                        }
                    }
                }
            });
            Thread publisher = Thread.ofPlatform().name("test-publisher").start(() -> {
                for (int round = 0; round < 3 || System.nanoTime() < end; round++) {
                    for (Peer p : peers) {
                        p.ws.send(bulkMessage);
                    }
                    LockSupport.parkNanos(200_000);
                }
            });
            Thread pinger = Thread.ofPlatform().name("test-pinger").start(() -> {
                long k = 0;
                for (int round = 0; round < 3 || System.nanoTime() < end; round++) {
                    for (WebSocket ws : clients) {
                        ws.ping(ByteBuffer.allocate(Long.BYTES).putLong(0, PING_MAGIC | ++k));
                    }
                }
            });
            sweeper.join();
            publisher.join();
            pinger.join();
            // every {} answered once, in order, and nothing else
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && problems.isEmpty()
                    && peers.stream().anyMatch(p -> p.answers.get() != p.pingsSent.get())) {
                Thread.sleep(20);
            }
            assertThat(problems).isEmpty();
            long sent = peers.stream().mapToLong(p -> p.pingsSent.get()).sum();
            assertThat(sent).as("the server's text pings sent").isGreaterThanOrEqualTo(3L * CONNECTIONS);
            assertThat(clientPongs.get()).as("the client's pings answered").isPositive();
            for (Peer p : peers) {
                assertThat(p.answers.get()).as("answers on " + p.ws).isEqualTo(p.pingsSent.get());
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " chars)";
    }
}
