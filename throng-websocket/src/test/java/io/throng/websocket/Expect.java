package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.websocket.RawPeer.Frame;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The outcomes the conformance cases check, as Autobahn judges them. */
final class Expect {
    private Expect() {
    }

    /** The next message is the echo of {@code payload} with {@code opcode}. */
    static void echo(RawPeer p, int opcode, byte[] payload) throws IOException {
        Frame f = p.readMessage();
        assertThat(f.opcode()).as("opcode of the echo (%s)", f).isEqualTo(opcode);
        assertThat(f.payload().length).as("echo length").isEqualTo(payload.length);
        assertThat(Arrays.equals(f.payload(), payload)).as("echo bytes equal").isTrue();
    }

    static void echoText(RawPeer p, String text) throws IOException {
        echo(p, RawPeer.TEXT, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static void pong(RawPeer p, byte[] payload) throws IOException {
        Frame f = p.read();
        assertThat(f.opcode()).as("a pong (%s)", f).isEqualTo(RawPeer.PONG);
        assertThat(f.payload()).isEqualTo(payload);
    }

    /**
     * We start the closing handshake; the server answers with {@code code} (or 1000) and closes TCP.
     * Nothing else may arrive first.
     */
    static void cleanClose(RawPeer p, int code) throws IOException {
        p.send(p.frame(0x80 | RawPeer.CLOSE, RawPeer.closePayload(code, "")));
        List<Frame> before = new ArrayList<>();
        Frame close = p.expectClose(before);
        assertThat(before).as("frames before the server's Close").isEmpty();
        assertThat(close.opcode()).as("the server answered with Close (%s)", close).isEqualTo(RawPeer.CLOSE);
        assertThat(close.closeCode()).as("close code").isIn(code, 1000);
        assertThat(p.read(Duration.ofSeconds(5))).as("TCP closed after the handshake").isEqualTo(Frame.EOF);
    }

    /**
     * The server fails the connection: a Close with one of {@code codes} (or no Close at all, a TCP
     * drop, which Autobahn also accepts), nothing else before it, and then the end of the stream.
     */
    static void failed(RawPeer p, int... codes) throws IOException {
        List<Frame> before = new ArrayList<>();
        Frame close = p.expectClose(before);
        assertThat(before).as("frames before the server failed the connection").isEmpty();
        if (close != Frame.EOF) {
            int code = close.closeCode();
            assertThat(Arrays.stream(codes).anyMatch(c -> c == code)).as("close code %d in %s", code, Arrays.toString(codes)).isTrue();
            assertThat(p.answerCloseAndExpectEof(close)).as("TCP closed after failing").isTrue();
        }
    }

    /** Nothing arrives within {@code wait}. */
    static void silence(RawPeer p, Duration wait) throws IOException {
        Frame f = p.read(wait);
        assertThat(f).as("nothing should arrive").isEqualTo(Frame.TIMEOUT);
    }
}
