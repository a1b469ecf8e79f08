package io.throng.core.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.Limits;
import io.throng.core.config.WaterMarks;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine's connection protocol without a socket: the phases of a close walked step by step,
 * backpressure, limits and leftovers, on the real engine code over an in-memory socket.
 */
class EmbeddedConnectionTest {

    /** Lines in, lines echoed upper-case; records what the engine tells it. */
    static final class Lines implements Handler {
        final List<String> events = new ArrayList<>();

        @Override
        public void onOpen(Connection c) {
            events.add("open");
        }

        @Override
        public void onData(Connection c, ByteBuffer in) {
            for (int i = in.position(); i < in.limit(); i++) {
                if (in.get(i) == '\n') {
                    byte[] line = new byte[i + 1 - in.position()];
                    in.get(line);
                    String text = new String(line, StandardCharsets.UTF_8).strip();
                    events.add("line " + text);
                    if (text.equals("bye")) {
                        c.close();
                        return;
                    }
                    c.write(text.toUpperCase().concat("\n").getBytes(StandardCharsets.UTF_8));
                    i = in.position() - 1;
                }
            }
        }

        @Override
        public void onInputClosed(Connection c) {
            events.add("input closed");
            c.close();
        }

        @Override
        public void onWritable(Connection c) {
            events.add("writable");
        }

        @Override
        public void onClose(Connection c, CloseReason reason) {
            events.add("close " + reason.kind());
        }
    }

    @Test
    void partialLinesWaitInTheEngineAndWholeOnesAreAnswered() {
        Lines h = new Lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(h)) {
            c.receive("hel");
            assertThat(c.takeWrittenString()).isEmpty();
            assertThat(c.bufferPool().stats().lentBuffers()).as("the leftover, and the thread's read buffer").isEqualTo(2);
            c.receive("lo\nwor");
            assertThat(c.takeWrittenString()).isEqualTo("HELLO\n");
            c.receive("ld\n");
            assertThat(c.takeWrittenString()).isEqualTo("WORLD\n");
            assertThat(c.bufferPool().stats().lentBuffers()).as("no leftover, no queued bytes").isEqualTo(1);
            assertThat(h.events).containsExactly("open", "line hello", "line world");
        }
    }

    @Test
    void closingTwiceGivesTheBuffersBackOnce() {
        // (try-with-resources around an explicit close, as the fuzz tests do: this threw "buffer released twice")
        try (EmbeddedConnection c = EmbeddedConnection.open(new Lines())) {
            c.receive("hel");
            c.close();
            assertThat(c.bufferPool().stats().lentBuffers()).isZero();
            c.close();
            assertThat(c.bufferPool().stats().lentBuffers()).isZero();
        }
    }

    @Test
    void aGracefulCloseWalksClosingLingeringClosed() {
        Lines h = new Lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(h)) {
            c.allowWrites(3); // the socket takes 3 bytes, then is full
            c.receive("abc\ndef\nbye\n");
            // step by step: phase, FIN sent, written so far
            assertThat(c.phase()).isEqualTo("CLOSING");
            assertThat(c.outputShut()).as("queued replies first").isFalse();
            assertThat(c.connection().isOpen()).isFalse();
            assertThat(c.connection().write(new byte[] {1})).as("no writes while closing").isFalse();
            assertThat(c.takeWrittenString()).isEqualTo("ABC");

            c.allowWrites(Long.MAX_VALUE); // room again: the queue drains, then FIN
            assertThat(c.takeWrittenString()).isEqualTo("\nDEF\n");
            assertThat(c.phase()).isEqualTo("LINGERING");
            assertThat(c.outputShut()).isTrue();
            assertThat(c.closeReason()).as("waiting for the peer's FIN").isNull();

            c.receive("ignored\n"); // read and dropped while lingering
            assertThat(h.events).doesNotContain("line ignored");
            c.receiveEnd();
            assertThat(c.phase()).isEqualTo("CLOSED");
            assertThat(c.closeReason()).isEqualTo(CloseReason.LOCAL);
            assertThat(c.wasReset()).isFalse();
            assertThat(h.events).containsExactly("open", "line abc", "line def", "line bye", "close LOCAL");
            assertThat(c.bufferPool().stats().lentBuffers()).as("a closed connection holds no buffer").isEqualTo(1);
        }
    }

    @Test
    void thePeerClosingFirstEndsAsPeerClosed() {
        Lines h = new Lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(h)) {
            c.receive("last\n").receiveEnd();
            assertThat(c.takeWrittenString()).isEqualTo("LAST\n");
            assertThat(c.phase()).isEqualTo("CLOSED");
            assertThat(c.closeReason()).isEqualTo(CloseReason.PEER_CLOSED);
            assertThat(h.events).containsExactly("open", "line last", "input closed", "close PEER_CLOSED");
        }
    }

    @Test
    void abortResetsAndDropsWhatIsQueued() {
        Lines h = new Lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(h)) {
            c.allowWrites(0);
            c.receive("queued\n");
            assertThat(c.connection().queuedBytes()).isEqualTo(7);
            c.connection().abort();
            assertThat(c.phase()).as("a failure is carried out by the serial context").isEqualTo("ABORTING");
            c.runPendingTasks();
            assertThat(c.phase()).isEqualTo("CLOSED");
            assertThat(c.closeReason()).isEqualTo(CloseReason.ABORTED);
            assertThat(c.wasReset()).isTrue();
            assertThat(c.takeWritten()).isEmpty();
        }
    }

    @Test
    void backpressureTurnsUnwritableAndBackWithOneOnWritable() {
        Lines h = new Lines();
        WaterMarks marks = new WaterMarks(32, 64);
        try (EmbeddedConnection c = EmbeddedConnection.open(h, Limits.DEFAULT, marks)) {
            c.allowWrites(0);
            c.receive("a".repeat(40) + "\n" + "b".repeat(40) + "\n");
            assertThat(c.connection().isWritable()).as("82 B queued, over the high mark of 64").isFalse();
            c.allowWrites(60); // 22 left: under the low mark of 32
            assertThat(c.connection().isWritable()).isTrue();
            assertThat(h.events).containsOnlyOnce("writable");
            c.allowWrites(Long.MAX_VALUE);
            assertThat(c.takeWrittenString()).isEqualTo("A".repeat(40) + "\n" + "B".repeat(40) + "\n");
        }
    }

    @Test
    void aHandlerThatIgnoresBackpressureHitsTheCapAndIsReset() {
        Lines h = new Lines();
        Limits limits = Limits.DEFAULT.withMaxQueuedBytes(1000);
        try (EmbeddedConnection c = EmbeddedConnection.open(h, limits, WaterMarks.DEFAULT)) {
            c.allowWrites(0);
            c.receive(("x".repeat(99) + "\n").repeat(12));
            assertThat(c.phase()).isEqualTo("CLOSED");
            assertThat(c.closeReason().kind()).isEqualTo(CloseReason.Kind.WRITE_LIMIT);
            assertThat(c.closeReason().detail()).contains("over max-queued-bytes 1000 B");
            assertThat(c.wasReset()).isTrue();
            assertThat(c.stats().writeLimitCloses()).isEqualTo(1);
        }
    }

    @Test
    void writesFromAnotherThreadNeverWaitAndAreFlushed() throws Exception {
        Lines h = new Lines();
        try (EmbeddedConnection c = EmbeddedConnection.open(h)) {
            Connection conn = c.connection();
            Thread t = Thread.ofVirtual().start(() -> {
                conn.write("from elsewhere\n".getBytes(StandardCharsets.UTF_8));
                conn.flush();
            });
            t.join(5000);
            assertThat(t.isAlive()).isFalse();
            assertThat(c.takeWrittenString()).isEqualTo("from elsewhere\n");
        }
    }

    @Test
    void anIdleConnectionIsClosedByItsDeadline() throws Exception {
        Lines h = new Lines();
        Limits limits = Limits.DEFAULT.withIdleTimeout(Duration.ofMillis(50));
        try (EmbeddedConnection c = EmbeddedConnection.open(h, limits, WaterMarks.DEFAULT)) {
            c.runTimers();
            assertThat(c.isClosed()).as("not yet").isFalse();
            Thread.sleep(80);
            c.runTimers();
            assertThat(c.closeReason()).isEqualTo(CloseReason.IDLE_TIMEOUT);
        }
    }
}
