package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.TransportKind;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * max-handshakes-in-flight over real sockets, with a table of 8: slow heads sent a byte at a time
 * fill it, and newcomers are still served, the oldest slow head making room (408); a burst of
 * normal clients past the cap all upgrade; only a table full of bodies being answered refuses (503).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HandshakeAdmissionTest {
    private static final int MAX = 8;
    private static final byte[] HEAD = ("GET /chat HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);

    static Stream<WsVariant> variants() {
        return WsVariant.ALL.stream().filter(v -> v.transport() == TransportKind.EPOLL);
    }

    /** Sends each slow peer the next byte of its head every 250 ms (a head would take ~40 s). */
    private static final class SlowSender implements AutoCloseable {
        private record Slow(RawPeer peer, int[] sent) {
        }

        private final List<Slow> slow = new CopyOnWriteArrayList<>();
        private final Thread thread = Thread.ofPlatform().daemon().name("slow-sender").start(this::run);
        private volatile boolean stop;

        RawPeer connect(java.net.InetSocketAddress server) throws IOException {
            RawPeer p = RawPeer.connectRaw(server);
            slow.add(new Slow(p, new int[1]));
            return p;
        }

        RawPeer get(int i) {
            return slow.get(i).peer();
        }

        private void run() {
            while (!stop) {
                for (Slow s : slow) {
                    if (s.sent()[0] < HEAD.length - 1) { // never the last byte: these heads never complete
                        try {
                            s.peer().socket.getOutputStream().write(HEAD[s.sent()[0]++]);
                        } catch (IOException cutOff) {
                            // the server answered and closed; the test reads what it said
                        }
                    }
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        @Override
        public void close() throws Exception {
            stop = true;
            thread.join(5000);
            for (Slow s : slow) {
                s.peer().close();
            }
        }
    }

    private static void await(IntSupplier value, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (value.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(value.getAsInt()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void slowHeadsFillingTheTableMakeRoomOldestFirstAndEveryNormalClientIsServed(WsVariant v) throws Exception {
        WebSocketConfig config = WebSocketConfig.defaults().withMaxHandshakesInFlight(MAX); // 10 s handshake timeout
        try (WebSocketServer server = WebSocketServer.start(v.config(), config, new EchoWebSocketHandler());
             SlowSender slow = new SlowSender()) {
            for (int i = 1; i <= MAX; i++) { // one at a time, so that the table's order is this order
                slow.connect(server.address());
                await(() -> server.stats().handshakesInFlight(), i);
            }
            Thread.sleep(600); // a few bytes of each head in
            // the table is full of slow heads: a normal client is admitted all the same
            try (RawPeer normal = RawPeer.open(server.address(), "/chat")) {
                assertThat(normal.response).startsWith("HTTP/1.1 101");
            }
            // the oldest slow head made room: 408 within the grace; the others are still held
            assertThat(slow.get(0).readResponse()).startsWith("HTTP/1.1 408 ")
                    .contains("newer connections are being set up");
            await(() -> (int) server.stats().handshakesEvicted(), 1);
            assertThat(server.stats().handshakesInFlight()).isEqualTo(MAX - 1);
            slow.get(1).socket.setSoTimeout(300);
            assertThat(readsNothing(slow.get(1))).isTrue();
            slow.get(1).socket.setSoTimeout(10_000);

            // a burst of three times the cap, each head sent right after its connect: every one
            // upgrades (those evicted by later ones too, their heads being read within the grace)
            int burst = 3 * MAX;
            List<RawPeer> normals = new ArrayList<>();
            try {
                for (int i = 0; i < burst; i++) {
                    RawPeer p = RawPeer.connectRaw(server.address());
                    normals.add(p);
                    p.write(HEAD, RawPeer.Chop.NONE);
                }
                for (RawPeer p : normals) {
                    assertThat(p.readHead()).startsWith("HTTP/1.1 101");
                }
            } finally {
                for (RawPeer p : normals) {
                    p.close();
                }
            }
            assertThat(server.stats().upgrades()).isEqualTo(1 + burst);

            // how many slow heads the burst cut depends on how far the server read ahead of its
            // accepts (an event loop accepts a batch first; a thread per connection reads at once);
            // new slow heads make up the difference: each one past the cap cuts the oldest, so the
            // seven first ones go, whatever the burst did, and the new ones fill the table
            for (int i = 0; i < MAX; i++) {
                slow.connect(server.address());
            }
            for (int i = 1; i < MAX; i++) {
                assertThat(slow.get(i).readResponse()).as("slow head %d", i).startsWith("HTTP/1.1 408 ")
                        .contains("newer connections are being set up");
            }
            await(() -> (int) server.stats().handshakesEvicted(), MAX);
            await(() -> server.stats().handshakesInFlight(), MAX);
            WebSocketStats s = server.stats();
            assertThat(s.overloaded()).isZero();
            assertThat(s.handshakeTimeouts()).isZero();
            assertThat(s.upgrades()).isEqualTo(1 + burst);
        }
    }

    private static boolean readsNothing(RawPeer p) throws IOException {
        try {
            p.socket.getInputStream().read(); // a byte or the end: the server said or did something
            return false;
        } catch (SocketTimeoutException expected) {
            return true;
        }
    }

    /**
     * A handshake whose body is being answered on another thread is not evicted (its client waits
     * for us): a table full of those refuses the newcomer with 503, and they are all answered.
     */
    @Test
    void aTableFullOfBodiesBeingAnsweredRefusesWith503() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch answeringBoth = new CountDownLatch(2);
        ExecutorService answering = Executors.newVirtualThreadPerTaskExecutor();
        RequestHook hook = request -> new RequestDecision.ReadBody(64, body -> {
            answeringBoth.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return HttpResponse.text(200, "answered " + body.remaining() + " B");
        }, answering);
        WebSocketConfig config = WebSocketConfig.defaults().withMaxHandshakesInFlight(2);
        WebSocketProtocol protocol = WebSocketProtocol.server(new EchoWebSocketHandler()).config(config).hook(hook).build();
        byte[] post = "POST /pub HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1);
        try (WebSocketServer server = WebSocketServer.start(WsVariant.MULTI.config(), protocol);
             RawPeer a = RawPeer.connectRaw(server.address());
             RawPeer b = RawPeer.connectRaw(server.address())) {
            a.write(post, RawPeer.Chop.NONE);
            b.write(post, RawPeer.Chop.NONE);
            assertThat(answeringBoth.await(10, TimeUnit.SECONDS)).isTrue(); // both pinned (before the hand-off)
            assertThat(server.stats().handshakesInFlight()).isEqualTo(2);
            try (RawPeer c = RawPeer.connectRaw(server.address())) {
                assertThat(c.readResponse()).startsWith("HTTP/1.1 503 ").contains("Retry-After: 1");
            }
            release.countDown();
            assertThat(a.readResponse()).startsWith("HTTP/1.1 200 ").contains("answered 5 B");
            assertThat(b.readResponse()).startsWith("HTTP/1.1 200 ").contains("answered 5 B");
            WebSocketStats s = server.stats();
            assertThat(s.overloaded()).isEqualTo(1);
            assertThat(s.handshakesEvicted()).isZero();
            await(() -> server.stats().handshakesInFlight(), 0);
        } finally {
            release.countDown();
            answering.close();
        }
    }
}
