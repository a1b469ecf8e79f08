package io.throng.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the frame decoder, permessage-deflate inflation included.
 * Without JAZZER_FUZZ these run once per seed and kept crash under {@code FrameDecoderFuzzTestInputs/};
 * docs/fuzzing.md says how to fuzz.
 *
 * <p>{@link #decode}: any bytes, with any limits and negotiated compression, fed as the engine
 * feeds them. The decoder answers bad input with a close code (1002, 1007, 1009) and a reason;
 * everything it delivers must respect the limits (a message within max-message, text that is
 * UTF-8, a control payload of at most 125 bytes), it may keep at most a partial header or control
 * frame between reads, the outcome may not depend on how the bytes were split into reads, and
 * every pooled buffer comes back. {@link #roundTrip}: messages framed and compressed by the
 * project's own encoder decode to exactly what was sent.
 */
// 10 s for one input: inflation is bounded by max-message (at most 140 KB here), far below that
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class FrameDecoderFuzzTest {
    /** A partial control frame with the longest header: 2 bytes, the mask, 125 payload bytes. */
    private static final int MAX_KEPT = 2 + 4 + Frames.MAX_CONTROL_PAYLOAD;
    private static final BufferPool POOL = new BufferPool(8 << 20);
    private static final CodecPool CODECS = new CodecPool(6, 2);

    /**
     * One thing the decoder delivered: its kind ("text", "ping", "close:1000", ...) and its bytes.
     * Compared by content; printed as hex in a failure. (Events were strings with the payload in
     * hex: roundTrip's messages of up to 70,000 bytes were formatted twice and compared as 140,000
     * characters, 3% of its profile.)
     */
    private record Event(String kind, byte[] bytes) {
        static Event of(String kind, ByteBuffer b) {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            return new Event(kind, a);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Event e && kind.equals(e.kind) && Arrays.equals(bytes, e.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * kind.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return kind + ":" + HexFormat.of().formatHex(bytes);
        }
    }

    /** What the decoder delivered, and how it ended. */
    private static final class Recorder implements FrameDecoder.Sink {
        final List<Event> events = new ArrayList<>();
        final int maxMessage;

        Recorder(int maxMessage) {
            this.maxMessage = maxMessage;
        }

        @Override
        public void onMessage(boolean text, ByteBuffer payload) {
            assertThat(payload.remaining()).as("a message within max-message").isLessThanOrEqualTo(maxMessage);
            if (text) {
                assertThat(isUtf8(payload)).as("a text message is UTF-8").isTrue();
            }
            events.add(Event.of(text ? "text" : "binary", payload));
        }

        @Override
        public void onPing(ByteBuffer payload) {
            assertThat(payload.remaining()).isLessThanOrEqualTo(Frames.MAX_CONTROL_PAYLOAD);
            events.add(Event.of("ping", payload));
        }

        @Override
        public void onPong(ByteBuffer payload) {
            assertThat(payload.remaining()).isLessThanOrEqualTo(Frames.MAX_CONTROL_PAYLOAD);
            events.add(Event.of("pong", payload));
        }

        @Override
        public void onClose(int code, ByteBuffer reason) {
            assertThat(code == Frames.CLOSE_NO_STATUS || Frames.closeCodeMayAppearOnWire(code)).as("close code %d", code).isTrue();
            assertThat(isUtf8(reason)).as("a close reason is UTF-8").isTrue();
            events.add(Event.of("close:" + code, reason));
        }
    }

    @FuzzTest
    void decode(FuzzedDataProvider in) {
        boolean server = in.consumeBoolean();
        int deflate = in.consumeInt(0, 2); // off, on with a pooled inflater, on with context takeover
        int maxFrame = in.consumeInt(0, 70_000);
        int maxMessage = in.consumeInt(0, 140_000);
        int chunk = in.consumeInt(1, 300);
        byte[] stream = in.consumeRemainingAsBytes();

        Recorder whole = new Recorder(maxMessage);
        int wholeCode = feed(stream, stream.length + 1, server, deflate, maxFrame, maxMessage, whole);
        Recorder pieces = new Recorder(maxMessage);
        int piecesCode = feed(stream, chunk, server, deflate, maxFrame, maxMessage, pieces);
        assertThat(pieces.events).as("what is delivered does not depend on how the bytes arrive").isEqualTo(whole.events);
        if (piecesCode != wholeCode) {
            // Nor the outcome, but for one case: zlib decodes the next code before it looks for room
            // to write it, so with more input at hand it can meet corrupt data right behind the
            // max-message limit that a read ending earlier has not reached yet. A compressed message
            // both too big and corrupt may then close with either code.
            assertThat(deflate).as("the outcome does not depend on how the bytes arrive: %d, %d", wholeCode, piecesCode).isNotZero();
            assertThat(Set.of(piecesCode, wholeCode)).as("the outcome does not depend on how the bytes arrive")
                    .isEqualTo(Set.of(Frames.CLOSE_INVALID_PAYLOAD, Frames.CLOSE_TOO_BIG));
        }
    }

    @FuzzTest
    void roundTrip(FuzzedDataProvider in) {
        boolean takeover = in.consumeBoolean();
        int windowBits = in.consumeInt(8, 15);
        int chunk = in.consumeInt(1, 5000);
        // the client's side: its compressor, as negotiated (no takeover: reset after each message)
        PerMessageDeflate client = new PerMessageDeflate(new DeflateParams(!takeover, false, windowBits, null),
                new MessageCompressor(CODECS, 0, POOL));
        List<Event> expected = new ArrayList<>();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        try {
            for (int m = in.consumeInt(0, 6); m > 0 && in.remainingBytes() > 0; m--) {
                boolean text = in.consumeBoolean();
                byte[] payload = text ? in.consumeString(200).getBytes(StandardCharsets.UTF_8) : repeated(in);
                boolean compress = in.consumeBoolean();
                byte[] body = compress ? compress(client, payload) : payload;
                int fragments = in.consumeInt(1, 4);
                int at = 0;
                List<Event> controls = new ArrayList<>();
                for (int f = 0; f < fragments; f++) {
                    boolean last = f == fragments - 1;
                    int n = last ? body.length - at : in.consumeInt(0, body.length - at);
                    int opcode = f > 0 ? Frames.CONTINUATION : text ? Frames.TEXT : Frames.BINARY;
                    int b0 = (last ? Frames.FIN : 0) | (f == 0 && compress ? Frames.RSV1 : 0) | opcode;
                    frame(wire, b0, Arrays.copyOfRange(body, at, at + n), in.consumeInt());
                    at += n;
                    if (!last && in.consumeBoolean()) { // a Ping or Pong between fragments, delivered before the message
                        byte[] p = in.consumeBytes(Frames.MAX_CONTROL_PAYLOAD);
                        boolean ping = in.consumeBoolean();
                        frame(wire, Frames.FIN | (ping ? Frames.PING : Frames.PONG), p, in.consumeInt());
                        controls.add(new Event(ping ? "ping" : "pong", p));
                    }
                }
                expected.addAll(controls);
                expected.add(new Event(text ? "text" : "binary", payload));
            }
        } finally {
            client.close();
        }
        Recorder got = new Recorder(1 << 20);
        int code = feed(wire.toByteArray(), chunk, true, takeover ? 2 : 1, 1 << 20, 1 << 20, got);
        assertThat(code).as("a valid stream is not refused").isZero();
        assertThat(got.events).isEqualTo(expected);
    }

    /**
     * Feeds {@code stream} in reads of {@code chunk} bytes as the session does: what the decoder
     * leaves goes in front of the next read, and a decoder that is idle is dropped (an idle
     * connection holds none). Returns 0 or the close code it failed with.
     *
     * <p>All reads go through one direct buffer, its leftover compacted to the front, as the
     * engine reuses a connection's read buffer. (A new direct buffer per read was 14% of
     * roundTrip's profile, and freeing them kept the Reference Handler thread busy besides; and
     * reuse is the stricter test: a decoder that kept a view of an earlier read sees it overwritten.)
     */
    private static int feed(byte[] stream, int chunk, boolean server, int deflate, int maxFrame, int maxMessage,
                            Recorder sink) {
        PerMessageDeflate inflation = deflate == 0 ? null : new PerMessageDeflate(
                new DeflateParams(false, deflate == 1, 15, null), new MessageCompressor(CODECS, 0, POOL));
        FrameDecoder decoder = null;
        ByteBuffer read = ByteBuffer.allocateDirect(MAX_KEPT + Math.min(chunk, stream.length));
        int code = 0;
        try {
            for (int at = 0; at < stream.length; at += chunk) {
                int n = Math.min(chunk, stream.length - at);
                read.put(stream, at, n).flip();
                if (decoder == null) {
                    decoder = new FrameDecoder(server, maxFrame, maxMessage, inflation, POOL, sink);
                }
                code = decoder.decode(read);
                if (code != 0) {
                    assertThat(code).isIn(Frames.CLOSE_PROTOCOL_ERROR, Frames.CLOSE_INVALID_PAYLOAD, Frames.CLOSE_TOO_BIG);
                    assertThat(decoder.failure()).as("a failure has a reason").isNotBlank();
                    return code;
                }
                read.compact();
                if (read.position() > MAX_KEPT) { // (not AssertJ: an assertion built per read was 7% of roundTrip's profile)
                    throw new AssertionError("kept between reads: a partial header or control frame, at most "
                            + MAX_KEPT + " bytes, not " + read.position());
                }
                if (decoder.idle() && !decoder.closed()) {
                    decoder = null;
                }
            }
            return 0;
        } finally {
            if (decoder != null) {
                decoder.release();
            }
            if (inflation != null) {
                inflation.close();
            }
            assertThat(POOL.stats().lentBuffers()).as("every assembly buffer back").isZero();
        }
    }

    /**
     * Up to 70,000 bytes (past both of the shorter length encodings) repeating a fuzzed pattern.
     * Filled by doubling copies: this class is instrumented too, and a loop over every byte paid
     * Jazzer's comparison and division hooks 70,000 times (14% of roundTrip's profile).
     */
    private static byte[] repeated(FuzzedDataProvider in) {
        byte[] pattern = in.consumeBytes(64);
        int n = in.consumeInt(0, 70_000);
        byte[] out = new byte[pattern.length == 0 ? 0 : n];
        int filled = Math.min(pattern.length, out.length);
        System.arraycopy(pattern, 0, out, 0, filled);
        while (filled < out.length) {
            int copy = Math.min(filled, out.length - filled);
            System.arraycopy(out, 0, out, filled, copy);
            filled += copy;
        }
        return out;
    }

    private static byte[] compress(PerMessageDeflate client, byte[] payload) {
        PooledBuffer b = client.compress(ByteBuffer.wrap(payload), POOL);
        try {
            byte[] out = new byte[b.buffer().remaining()];
            b.buffer().get(out);
            return out;
        } finally {
            POOL.release(b);
        }
    }

    /** A masked client frame, by the project's own header writer and masking. */
    private static void frame(ByteArrayOutputStream wire, int b0, byte[] payload, int mask) {
        byte[] header = new byte[Frames.MAX_HEADER];
        int h = Frames.putHeader(header, b0, payload.length, true, mask);
        byte[] masked = payload.clone();
        Masking.applyInPlace(masked, 0, masked.length, mask, 0);
        wire.write(header, 0, h);
        wire.writeBytes(masked);
    }

    private static boolean isUtf8(ByteBuffer b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b.duplicate());
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

}
