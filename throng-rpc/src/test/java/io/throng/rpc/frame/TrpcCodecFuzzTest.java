package io.throng.rpc.frame;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the tRPC codec: the fixed frame header and the frame
 * splitter, the protobuf request and response headers, and the stream frames' metas. Without
 * JAZZER_FUZZ these run once per seed and kept crash under {@code TrpcCodecFuzzTestInputs/};
 * docs/fuzzing.md says how to fuzz. ({@link FrameFuzzTest} is the seeded random test of the same
 * code that predates this; it stays.)
 *
 * <p>Bad input is refused with a {@link FrameException} naming what is wrong; any other exception
 * is a bug. Frames must split the same whatever the reads, and whatever decodes must encode back
 * to something that decodes to the same values.
 */
// 10 s for one input: the longest takes well under 1 ms
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TrpcCodecFuzzTest {
    /** Room to re-encode anything a decoded frame held (it came in a frame under 70,000 bytes). */
    private static final FrameLimits ROOMY = new FrameLimits(1 << 20, FrameLimits.MAX_HEADER_SIZE);

    /** A connection's byte stream: split into frames as reads arrive, each decoded as its type says. */
    @FuzzTest
    void frames(FuzzedDataProvider in) {
        FrameLimits limits = new FrameLimits(in.consumeInt(FrameHeader.SIZE + 1, 70_000), in.consumeInt(1, FrameLimits.MAX_HEADER_SIZE));
        int chunk = in.consumeInt(1, 300);
        byte[] stream = in.consumeRemainingAsBytes();

        List<String> whole = new ArrayList<>();
        String wholeEnd = split(stream, stream.length + 1, limits, whole);
        List<String> pieces = new ArrayList<>();
        String piecesEnd = split(stream, chunk, limits, pieces);
        assertThat(pieces).as("frames do not depend on how the bytes arrive").isEqualTo(whole);
        assertThat(piecesEnd).isEqualTo(wholeEnd);
    }

    /**
     * Feeds {@code stream} in reads of {@code chunk} bytes, keeping what the reader leaves as the
     * engine does; records each frame as decoded. Returns how it ended: "ok", or the refusal.
     */
    private static String split(byte[] stream, int chunk, FrameLimits limits, List<String> frames) {
        byte[] kept = new byte[0];
        for (int at = 0; at < stream.length; at += chunk) {
            int n = Math.min(chunk, stream.length - at);
            ByteBuffer read = ByteBuffer.allocate(kept.length + n);
            read.put(kept).put(stream, at, n).flip();
            try {
                int count = FrameReader.drain(read, limits, (h, b) -> frames.add(decode(h, b)));
                assertThat(count).isGreaterThanOrEqualTo(0);
            } catch (FrameException e) {
                assertThat(e.getMessage()).isNotBlank();
                return "refused: " + e.getMessage();
            }
            kept = new byte[read.remaining()];
            read.get(kept);
            FrameHeader h = FrameHeader.peek(ByteBuffer.wrap(kept), limits);
            assertThat(h == null || kept.length < h.totalSize()).as("only a partial frame is left").isTrue();
        }
        return "ok";
    }

    /** One whole frame, decoded as a server and as a client would; each decode round-trips. */
    private static String decode(FrameHeader h, ByteBuffer in) {
        assertThat(h.totalSize()).isBetween(FrameHeader.SIZE, in.remaining());
        ByteBuffer frame = in.slice(in.position(), h.totalSize());
        StringBuilder sb = new StringBuilder(h.toString());
        if (h.isUnary()) {
            sb.append(" request ").append(attempt(() -> request(frame, h)));
            sb.append(" response ").append(attempt(() -> response(frame, h)));
        } else {
            sb.append(' ').append(attempt(() -> switch (h.streamFrameType()) {
                case StreamFrames.INIT -> init(StreamFrames.decodeInit(frame, h), h.streamId());
                case StreamFrames.DATA -> HexFormat.of().formatHex(StreamFrames.decodeData(frame, h));
                case StreamFrames.FEEDBACK -> feedback(StreamFrames.decodeFeedback(frame, h), h.streamId());
                case StreamFrames.CLOSE -> close(StreamFrames.decodeClose(frame, h), h.streamId());
                default -> throw new AssertionError("peek let through stream frame type " + h.streamFrameType());
            }));
        }
        assertThat(frame.position()).as("decoding does not move the buffer").isZero();
        return sb.toString();
    }

    private static String request(ByteBuffer frame, FrameHeader h) {
        UnaryFrames.Request r = UnaryFrames.decodeRequest(frame, h);
        String seen = describe(r.header()) + " body " + hex(r.body()) + " attachment " + hex(r.attachment());
        byte[] again;
        try {
            again = UnaryFrames.encodeRequest(h.streamId(), h.version(), r.header(), r.body(), r.attachment(), ROOMY);
        } catch (FrameException tooBig) {
            // a header read from replacement characters may grow threefold past the 64 KiB field
            assertThat(tooBig.getMessage()).contains("exceeds max header size");
            return seen;
        }
        ByteBuffer b = ByteBuffer.wrap(again);
        FrameHeader h2 = FrameHeader.peek(b, ROOMY);
        UnaryFrames.Request r2 = UnaryFrames.decodeRequest(b, h2);
        assertThat(describe(r2.header()) + " body " + hex(r2.body()) + " attachment " + hex(r2.attachment()))
                .as("encoded again, decoded again").isEqualTo(seen);
        assertThat(h2.streamId()).isEqualTo(h.streamId());
        assertThat(h2.version()).isEqualTo(h.version());
        return seen;
    }

    private static String response(ByteBuffer frame, FrameHeader h) {
        UnaryFrames.Response r = UnaryFrames.decodeResponse(frame, h);
        String seen = describe(r.header()) + " body " + hex(r.body()) + " attachment " + hex(r.attachment());
        if (r.header().encodedSize() <= ROOMY.maxHeaderSize()) { // (else the encoder degrades it, as tRPC-Go does)
            ByteBuffer b = ByteBuffer.wrap(UnaryFrames.encodeResponse(h.streamId(), h.version(), r.header(), r.body(),
                    r.attachment(), ROOMY));
            UnaryFrames.Response r2 = UnaryFrames.decodeResponse(b, FrameHeader.peek(b, ROOMY));
            assertThat(describe(r2.header()) + " body " + hex(r2.body()) + " attachment " + hex(r2.attachment()))
                    .as("encoded again, decoded again").isEqualTo(seen);
        }
        return seen;
    }

    private static String init(StreamFrames.Init init, int streamId) {
        ByteBuffer b = ByteBuffer.wrap(StreamFrames.init(streamId, init, ROOMY));
        StreamFrames.Init again = StreamFrames.decodeInit(b, FrameHeader.peek(b, ROOMY));
        // the encoder writes the meta of one side: the request's, or the response's
        String seen = init.response() ? "response " + init.ret() + " " + init.errorMsg()
                : "request " + init.caller() + " " + init.callee() + " " + init.func() + " " + init.messageType() + " " + map(init.transInfo());
        String tail = " window " + init.windowSize() + " type " + init.contentType() + " encoding " + init.contentEncoding();
        String seenAgain = again.response() ? "response " + again.ret() + " " + again.errorMsg()
                : "request " + again.caller() + " " + again.callee() + " " + again.func() + " " + again.messageType() + " " + map(again.transInfo());
        assertThat(seenAgain + " window " + again.windowSize() + " type " + again.contentType() + " encoding " + again.contentEncoding())
                .as("INIT encoded again, decoded again").isEqualTo(seen + tail);
        return seen + tail;
    }

    private static String feedback(int increment, int streamId) {
        ByteBuffer b = ByteBuffer.wrap(StreamFrames.feedback(streamId, increment, ROOMY));
        assertThat(StreamFrames.decodeFeedback(b, FrameHeader.peek(b, ROOMY))).isEqualTo(increment);
        return "feedback " + increment;
    }

    private static String close(StreamFrames.Close close, int streamId) {
        ByteBuffer b = ByteBuffer.wrap(StreamFrames.close(streamId, close, ROOMY));
        StreamFrames.Close again = StreamFrames.decodeClose(b, FrameHeader.peek(b, ROOMY));
        String seen = describe(close);
        assertThat(describe(again)).as("CLOSE encoded again, decoded again").isEqualTo(seen);
        return seen;
    }

    /** The header decoders on bare protobuf bytes (no frame around them): refusals are FrameExceptions. */
    @FuzzTest
    void headers(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        attempt(() -> {
            RequestHeader h = RequestHeader.decode(b, 0, data.length);
            byte[] again = new byte[h.encodedSize()];
            assertThat(h.encodeTo(again, 0)).as("encodedSize is what encodeTo writes").isEqualTo(again.length);
            assertThat(describe(RequestHeader.decode(ByteBuffer.wrap(again), 0, again.length))).isEqualTo(describe(h));
            return "";
        });
        attempt(() -> {
            ResponseHeader h = ResponseHeader.decode(b, 0, data.length);
            byte[] again = new byte[h.encodedSize()];
            assertThat(h.encodeTo(again, 0)).as("encodedSize is what encodeTo writes").isEqualTo(again.length);
            assertThat(describe(ResponseHeader.decode(ByteBuffer.wrap(again), 0, again.length))).isEqualTo(describe(h));
            return "";
        });
        attempt(() -> init(StreamFrames.Init.decode(b, 0, data.length), 1));
        attempt(() -> close(StreamFrames.Close.decode(b, 0, data.length), 1));
        assertThat(b.position()).isZero();
    }

    /** What {@code decoder} returns, or its FrameException's message: the one way to refuse. */
    private static String attempt(java.util.function.Supplier<String> decoder) {
        try {
            return decoder.get();
        } catch (FrameException e) {
            assertThat(e.getMessage()).isNotBlank();
            return "refused: " + e.getMessage();
        }
    }

    private static String describe(RequestHeader h) {
        return "RequestHeader[" + h.version() + " " + h.callType() + " " + h.requestId() + " " + h.timeoutMs() + " " + h.caller()
                + " " + h.callee() + " " + h.func() + " " + h.messageType() + " " + map(h.transInfo()) + " " + h.contentType()
                + " " + h.contentEncoding() + " " + h.attachmentSize() + "]";
    }

    private static String describe(ResponseHeader h) {
        return "ResponseHeader[" + h.version() + " " + h.callType() + " " + h.requestId() + " " + h.ret() + " " + h.funcRet()
                + " " + h.errorMsg() + " " + h.messageType() + " " + map(h.transInfo()) + " " + h.contentType() + " "
                + h.contentEncoding() + " " + h.attachmentSize() + "]";
    }

    private static String describe(StreamFrames.Close c) {
        return "Close[" + c.closeType() + " " + c.ret() + " " + c.msg() + " " + c.messageType() + " " + map(c.transInfo()) + " "
                + c.funcRet() + "]";
    }

    private static String map(Map<String, byte[]> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((k, v) -> sb.append(k).append('=').append(hex(v)).append(';'));
        return sb.append('}').toString();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
