package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.ClientConfig;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Client;
import io.throng.core.net.Server;
import io.throng.testca.TestCa;
import io.throng.core.tls.TlsClientConfig;
import io.throng.core.tls.TlsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract over TLS, on every model and transport: the same handlers as the plain suite, the
 * JDK's {@link SSLSocket} as the independent peer (verifying the server's certificate for real,
 * against a CA openssl made for this run), and the bad peers a TLS port meets.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsContractTest {
    static TestCa ca;
    static SSLContext peerContext;

    static List<Variant> variants() {
        return Variant.ALL;
    }

    @BeforeAll
    static void certificates() throws Exception {
        ca = TestCa.get();
        peerContext = ca.clientContext();
    }

    private static ServerConfig tls(Variant v) {
        return v.config().withTls(ca.serverConfig());
    }

    static SSLSocket connect(InetSocketAddress address) throws IOException {
        SSLSocket s = (SSLSocket) peerContext.getSocketFactory().createSocket(address.getAddress(), address.getPort());
        s.setTcpNoDelay(true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new java.io.EOFException("end of stream after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    private static long idleBaseline(Server server) throws InterruptedException {
        Net.await("no connections", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
        return server.stats().lentBuffers();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void clientsExchangeRandomFramesByteForByte(Variant v) throws Exception {
        FrameEchoHandler handler = new FrameEchoHandler();
        try (Server server = Server.start(tls(v), handler);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long baseline = server.stats().lentBuffers();
            int clients = 40;
            AtomicLong checked = new AtomicLong();
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                long seed = 7000L + i;
                results.add(pool.submit(() -> exchangeFrames(server.address(), seed, 3, checked, pool)));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(checked.get()).isEqualTo(clients * 3L);
            assertThat(handler.frames.get()).isEqualTo(clients * 3L);
            Net.await("every connection closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
            Net.await("pooled buffers back", Duration.ofSeconds(10), () -> server.stats().lentBuffers() == baseline);
            assertThat(server.stats().handlerErrors()).isZero();
            assertThat(server.tlsStats().handshakes()).isEqualTo(clients);
            assertThat(server.tlsStats().handshakeFailures()).isZero();
        }
    }

    /** Frames of 1 B to 1 MiB written in random pieces (records of every size), the echo read and compared on another thread. */
    private static Void exchangeFrames(InetSocketAddress address, long seed, int count, AtomicLong checked,
                                       ExecutorService pool) throws Exception {
        Random random = new Random(seed);
        byte[][] frames = new byte[count][];
        for (int i = 0; i < count; i++) {
            int size = (int) Math.min(1 << 20, Math.max(1, Math.exp(random.nextDouble() * Math.log(1 << 20))));
            frames[i] = new byte[size];
            random.nextBytes(frames[i]);
        }
        try (SSLSocket s = connect(address)) {
            OutputStream out = s.getOutputStream();
            Future<?> writer = pool.submit(() -> {
                Random r = new Random(seed * 31);
                for (byte[] payload : frames) {
                    byte[] b = Net.frame(payload).array();
                    for (int at = 0; at < b.length; ) {
                        int piece = Math.min(b.length - at, 1 + r.nextInt(r.nextBoolean() ? 64 : 256 * 1024));
                        out.write(b, at, piece);
                        at += piece;
                    }
                    out.flush();
                }
                return null;
            });
            InputStream in = s.getInputStream();
            for (byte[] payload : frames) {
                byte[] expected = Net.frame(payload).array();
                byte[] got = readFully(in, expected.length);
                if (!Arrays.equals(expected, got)) {
                    throw new AssertionError("frame of " + payload.length + " B came back different");
                }
                checked.incrementAndGet();
            }
            writer.get();
        }
        return null;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void halfCloseGetsEveryReplyThenTheEnd(Variant v) throws Exception {
        try (Server server = Server.start(tls(v), new EchoHandler()); SSLSocket s = connect(server.address())) {
            byte[] sent = new byte[100_000];
            new Random(3).nextBytes(sent);
            s.getOutputStream().write(sent);
            s.shutdownOutput(); // close_notify, then FIN
            byte[] back = s.getInputStream().readAllBytes(); // to the server's close_notify
            assertThat(back).isEqualTo(sent);
            Net.await("closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
            assertThat(server.tlsStats().truncated()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void idleTlsConnectionsHoldNoPooledBuffer(Variant v) throws Exception {
        try (Server server = Server.start(tls(v), new FrameEchoHandler())) {
            long baseline = idleBaseline(server);
            List<SSLSocket> peers = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    SSLSocket s = connect(server.address());
                    peers.add(s);
                    // A whole frame and half of the next: the half is kept (decrypted, in a chunk of
                    // its size) only while it is incomplete.
                    byte[] frame = Net.frame(new byte[] {1, 2, 3}).array();
                    s.getOutputStream().write(frame);
                    s.getOutputStream().write(new byte[] {0, 0, 0, 5, 9});
                    assertThat(readFully(s.getInputStream(), frame.length)).isEqualTo(frame);
                }
                Net.await("30 connections", Duration.ofSeconds(10), () -> server.stats().connections() == 30);
                // A connection's own thread holds its read buffer anyway (one per connection, by nature).
                long perConnection = v.threadPerConnection() ? 1 : 0;
                Net.await("a chunk a partial frame", Duration.ofSeconds(10),
                        () -> server.stats().lentBuffers() == baseline + 30 + 30 * perConnection);
                for (SSLSocket s : peers) {
                    s.getOutputStream().write(new byte[] {1, 2, 3, 4});
                    assertThat(readFully(s.getInputStream(), 9)).isEqualTo(new byte[] {0, 0, 0, 5, 9, 1, 2, 3, 4});
                }
                Net.await("no buffer for idle TLS connections", Duration.ofSeconds(10),
                        () -> server.stats().lentBuffers() == baseline + 30 * perConnection);
            } finally {
                for (SSLSocket s : peers) {
                    s.close();
                }
            }
            Net.await("closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
            // A connection's own thread gives its read buffer back as it leaves, after the close is
            // counted: wait for it rather than read once.
            Net.await("buffers back", Duration.ofSeconds(10), () -> server.stats().lentBuffers() == baseline);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void resumingReadsHandsOverDecryptedBytesLeftUnread(Variant v) throws Exception {
        Handler oneAtATime = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                if (in.remaining() < 4) {
                    return;
                }
                int n = in.getInt();
                c.suspendReads();
                Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                    c.write(ByteBuffer.allocate(4).putInt(0, n + 1000));
                    c.flush();
                    c.resumeReads();
                });
            }
        };
        try (Server server = Server.start(tls(v), oneAtATime); SSLSocket s = connect(server.address())) {
            ByteBuffer all = ByteBuffer.allocate(4 * 10);
            for (int i = 0; i < 10; i++) {
                all.putInt(i);
            }
            s.getOutputStream().write(all.array()); // one record: ten messages decrypted at once
            ByteBuffer back = ByteBuffer.wrap(readFully(s.getInputStream(), 4 * 10));
            for (int i = 0; i < 10; i++) {
                assertThat(back.getInt()).isEqualTo(i + 1000);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void sharedAndImmutableFramesFromAnotherThreadArriveWholeAndInOrder(Variant v) throws Exception {
        Queue<Connection> opened = new ConcurrentLinkedQueue<>();
        Handler collect = collecting(opened);
        try (Server server = Server.start(tls(v), collect); SSLSocket s = connect(server.address())) {
            Net.await("open", Duration.ofSeconds(10), () -> !opened.isEmpty());
            Connection c = opened.peek();
            byte[] big = new byte[300_000];
            new Random(5).nextBytes(big);
            ByteBuffer shared = ByteBuffer.allocateDirect(big.length).put(big).flip();
            int rounds = 20;
            Thread writer = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    c.write(ByteBuffer.allocate(4).putInt(0, i));
                    if (i % 2 == 0) {
                        c.writeShared(shared);
                    } else {
                        c.writeImmutable(shared);
                    }
                    c.flush();
                }
            });
            InputStream in = s.getInputStream();
            for (int i = 0; i < rounds; i++) {
                assertThat(ByteBuffer.wrap(readFully(in, 4)).getInt()).isEqualTo(i);
                assertThat(readFully(in, big.length)).isEqualTo(big);
            }
            writer.join();
            assertThat(shared.position()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aSharedFrameFromAnotherThreadGoesOutWithoutAFlush(Variant v) throws Exception {
        Queue<Connection> opened = new ConcurrentLinkedQueue<>();
        Handler collect = collecting(opened);
        try (Server server = Server.start(tls(v), collect); SSLSocket s = connect(server.address())) {
            Net.await("open", Duration.ofSeconds(10), () -> !opened.isEmpty());
            ByteBuffer frame = ByteBuffer.allocateDirect(5).put("fresh".getBytes(StandardCharsets.US_ASCII)).flip();
            Thread.ofPlatform().start(() -> opened.peek().writeImmutable(frame)).join(); // a publisher's thread, no flush
            s.setSoTimeout(5000);
            assertThat(new String(readFully(s.getInputStream(), 5), StandardCharsets.US_ASCII)).isEqualTo("fresh");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void timersBelongToTheApplicationAfterTheHandshake(Variant v) throws Exception {
        Handler ticking = new Handler() {
            @Override
            public void onOpen(Connection c) {
                c.setTimer(Duration.ofMillis(150));
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
            }

            @Override
            public void onTimer(Connection c) {
                c.write("tick".getBytes(StandardCharsets.US_ASCII));
            }
        };
        try (Server server = Server.start(tls(v), ticking); SSLSocket s = connect(server.address())) {
            assertThat(new String(readFully(s.getInputStream(), 4), StandardCharsets.US_ASCII)).isEqualTo("tick");
        }
    }

    /** A handler that keeps every connection it opens and drops what they send. */
    private static Handler collecting(Queue<Connection> opened) {
        return new Handler() {
            @Override
            public void onOpen(Connection c) {
                opened.add(c);
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
            }
        };
    }

    // ------------------------------------------------------------------ bad peers

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void badPeersAreAnsweredClosedAndCountedAndNeverReachTheHandler(Variant v) throws Exception {
        AtomicInteger opens = new AtomicInteger();
        Handler echo = new EchoHandler();
        Handler counting = new Handler() {
            @Override
            public void onOpen(Connection c) {
                opens.incrementAndGet();
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                echo.onData(c, in);
            }
        };
        ServerConfig config = v.config().withTls(ca.serverConfig().withHandshakeTimeout(Duration.ofMillis(400)));
        try (Server server = Server.start(config, counting)) {
            long baseline = idleBaseline(server);
            // A plain-text HTTP request: answered in plain text, then closed.
            try (Socket plain = new Socket(server.address().getAddress(), server.port())) {
                plain.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String answer = new String(plain.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 400 ").contains("This port speaks TLS");
            }
            // Garbage in a handshake record: the engine's alert, then the end.
            try (Socket garbage = new Socket(server.address().getAddress(), server.port())) {
                byte[] junk = new byte[64];
                new Random(9).nextBytes(junk);
                junk[0] = 0x16;
                junk[1] = 0x03;
                junk[2] = 0x01;
                junk[3] = 0x00;
                junk[4] = 0x3b;
                garbage.getOutputStream().write(junk);
                garbage.setSoTimeout(5000);
                garbage.getInputStream().readAllBytes();
            } catch (java.net.SocketException reset) {
                // a reset is an end too
            }
            // A peer that connects and says nothing: closed at the handshake timeout.
            try (Socket silent = new Socket(server.address().getAddress(), server.port())) {
                silent.setSoTimeout(5000);
                long t0 = System.nanoTime();
                try {
                    assertThat(silent.getInputStream().read()).isEqualTo(-1);
                } catch (java.net.SocketException reset) {
                    // the stalled handshake is aborted: a reset
                }
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
            }
            // A peer that does not trust the certificate gives up mid-handshake.
            SSLContext trustingNobody = SSLContext.getInstance("TLS");
            trustingNobody.init(null, null, null); // the JDK's CAs, which did not sign ours
            try (SSLSocket s = (SSLSocket) trustingNobody.getSocketFactory().createSocket(server.address().getAddress(), server.port())) {
                assertThatThrownBy(s::startHandshake).isInstanceOf(SSLHandshakeException.class);
            }
            try {
                Net.await("four failures counted", Duration.ofSeconds(10),
                        () -> server.tlsStats().handshakeFailures() == 4 && server.stats().connections() == 0);
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": " + server.tlsStats() + ", open " + server.stats().connections());
            }
            TlsHandler.Stats st = server.tlsStats();
            assertThat(st.plainText()).isEqualTo(1);
            assertThat(st.timeouts()).isEqualTo(1);
            assertThat(st.handshakes()).isZero();
            assertThat(opens.get()).isZero();
            // A connection's own thread gives its read buffer back as it leaves, after the close is
            // counted: wait for it rather than read once.
            Net.await("buffers back", Duration.ofSeconds(10), () -> server.stats().lentBuffers() == baseline);
            // ... and the port still serves.
            try (SSLSocket s = connect(server.address())) {
                s.getOutputStream().write(new byte[] {42});
                assertThat(s.getInputStream().read()).isEqualTo(42);
            }
        }
    }

    // ------------------------------------------------------------------ throng's own TLS client

    @Test
    void throngsClientVerifiesTheServerAndEchoesOverTls() throws Exception {
        Queue<String> got = new ConcurrentLinkedQueue<>();
        Queue<CloseReason> closes = new ConcurrentLinkedQueue<>();
        Handler clientHandler = new Handler() {
            @Override
            public void onOpen(Connection c) {
                got.add("open:" + c.attachment());
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                byte[] b = new byte[in.remaining()];
                in.get(b);
                got.add(new String(b, StandardCharsets.US_ASCII));
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                closes.add(reason);
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1)
                .withTls(ca.serverConfig().withAlpn(List.of("h2", "echo/1")));
        try (Server server = Server.start(config, new EchoHandler());
             Client client = Client.start(ClientConfig.defaults().withLoops(1)
                     .withTls(TlsClientConfig.trusting(ca.ca).withAlpn(List.of("echo/1"))), clientHandler);
             Client wrongName = Client.start(ClientConfig.defaults().withLoops(1)
                     .withTls(TlsClientConfig.trusting(ca.ca).withServerName("other.example")), clientHandler);
             Client untrusting = Client.start(ClientConfig.defaults().withLoops(1).withTls(TlsClientConfig.defaults()), clientHandler)) {
            Connection c = client.connect(server.address(), null, "mine").get(10, TimeUnit.SECONDS);
            assertThat(c.attachment().toString()).isEqualTo("mine");
            assertThat(TlsHandler.session(c).getProtocol()).isEqualTo("TLSv1.3");
            assertThat(TlsHandler.applicationProtocol(c)).isEqualTo("echo/1"); // the one both speak
            c.write("hello".getBytes(StandardCharsets.US_ASCII));
            c.flush();
            Net.await("the echo", Duration.ofSeconds(10), () -> String.join("", got).contains("hello"));
            assertThat(got.peek()).isEqualTo("open:mine");
            c.close();
            Net.await("closed", Duration.ofSeconds(10), () -> closes.size() == 1);

            CompletableFuture<Connection> f1 = wrongName.connect(server.address());
            assertThatThrownBy(() -> f1.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SSLHandshakeException.class);
            CompletableFuture<Connection> f2 = untrusting.connect(server.address());
            assertThatThrownBy(() -> f2.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SSLHandshakeException.class);
            assertThat(wrongName.tlsStats().handshakeFailures()).isEqualTo(1);
            assertThat(closes).hasSize(1); // the failed ones never reached the handler
        }
    }

    @Test
    void anExpiredCertificateIsRefusedByEveryClientWithTheReasonAndCountedAtBothEnds() throws Exception {
        Queue<CloseReason> closes = new ConcurrentLinkedQueue<>();
        Handler clientHandler = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                closes.add(reason);
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1)
                .withTls(ca.expiredServerConfig());
        try (Server server = Server.start(config, new EchoHandler());
             Client client = Client.start(ClientConfig.defaults().withLoops(1).withTls(TlsClientConfig.trusting(ca.ca)), clientHandler)) {
            CompletableFuture<Connection> f = client.connect(server.address());
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(SSLHandshakeException.class).hasMessageContaining("validity check failed");
            assertThat(client.tlsStats().handshakeFailures()).isEqualTo(1);
            // the client's alert (certificate_expired) ends the server's handshake: counted there too
            Net.await("the server's count", Duration.ofSeconds(10), () -> server.tlsStats().handshakeFailures() == 1);
            // the JDK's own client says the same
            assertThatThrownBy(() -> connect(server.address())).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("validity check failed");
            Net.await("the server's count", Duration.ofSeconds(10), () -> server.tlsStats().handshakeFailures() == 2);
            assertThat(server.tlsStats().handshakes()).isZero();
            assertThat(closes).isEmpty(); // a handshake that failed never reached the handler
        }
    }
}
