package io.throng.rpc.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/**
 * The frame decoder under seeded random input: valid frames split at random points reassemble
 * exactly; each malformation the protocol can carry is refused with a FrameException naming it;
 * and random corruption of valid frames produces a frame, a wait for more bytes or a
 * FrameException, never another exception. Seeds are fixed so a failure replays.
 */
class FrameFuzzTest {
    private static final FrameLimits LIMITS = new FrameLimits(1 << 20, FrameLimits.MAX_HEADER_SIZE);

    static byte[] validRequest(Random rnd) {
        RequestHeader h = new RequestHeader(0, rnd.nextInt(2), rnd.nextInt(), rnd.nextInt(5000),
                HeaderCodecTest.text(rnd), HeaderCodecTest.text(rnd), "/" + HeaderCodecTest.text(rnd) + "/M",
                rnd.nextInt(32), HeaderCodecTest.transInfo(rnd), rnd.nextInt(8), rnd.nextInt(8), 0);
        byte[] body = new byte[rnd.nextInt(3000)];
        rnd.nextBytes(body);
        byte[] attachment = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(500) : 0];
        rnd.nextBytes(attachment);
        h = new RequestHeader(h.version(), h.callType(), h.requestId(), h.timeoutMs(), h.caller(), h.callee(), h.func(),
                h.messageType(), h.transInfo(), h.contentType(), h.contentEncoding(), attachment.length);
        return UnaryFrames.encodeRequest(rnd.nextInt(), rnd.nextInt(2), h, body, attachment, LIMITS);
    }

    /** Feeds {@code stream} in random chunks as the engine would (leftovers kept in front); returns the frames. */
    static List<UnaryFrames.Request> feed(byte[] stream, Random rnd) {
        List<UnaryFrames.Request> out = new ArrayList<>();
        ByteBuffer pending = ByteBuffer.allocate(stream.length).flip();
        int at = 0;
        while (at < stream.length) {
            int n = Math.min(stream.length - at, 1 + rnd.nextInt(700));
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + n);
            in.put(pending).put(stream, at, n).flip();
            at += n;
            FrameReader.drain(in, LIMITS, (h, b) -> out.add(UnaryFrames.decodeRequest(b, h)));
            pending = in; // what is left: a partial frame
        }
        assertThat(pending.remaining()).as("bytes left after the last frame").isZero();
        return out;
    }

    @RepeatedTest(200)
    void framesSplitAnywhereReassembleExactly(RepetitionInfo rep) {
        Random rnd = new Random(rep.getCurrentRepetition());
        List<byte[]> frames = new ArrayList<>();
        int total = 0;
        for (int i = 1 + rnd.nextInt(8); i > 0; i--) {
            byte[] f = validRequest(rnd);
            frames.add(f);
            total += f.length;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        frames.forEach(all::put);
        List<UnaryFrames.Request> got = feed(all.array(), rnd);
        assertThat(got).hasSize(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer one = ByteBuffer.wrap(frames.get(i));
            UnaryFrames.Request expected = UnaryFrames.decodeRequest(one, FrameHeader.peek(one, LIMITS));
            UnaryFrames.Request actual = got.get(i);
            assertThat(actual.frame()).isEqualTo(expected.frame());
            assertThat(actual.header().func()).isEqualTo(expected.header().func());
            assertThat(actual.header().requestId()).isEqualTo(expected.header().requestId());
            assertThat(actual.body()).isEqualTo(expected.body());
            assertThat(actual.attachment()).isEqualTo(expected.attachment());
        }
    }

    @Test
    void truncatedFramesWaitAndNeverYieldAFrame() {
        byte[] f = validRequest(new Random(7));
        for (int cut = 0; cut < f.length; cut++) {
            ByteBuffer in = ByteBuffer.wrap(Arrays.copyOf(f, cut));
            int n = FrameReader.drain(in, LIMITS, (h, b) -> { });
            assertThat(n).isZero();
            assertThat(in.position()).as("nothing consumed of a partial frame").isZero();
        }
    }

    @Test
    void badMagic() {
        byte[] f = validRequest(new Random(1));
        f[1] = 0x31;
        assertRefused(f, "bad magic 0x0931, expected 0x0930");
    }

    @Test
    void totalBelowTheFixedHeader() {
        byte[] f = validRequest(new Random(2));
        ByteBuffer.wrap(f).putInt(4, 15);
        assertRefused(f, "total size 15 is below the 16-byte frame header");
    }

    @Test
    void headerSizeBeyondTotal() {
        byte[] f = validRequest(new Random(3));
        int total = ByteBuffer.wrap(f).getInt(4);
        ByteBuffer.wrap(f).putShort(8, (short) (total - 15));
        assertRefused(f, "header size " + (total - 15) + " exceeds the " + (total - 16) + " bytes after the frame header");
    }

    @Test
    void unaryWithoutHeader() {
        byte[] f = validRequest(new Random(4));
        ByteBuffer.wrap(f).putShort(8, (short) 0);
        assertRefused(f, "unary frame with header size 0");
    }

    @Test
    void attachmentBeyondWhatRemains() {
        RequestHeader h = new RequestHeader(0, 0, 1, 0, "", "", "/a.B/C", 0, Map.of(), 0, 0, 1000);
        byte[] f = UnaryFrames.encodeRequest(1, 1, h, new byte[10], new byte[0], LIMITS);
        assertRefused(f, "attachment size 1000 exceeds the 10 bytes left after the header");
    }

    @Test
    void oversizeIsRefusedFromTheFixedHeaderAlone() {
        byte[] head = new byte[16];
        new FrameHeader(0, 0, (1 << 20) + 1, 10, 1, 1).writeTo(head, 0);
        // only 16 bytes present: refused before a single body byte is buffered
        assertRefused(head, "frame of 1048577 bytes exceeds max frame size 1048576");
    }

    @Test
    void headerOverItsLimit() {
        FrameLimits small = new FrameLimits(1 << 20, 64);
        RequestHeader h = new RequestHeader(0, 0, 1, 0, "x".repeat(100), "", "/a.B/C", 0, Map.of(), 0, 0, 0);
        byte[] f = UnaryFrames.encodeRequest(1, 1, h, new byte[0], new byte[0], LIMITS);
        assertThatThrownBy(() -> FrameReader.drain(ByteBuffer.wrap(f), small, (x, b) -> { }))
                .isInstanceOf(FrameException.class).hasMessageContaining("exceeds max header size 64");
    }

    @Test
    void unknownFrameTypes() {
        byte[] f = validRequest(new Random(5));
        f[2] = 7;
        assertRefused(f, "unknown data frame type 7");
        byte[] s = new byte[16];
        new FrameHeader(1, 9, 16, 0, 100, 1).writeTo(s, 0);
        assertRefused(s, "unknown stream frame type 9");
    }

    @RepeatedTest(20)
    void corruptedFramesFailOnlyAsFrameExceptions(RepetitionInfo rep) {
        Random rnd = new Random(100 + rep.getCurrentRepetition());
        byte[] original = validRequest(rnd);
        for (int i = 0; i < 500; i++) {
            byte[] f = original.clone();
            for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                f[rnd.nextInt(Math.min(f.length, rnd.nextBoolean() ? 40 : f.length))] = (byte) rnd.nextInt(256);
            }
            ByteBuffer in = ByteBuffer.wrap(f);
            try {
                FrameReader.drain(in, LIMITS, (h, b) -> UnaryFrames.decodeRequest(b, h));
            } catch (FrameException expected) {
                // refused with a reason: fine
            }
        }
    }

    private static void assertRefused(byte[] f, String message) {
        assertThatThrownBy(() -> FrameReader.drain(ByteBuffer.wrap(f), LIMITS, (h, b) -> UnaryFrames.decodeRequest(b, h)))
                .isInstanceOf(FrameException.class).hasMessageContaining(message);
    }
}
