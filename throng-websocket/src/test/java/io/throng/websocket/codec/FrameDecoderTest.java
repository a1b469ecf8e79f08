package io.throng.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.buffer.BufferPool;
import io.throng.websocket.DeflateConfig;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;

/**
 * The frame decoder on its own, fed the way the engine feeds it (new bytes behind whatever it left,
 * in random pieces). Randomised properties with fixed seeds (a failure prints the seed):
 * valid streams decode to exactly the messages sent, whatever the fragmentation, interleaved control
 * frames, compression and chunking; arbitrary and mutated bytes never throw, never loop, never
 * leave more than a header or control frame unconsumed, and never leak a pooled buffer.
 */
class FrameDecoderTest {
    private static final int MAX = 1 << 20;

    /** Records what the decoder delivers. */
    static final class Events implements FrameDecoder.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void onMessage(boolean text, ByteBuffer payload) {
            byte[] b = new byte[payload.remaining()];
            payload.duplicate().get(b);
            events.add(text ? "text:" + new String(b, StandardCharsets.UTF_8) : "binary:" + HexFormat.of().formatHex(b));
        }

        @Override
        public void onPing(ByteBuffer payload) {
            events.add("ping:" + StandardCharsets.UTF_8.decode(payload.duplicate()));
        }

        @Override
        public void onPong(ByteBuffer payload) {
            events.add("pong:" + StandardCharsets.UTF_8.decode(payload.duplicate()));
        }

        @Override
        public void onClose(int code, ByteBuffer reason) {
            events.add("close:" + code + ":" + StandardCharsets.UTF_8.decode(reason.duplicate()));
        }
    }

    /** Feeds bytes in pieces as the engine would; returns the first failure code, or 0. */
    static final class Feeder {
        final BufferPool pool = new BufferPool(0);
        final Events sink = new Events();
        final CodecPool codecs = new CodecPool(6, 2);
        final boolean deflate;
        FrameDecoder decoder;
        byte[] leftover = new byte[0];
        int maxLeftover;

        Feeder(boolean deflate) {
            this.deflate = deflate;
        }

        private FrameDecoder decoder() {
            if (decoder == null) {
                Inflation inflation = deflate ? new PerMessageDeflate(new DeflateParams(true, true, 15, null),
                        new MessageCompressor(codecs, 0, pool)) : null;
                decoder = new FrameDecoder(true, MAX, MAX, inflation, pool, sink);
            }
            return decoder;
        }

        int feed(byte[] stream, SplittableRandom r) {
            int at = 0;
            while (at < stream.length) {
                int n = Math.min(stream.length - at, 1 + r.nextInt(r.nextBoolean() ? 7 : 3000));
                ByteBuffer in = ByteBuffer.allocateDirect(leftover.length + n);
                in.put(leftover).put(stream, at, n).flip();
                at += n;
                FrameDecoder d = decoder();
                int code = d.decode(in);
                if (code != 0) {
                    d.release();
                    return code;
                }
                leftover = new byte[in.remaining()];
                in.get(leftover);
                maxLeftover = Math.max(maxLeftover, leftover.length);
                if (d.idle() && !d.closed()) {
                    decoder = null; // as the session does: an idle connection holds no decoder
                }
            }
            return 0;
        }

        void release() {
            if (decoder != null) {
                decoder.release();
            }
        }
    }

    /** A masked client frame. */
    static byte[] frame(int b0, byte[] payload, SplittableRandom r) {
        int n = payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + n);
        b.put((byte) b0);
        if (n <= 125) {
            b.put((byte) (0x80 | n));
        } else if (n <= 0xFFFF) {
            b.put((byte) (0x80 | 126)).putShort((short) n);
        } else {
            b.put((byte) (0x80 | 127)).putLong(n);
        }
        int mask = r.nextInt();
        b.putInt(mask);
        for (int i = 0; i < n; i++) {
            b.put((byte) (payload[i] ^ (mask >>> (24 - 8 * (i & 3)))));
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    static String randomText(SplittableRandom r, int maxChars) {
        StringBuilder sb = new StringBuilder();
        int n = r.nextInt(maxChars + 1);
        for (int i = 0; i < n; i++) {
            int kind = r.nextInt(6);
            int cp = switch (kind) {
                case 0, 1, 2 -> 0x20 + r.nextInt(0x5F);
                case 3 -> 0xA0 + r.nextInt(0x700);
                case 4 -> 0x800 + r.nextInt(0xD000);
                default -> 0x10000 + r.nextInt(0x10000);
            };
            sb.appendCodePoint(cp >= 0xD800 && cp <= 0xDFFF ? 'x' : cp);
        }
        return sb.toString();
    }

    static byte[] deflate(byte[] message) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(message);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[4096];
            int k;
            do {
                k = d.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
                out.write(chunk, 0, k);
            } while (k == chunk.length);
            byte[] all = out.toByteArray();
            return java.util.Arrays.copyOf(all, all.length - 4);
        } finally {
            d.end();
        }
    }

    /** A random valid stream and the events it must produce. */
    static byte[] validStream(SplittableRandom r, boolean deflate, List<String> expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int messages = 1 + r.nextInt(6);
        for (int m = 0; m < messages; m++) {
            boolean text = r.nextBoolean();
            byte[] payload;
            if (text) {
                String s = randomText(r, r.nextInt(10) == 0 ? 20_000 : 200);
                payload = s.getBytes(StandardCharsets.UTF_8);
                expected.add("text:" + s);
            } else {
                payload = new byte[r.nextInt(10) == 0 ? r.nextInt(70_000) : r.nextInt(300)];
                for (int i = 0; i < payload.length; i++) {
                    payload[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : 'a' + i % 7);
                }
                expected.add("binary:" + HexFormat.of().formatHex(payload));
            }
            boolean compress = deflate && r.nextBoolean();
            byte[] wire = compress ? deflate(payload) : payload;
            int fragments = 1 + r.nextInt(4);
            int at = 0;
            for (int f = 0; f < fragments; f++) {
                int n = f == fragments - 1 ? wire.length - at : r.nextInt(wire.length - at + 1);
                int b0 = (f == fragments - 1 ? 0x80 : 0) | (f == 0 ? (text ? 1 : 2) | (compress ? 0x40 : 0) : 0);
                out.writeBytes(frame(b0, java.util.Arrays.copyOfRange(wire, at, at + n), r));
                at += n;
                if (r.nextInt(3) == 0) { // a control frame between fragments
                    String p = "c" + r.nextInt(1000);
                    boolean ping = r.nextBoolean();
                    out.writeBytes(frame(0x80 | (ping ? 9 : 10), p.getBytes(StandardCharsets.UTF_8), r));
                    String event = (ping ? "ping:" : "pong:") + p;
                    if (f < fragments - 1) {
                        expected.add(expected.size() - 1, event); // before the message it interrupts
                    } else {
                        expected.add(event); // the message is complete by then
                    }
                }
            }
        }
        out.writeBytes(frame(0x88, ByteBuffer.allocate(5).putShort((short) 1000).put("bye".getBytes()).array(), r));
        expected.add("close:1000:bye");
        return out.toByteArray();
    }

    @Test
    void validStreamsDecodeToExactlyTheMessagesSentHoweverTheyAreCut() {
        for (boolean deflate : new boolean[] {false, true}) {
            for (long seed = 0; seed < 400; seed++) {
                SplittableRandom r = new SplittableRandom(seed);
                List<String> expected = new ArrayList<>();
                byte[] stream = validStream(r, deflate, expected);
                Feeder f = new Feeder(deflate);
                int code = f.feed(stream, r);
                assertThat(code).as("seed %d: %s", seed, f.decoder == null ? "" : f.decoder.failure()).isZero();
                assertThat(f.sink.events).as("seed %d (deflate %s)", seed, deflate).isEqualTo(expected);
                assertThat(f.maxLeftover).as("bytes left for the engine to keep").isLessThanOrEqualTo(131);
                f.release();
                assertThat(f.pool.stats().lentBuffers()).as("seed %d: buffers lent after the stream", seed).isZero();
            }
        }
    }

    @Test
    void arbitraryBytesNeverThrowLoopOrLeak() {
        for (long seed = 0; seed < 3000; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            boolean deflate = r.nextBoolean();
            byte[] stream;
            int kind = r.nextInt(3);
            if (kind == 0) { // pure noise
                stream = new byte[r.nextInt(2000)];
                for (int i = 0; i < stream.length; i++) {
                    stream[i] = (byte) r.nextInt(256);
                }
            } else { // a valid stream with some bytes changed, cut or repeated
                stream = validStream(r, deflate, new ArrayList<>());
                int edits = 1 + r.nextInt(kind == 1 ? 3 : 30);
                for (int e = 0; e < edits && stream.length > 0; e++) {
                    int at = r.nextInt(stream.length);
                    switch (r.nextInt(3)) {
                        case 0 -> stream[at] = (byte) r.nextInt(256);
                        case 1 -> stream = java.util.Arrays.copyOf(stream, at);
                        default -> stream[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
            }
            Feeder f = new Feeder(deflate);
            int code;
            try {
                code = f.feed(stream, r);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw", e);
            }
            assertThat(code == 0 || code == 1002 || code == 1007 || code == 1009).as("seed %d: code %d", seed, code).isTrue();
            assertThat(f.maxLeftover).as("seed %d: bytes left unconsumed", seed).isLessThanOrEqualTo(131);
            f.release();
            assertThat(f.pool.stats().lentBuffers()).as("seed %d: buffers lent", seed).isZero();
        }
    }

    @Test
    void limitsAreCheckedFromTheDeclaredLengthAndWhileInflating() {
        SplittableRandom r = new SplittableRandom(1);
        Feeder f = new Feeder(false);
        byte[] header = {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4}; // 2 MiB declared
        assertThat(f.feed(header, r)).isEqualTo(1009);
        assertThat(f.decoder.failure()).contains("2097152 B, over max-frame 1048576 B");

        // a compression bomb: 20 MiB of zeros compress to ~20 KiB; it must stop at the 1 MiB limit
        Feeder bomb = new Feeder(true);
        byte[] compressed = deflate(new byte[20 << 20]);
        assertThat(compressed.length).isLessThan(MAX);
        assertThat(bomb.feed(frame(0x80 | 0x40 | 2, compressed, r), r)).isEqualTo(1009);
        assertThat(bomb.decoder.failure()).contains("inflating to over max-message");
        bomb.release();
        assertThat(bomb.pool.stats().lentBuffers()).isZero();

        // the top bit of a 64-bit length
        Feeder top = new Feeder(false);
        byte[] huge = {(byte) 0x82, (byte) (0x80 | 127), (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4};
        assertThat(top.feed(huge, r)).isEqualTo(1002);
    }
}
