package io.throng.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The incremental validator against the JDK's strict UTF-8 decoder, exhaustively where feasible. */
class Utf8Test {

    static boolean jdk(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    static boolean ours(byte[] b) {
        return Utf8.validate(Utf8.ACCEPT, b, 0, b.length) == Utf8.ACCEPT;
    }

    @Test
    void everyCodePointIsValidAndEverySurrogateIsNot() {
        for (int cp = 0; cp <= 0x10FFFF; cp++) {
            boolean surrogate = cp >= 0xD800 && cp <= 0xDFFF;
            byte[] b = surrogate
                    ? new byte[] {(byte) (0xE0 | (cp >> 12)), (byte) (0x80 | ((cp >> 6) & 0x3F)), (byte) (0x80 | (cp & 0x3F))}
                    : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            if (ours(b) == surrogate) {
                throw new AssertionError("U+" + Integer.toHexString(cp) + " judged " + (surrogate ? "valid" : "invalid"));
            }
        }
    }

    @Test
    void everyOneTwoAndThreeByteSequenceAgreesWithTheJdk() {
        for (int a = 0; a < 256; a++) {
            assertThat(ours(new byte[] {(byte) a})).as("%02X", a).isEqualTo(jdk(new byte[] {(byte) a}));
            for (int b = 0; b < 256; b++) {
                byte[] two = {(byte) a, (byte) b};
                if (ours(two) != jdk(two)) {
                    throw new AssertionError(String.format("%02X %02X", a, b));
                }
            }
        }
        for (int a = 0xC0; a < 0x100; a++) { // 3-byte: every lead byte that starts a sequence, all continuations
            for (int b = 0x70; b < 0xD0; b++) {
                for (int c = 0x70; c < 0xD0; c++) {
                    byte[] three = {(byte) a, (byte) b, (byte) c};
                    if (ours(three) != jdk(three)) {
                        throw new AssertionError(String.format("%02X %02X %02X", a, b, c));
                    }
                }
            }
        }
    }

    @Test
    void randomStringsAgreeWithTheJdkWhereverTheyAreSplit() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[1 + r.nextInt(24)];
            for (int k = 0; k < b.length; k++) {
                int kind = r.nextInt(5);
                b[k] = (byte) switch (kind) {
                    case 0 -> r.nextInt(0x80);
                    case 1 -> 0x80 + r.nextInt(0x40);
                    case 2 -> 0xC2 + r.nextInt(0x1E);
                    case 3 -> 0xE0 + r.nextInt(0x15);
                    default -> r.nextInt(256);
                };
            }
            boolean expected = jdk(b);
            assertThat(ours(b)).isEqualTo(expected);
            int cut = r.nextInt(b.length + 1);
            ByteBuffer direct = ByteBuffer.allocateDirect(b.length).put(b).flip();
            int state = Utf8.validate(Utf8.ACCEPT, direct, 0, cut);
            state = state == Utf8.REJECT ? state : Utf8.validate(state, direct, cut, b.length);
            assertThat(state == Utf8.ACCEPT).as("split at %d", cut).isEqualTo(expected);
        }
    }

    @Test
    void longAsciiRunsAreSkippedAndAnInvalidByteAfterThemIsFound() {
        byte[] b = new byte[1000];
        java.util.Arrays.fill(b, (byte) 'a');
        ByteBuffer buf = ByteBuffer.wrap(b);
        assertThat(Utf8.isValid(buf)).isTrue();
        b[997] = (byte) 0xFF;
        assertThat(Utf8.isValid(buf)).isFalse();
    }
}
