package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.embedded.EmbeddedConnection;
import io.throng.core.net.Server;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The handler shown in README.md, verbatim, under every model, and the README's in-memory test of it. */
class ReadmeExampleTest {

    static List<Variant> variants() {
        return Variant.ALL;
    }

    private static Handler lines() {
        Handler lines = new Handler() {
            @Override public void onData(Connection c, ByteBuffer in) {
                for (int i = in.position(); i < in.limit(); i++) {
                    if (in.get(i) == '\n') {                     // a whole line: echo it
                        c.write(in.slice(in.position(), i + 1 - in.position()));  // queued; flushed after onData
                        in.position(i + 1);                      // consumed
                    }
                }                                                // a partial line stays for next time
                if (!c.isWritable()) c.suspendReads();           // backpressure: the peer is not reading
            }
            @Override public void onWritable(Connection c) { c.resumeReads(); }
            @Override public void onClose(Connection c, CloseReason why) { /* why.kind(): PEER_CLOSED, IDLE_TIMEOUT, ... */ }
        };
        return lines;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void theLineEchoOfTheReadmeWorks(Variant v) throws Exception {
        Handler lines = lines();
        try (Server server = Server.start(v.config(), lines); SocketChannel ch = Net.connect(server.address())) {
            Net.writeFully(ch, ByteBuffer.wrap("one\ntw".getBytes()));
            assertThat(new String(Net.readFully(ch, 4))).isEqualTo("one\n");
            Net.writeFully(ch, ByteBuffer.wrap("o\nthree\npartial".getBytes()));
            assertThat(new String(Net.readFully(ch, 10))).isEqualTo("two\nthree\n");
        }
    }

    @Test
    void theReadmesInMemoryTestOfItWorks() {
        Handler lines = lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(lines)) {
            c.receive("hel");                          // a partial line: nothing yet
            c.receive("lo\n");
            assertThat(c.takeWrittenString()).isEqualTo("hello\n");
            c.allowWrites(0);                          // the "socket" is full: writes queue, isWritable() turns false
            c.receive("x".repeat(70_000) + "\n");
            assertThat(c.connection().isWritable()).isFalse();
            c.allowWrites(Long.MAX_VALUE);
            assertThat(c.takeWritten()).hasSize(70_001);
            c.receiveEnd();                            // the peer's FIN: onInputClosed, then a graceful close
            assertThat(c.closeReason()).isEqualTo(CloseReason.PEER_CLOSED);
        }
    }
}
