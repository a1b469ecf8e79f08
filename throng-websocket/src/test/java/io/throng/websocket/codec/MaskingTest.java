package io.throng.websocket.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MaskingTest {

    @Test
    void unmaskingInPiecesAtAnyOffsetEqualsTheByteWiseDefinition() {
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < 2000; i++) {
            int n = r.nextInt(100);
            int mask = r.nextInt();
            byte[] plain = new byte[n];
            for (int k = 0; k < n; k++) {
                plain[k] = (byte) r.nextInt(256);
            }
            byte[] expected = new byte[n];
            for (int k = 0; k < n; k++) {
                expected[k] = (byte) (plain[k] ^ (mask >>> (24 - 8 * (k & 3))));
            }
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                ByteBuffer b = ByteBuffer.allocateDirect(n + 5).order(order);
                b.position(5);
                b.put(plain);
                int done = 0;
                while (done < n) {
                    int piece = 1 + r.nextInt(n - done);
                    Masking.applyInPlace(b, 5 + done, piece, mask, done);
                    done += piece;
                }
                byte[] got = new byte[n];
                b.get(5, got);
                assertThat(got).isEqualTo(expected);
            }
        }
    }
}
