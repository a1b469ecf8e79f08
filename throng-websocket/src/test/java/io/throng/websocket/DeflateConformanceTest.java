package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import io.throng.websocket.codec.CodecPool;
import io.throng.websocket.codec.MessageCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * Autobahn's compression groups over real sockets, with {@link RawPeer} compressing as a client
 * does (java.util.zip on the test side): 12.1-12.5 send five kinds of payload with the default
 * offer; 13.1-13.7 vary what the client asks of the server (no context takeover, window bits 9 and
 * 15, a list of offers) against a server that imposes no context takeover and one that keeps
 * context on both sides. Each sub-case sends Autobahn's size plan (16 B to 128 KiB, some
 * fragmented into 256 B, 1 KiB, 4 KiB and 32 KiB frames) and compares the echoes byte for byte.
 * A window below 15 bits is checked with an independent zlib (Python's) set to that window.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeflateConformanceTest {
    /** Autobahn's message plan: size and fragment size (0: unfragmented). */
    static final int[][] PLAN = {{16, 0}, {64, 0}, {256, 0}, {1024, 0}, {4096, 0}, {8192, 0}, {16384, 0}, {32768, 0},
            {65536, 0}, {131072, 0}, {8192, 256}, {16384, 256}, {32768, 256}, {65536, 256}, {131072, 256},
            {131072, 1024}, {131072, 4096}, {131072, 32768}};
    static final int REPEAT = 8;

    static byte[] payload(String kind, int size, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        while (out.size() < size) {
            String chunk = switch (kind) {
                case "json" -> "{\"id\":" + r.nextInt(100000) + ",\"user\":\"user" + r.nextInt(50) + "\",\"tags\":[\"a\",\"b\"],\"ok\":true},";
                case "html" -> "<div class=\"row\"><a href=\"/item/" + r.nextInt(999) + "\">Item " + r.nextInt(999) + "</a></div>\n";
                case "text-as-binary" -> "Habe nun, ach! Philosophie, Juristerei und Medizin, und leider auch Theologie! ";
                case "image" -> new String(new char[] {(char) (r.nextInt(8) + 60), (char) (r.nextInt(8) + 60), (char) 128});
                default -> { // "pdf": mostly random bytes with some structure
                    byte[] b = new byte[64];
                    r.nextBytes(b);
                    yield new String(b, StandardCharsets.ISO_8859_1) + "obj stream endobj ";
                }
            };
            out.writeBytes(chunk.getBytes(kind.equals("json") || kind.equals("html") ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
        }
        return java.util.Arrays.copyOf(out.toByteArray(), size);
    }

    /** One sub-case: connect with {@code offer}, run the plan, close cleanly. */
    static void run(java.net.InetSocketAddress server, String offer, String kind, boolean text, int expectWindow) throws Exception {
        Random r = new Random(kind.hashCode() ^ offer.hashCode());
        try (RawPeer p = RawPeer.open(server, "/", "Sec-WebSocket-Extensions: " + offer)) {
            assertThat(p.response).as("permessage-deflate accepted").contains("Sec-WebSocket-Extensions: permessage-deflate");
            if (expectWindow < 15) {
                assertThat(p.response).contains("server_max_window_bits=" + expectWindow);
            }
            boolean clientResets = p.response.contains("client_no_context_takeover");
            Deflater deflater = new Deflater(6, true);
            int opcode = text ? RawPeer.TEXT : RawPeer.BINARY;
            for (int[] step : PLAN) {
                for (int i = 0; i < REPEAT; i++) {
                    byte[] message = payload(kind, step[0], r);
                    byte[] compressed = RawPeer.deflate(message, deflater);
                    if (clientResets) {
                        deflater.reset();
                    }
                    int frag = step[1] == 0 ? compressed.length : step[1];
                    List<byte[]> frames = new ArrayList<>();
                    for (int at = 0; at < compressed.length || at == 0; at += frag) {
                        int n = Math.min(frag, compressed.length - at);
                        boolean last = at + n >= compressed.length;
                        frames.add(p.frame((last ? 0x80 : 0) | (at == 0 ? opcode | 0x40 : 0),
                                java.util.Arrays.copyOfRange(compressed, at, at + n)));
                        if (last) {
                            break;
                        }
                    }
                    p.sendTogether(frames.toArray(byte[][]::new));
                    RawPeer.Frame echo = p.readMessage();
                    assertThat(echo.opcode()).isEqualTo(opcode);
                    if (!java.util.Arrays.equals(echo.payload(), message)) {
                        throw new AssertionError(kind + " message of " + step[0] + " B (fragments of " + step[1]
                                + ") came back different after " + (i + 1) + " messages");
                    }
                }
            }
            deflater.end();
            Expect.cleanClose(p, 1000);
        }
    }

    @TestFactory
    Stream<DynamicNode> compressionCases() throws IOException {
        WebSocketServer imposing = WebSocketServer.start(WsVariant.MULTI.config(),
                WebSocketConfig.defaults().withDeflate(DeflateConfig.ENABLED), new EchoWebSocketHandler());
        WebSocketServer keeping = WebSocketServer.start(WsVariant.POOL.config(),
                WebSocketConfig.defaults().withDeflate(DeflateConfig.ENABLED.withServerNoContextTakeover(false)
                        .withClientNoContextTakeover(false)), new EchoWebSocketHandler());
        List<DynamicNode> tests = new ArrayList<>();
        String[][] payloads = {{"12.1", "json", "text"}, {"12.2", "image", "binary"}, {"12.3", "text-as-binary", "binary"},
                {"12.4", "html", "text"}, {"12.5", "pdf", "binary"}};
        for (String[] pl : payloads) {
            for (WebSocketServer s : List.of(imposing, keeping)) {
                String which = s == imposing ? "server imposes no context takeover" : "context kept on both sides";
                tests.add(DynamicTest.dynamicTest(pl[0] + " " + pl[1] + " (" + which + ")",
                        () -> run(s.address(), "permessage-deflate; client_max_window_bits", pl[1], pl[2].equals("text"), 15)));
            }
        }
        Object[][] params = {{"13.1", "permessage-deflate", 15}, {"13.2", "permessage-deflate; server_no_context_takeover", 15},
                {"13.3", "permessage-deflate; server_max_window_bits=9", 9},
                {"13.4", "permessage-deflate; server_max_window_bits=15", 15},
                {"13.5", "permessage-deflate; server_no_context_takeover; server_max_window_bits=9", 9},
                {"13.6", "permessage-deflate; server_no_context_takeover; server_max_window_bits=15", 15},
                {"13.7", "permessage-deflate; server_no_context_takeover; server_max_window_bits=9, "
                        + "permessage-deflate; server_no_context_takeover, permessage-deflate", 9}};
        for (Object[] pm : params) {
            for (WebSocketServer s : List.of(imposing, keeping)) {
                String which = s == imposing ? "imposing" : "keeping context";
                tests.add(DynamicTest.dynamicTest(pm[0] + " offer '" + pm[1] + "' (" + which + ")",
                        () -> run(s.address(), (String) pm[1], "json", true, (Integer) pm[2])));
            }
        }
        tests.add(DynamicTest.dynamicTest("no buffer leaked, servers stopped", () -> {
            for (WebSocketServer s : List.of(imposing, keeping)) {
                ConformanceTest.awaitNoConnections(s);
                assertThat(s.protocol().bufferPool().stats().lentBuffers()).isZero();
                assertThat(s.stats().invalidPayloads()).isZero();
                s.close();
            }
        }));
        return tests.stream();
    }

    /**
     * What our compressor emits under server_max_window_bits=9 inflates in a zlib whose window is
     * 2^9 bytes (Python's, an independent implementation): no back-reference reaches further.
     */
    @Test
    void aSmallWindowIsRespectedAsAnIndependentZlibChecks() throws Exception {
        BufferPool pool = new BufferPool(0);
        MessageCompressor compressor = new MessageCompressor(new CodecPool(9, 1), 0, pool);
        byte[] message = payload("json", 200_000, new Random(9));
        StringBuilder script = new StringBuilder("import sys, zlib\n");
        for (int bits : new int[] {9, 12, 15}) {
            Deflater d = compressor.codecs().borrowDeflater();
            PooledBuffer out = compressor.compress(d, ByteBuffer.wrap(message), bits, pool);
            byte[] c = new byte[out.buffer().remaining()];
            out.buffer().get(c);
            pool.release(out);
            compressor.codecs().returnDeflater(d);
            script.append("d = zlib.decompressobj(-").append(bits).append(")\n")
                    .append("out = d.decompress(bytes.fromhex('").append(HexFormat.of().formatHex(c)).append("') + b'\\x00\\x00\\xff\\xff')\n")
                    .append("print(").append(bits).append(", len(out), out == bytes.fromhex('")
                    .append(HexFormat.of().formatHex(message)).append("'))\n");
        }
        java.nio.file.Path file = java.nio.file.Files.createTempFile("window-check", ".py");
        java.nio.file.Files.writeString(file, script);
        Process py = new ProcessBuilder(Peer.PYTHON, file.toString()).redirectErrorStream(true).start();
        String out = new String(py.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(py.waitFor()).as(out).isZero();
        assertThat(out).contains("9 200000 True", "12 200000 True", "15 200000 True");
        java.nio.file.Files.delete(file);
        assertThat(pool.stats().lentBuffers()).isZero();
    }
}
