package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Arbitrary bytes at a real server (randomised, fixed seeds): before any handshake, after a valid
 * one, or a valid frame stream with bytes changed. Whatever arrives, the server never throws from
 * the protocol, keeps serving others, and lends back every buffer once the connections are gone.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServerFuzzTest {

    static List<WsVariant> variants() {
        return List.of(WsVariant.SINGLE, WsVariant.POOL, WsVariant.of("virtual-threads/epoll"), WsVariant.of("multi-reactor/nio"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void arbitraryBytesNeverBreakTheServerNorLeakABuffer(WsVariant v) throws Exception {
        WebSocketConfig config = WebSocketConfig.defaults().withDeflate(DeflateConfig.ENABLED)
                .withHandshakeTimeout(java.time.Duration.ofMillis(500)).withMaxMessageBytes(64 * 1024);
        try (WebSocketServer server = WebSocketServer.start(v.config(), config, new EchoWebSocketHandler())) {
            long baseline = server.engineStats().lentBuffers();
            for (long seed = 0; seed < 150; seed++) {
                SplittableRandom r = new SplittableRandom(seed);
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setSoTimeout(2000);
                    s.setSoLinger(true, 0);
                    OutputStream out = s.getOutputStream();
                    int kind = r.nextInt(3);
                    if (kind > 0) {
                        String offer = r.nextBoolean() ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "";
                        out.write(("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + offer + "\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                    }
                    byte[] bytes = kind == 2 ? mutatedFrames(r) : noise(r);
                    for (int at = 0; at < bytes.length; ) {
                        int n = Math.min(bytes.length - at, 1 + r.nextInt(500));
                        out.write(bytes, at, n);
                        at += n;
                    }
                    out.flush();
                    drainBriefly(s);
                } catch (IOException resetByServer) {
                    // the server may close on us mid-write: that is a fine answer to garbage
                }
            }
            // still serving
            try (RawPeer p = RawPeer.open(server.address(), "/")) {
                p.send(p.text("after the storm"));
                assertThat(p.readMessage().text()).isEqualTo("after the storm");
            }
            ConformanceTest.awaitNoConnections(server);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (server.engineStats().lentBuffers() != baseline && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(server.engineStats().lentBuffers()).as("engine buffers back").isEqualTo(baseline);
            assertThat(server.protocol().bufferPool().stats().lentBuffers()).as("assembly buffers back").isZero();
            assertThat(server.stats().handlerErrors()).isZero();
            assertThat(server.engineStats().handlerErrors()).as("nothing thrown into the engine").isZero();
        }
    }

    private static byte[] noise(SplittableRandom r) {
        byte[] b = new byte[r.nextInt(3000)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] mutatedFrames(SplittableRandom r) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int m = 0; m < 1 + r.nextInt(5); m++) {
            byte[] payload = new byte[r.nextInt(2000)];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) ('a' + i % 26);
            }
            int op = r.nextInt(4) == 0 ? 9 : 1 + r.nextInt(2);
            out.writeBytes(frame(0x80 | op, op == 9 ? java.util.Arrays.copyOf(payload, Math.min(125, payload.length)) : payload, r));
        }
        byte[] b = out.toByteArray();
        for (int e = 0; e < 1 + r.nextInt(10) && b.length > 0; e++) {
            b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
    }

    private static byte[] frame(int b0, byte[] payload, SplittableRandom r) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + payload.length);
        b.put((byte) b0);
        if (payload.length <= 125) {
            b.put((byte) (0x80 | payload.length));
        } else {
            b.put((byte) (0x80 | 126)).putShort((short) payload.length);
        }
        int mask = r.nextInt();
        b.putInt(mask);
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Reads whatever the server answers for a moment (so it is not blocked writing), then lets go. */
    private static void drainBriefly(Socket s) throws IOException {
        s.setSoTimeout(50);
        byte[] sink = new byte[65536];
        long until = System.nanoTime() + 100_000_000L;
        try {
            while (System.nanoTime() < until && s.getInputStream().read(sink) >= 0) {
                // discard
            }
        } catch (java.net.SocketTimeoutException enough) {
            // nothing more for now
        }
    }
}
