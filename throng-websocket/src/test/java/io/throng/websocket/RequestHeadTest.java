package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The request-head parser in place: what it reads, and (randomised, fixed seeds) that arbitrary or
 * mutated bytes never make it throw and that finding the end of a head in pieces gives the same
 * answer as in one go.
 */
class RequestHeadTest {
    static final String REQUEST = "GET /sub/news?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nUpgrade: WebSocket\r\n"
            + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: a, chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"
            + "Cookie: a=1; session=\"xyz\"\r\nX-Long: " + "v".repeat(200) + "\r\n\r\n";

    static RequestHead parse(String s) {
        ByteBuffer b = ByteBuffer.allocateDirect(s.length() + 8);
        b.position(8); // the head need not start at 0
        b.put(s.getBytes(StandardCharsets.ISO_8859_1)).flip().position(8);
        int end = RequestHead.findEnd(b, 0);
        assertThat(end).isEqualTo(s.length());
        return RequestHead.parse(b, 8, 8 + end, null, List.of("chat", "b"));
    }

    @Test
    void readsWhatTheHandshakeNeedsAndWhatTheHookAsks() {
        RequestHead h = parse(REQUEST);
        assertThat(h.status()).isZero();
        assertThat(h.isUpgrade()).isTrue();
        assertThat(h.isGet()).isTrue();
        assertThat(h.connectionUpgrade()).isTrue();
        assertThat(h.version13()).isTrue();
        assertThat(h.validKey()).isTrue();
        assertThat(h.acceptValue()).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assertThat(h.subprotocol()).isEqualTo("chat");
        assertThat(h.extensionsOffered()).isTrue();
        assertThat(h.path()).isEqualTo("/sub/news");
        assertThat(h.queryParameter("x")).isEqualTo("1");
        assertThat(h.cookie("session")).isEqualTo("xyz");
        assertThat(h.header("HOST")).isEqualTo("example.test:8080");
        assertThat(h.offeredSubprotocols()).containsExactly("a", "chat");
        h.invalidate();
        try {
            h.path();
            throw new AssertionError("the view outlived its call");
        } catch (IllegalStateException expected) {
            assertThat(expected.getMessage()).contains("only during the hook's call");
        }
    }

    @Test
    void bareLineFeedsAndLeadingEmptyLinesAreAccepted() {
        RequestHead h = parse("\r\nGET / HTTP/1.1\nHost: x\n\n");
        assertThat(h.status()).isZero();
        assertThat(h.hostCount()).isEqualTo(1);
        assertThat(h.isUpgrade()).isFalse();
    }

    @Test
    void findingTheEndInPiecesAgreesWithFindingItAtOnce() {
        SplittableRandom r = new SplittableRandom(11);
        byte[] all = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocate(all.length);
            int scanned = 0;
            int found = -1;
            for (int at = 0; at < all.length && found < 0; ) {
                int n = Math.min(all.length - at, 1 + r.nextInt(40));
                b.put(all, at, n);
                at += n;
                ByteBuffer view = b.duplicate().flip();
                found = RequestHead.findEnd(view, scanned);
                if (found < 0) {
                    scanned = RequestHead.resumeFrom(view.remaining());
                }
            }
            assertThat(found).isEqualTo(all.length);
        }
    }

    @Test
    void arbitraryAndMutatedHeadsNeverThrow() {
        SplittableRandom r = new SplittableRandom(5);
        byte[] valid = REQUEST.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < 50_000; i++) {
            byte[] b;
            if (r.nextInt(4) == 0) {
                b = new byte[r.nextInt(300)];
                for (int k = 0; k < b.length; k++) {
                    String alphabet = "GET /HTP1.:\r\n ,=a";
                    b[k] = (byte) (r.nextBoolean() ? alphabet.charAt(r.nextInt(alphabet.length())) : r.nextInt(256));
                }
            } else {
                b = valid.clone();
                for (int e = 1 + r.nextInt(6); e > 0; e--) {
                    b[r.nextInt(b.length)] = (byte) (r.nextBoolean() ? "\r\n :,\t\0".charAt(r.nextInt(7)) : r.nextInt(256));
                }
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int end = RequestHead.findEnd(buf, 0);
            int stop = end < 0 ? b.length : end;
            RequestHead h = RequestHead.parse(buf, 0, stop, null, List.of("chat"));
            assertThat(h.status()).isIn(0, 400, 505);
            if (h.status() == 0) { // the views must not throw either
                h.path();
                h.method();
                h.target();
                h.header("sec-websocket-key");
                h.cookie("session");
                h.queryParameter("x");
                h.offeredSubprotocols();
                if (h.isUpgrade() && h.validKey()) {
                    assertThat(h.acceptValue()).hasSize(28);
                }
            }
        }
    }
}
