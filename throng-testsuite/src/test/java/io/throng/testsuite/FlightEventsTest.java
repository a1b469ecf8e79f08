package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.net.Server;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's flight-recorder events, each made happen over real sockets while a recording runs
 * and read back from the recording's file, as an operator's {@code jfr print} would: a slow
 * handler on an event loop (and none under thread-per-connection, where blocking is the model), a
 * connection going unwritable and then closed for the write limit, and accepting paused at
 * max-connections for as long as it was.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FlightEventsTest {
    @TempDir
    Path dir;

    @Test
    void aSlowHandlerOnAnEventLoopIsRecordedWithItsCallbackAndDuration() throws Exception {
        Handler slow = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
                sleep(60);
            }
        };
        List<RecordedEvent> events = record("io.throng.SlowHandler", () -> {
            for (Model model : List.of(Model.MULTI_REACTOR, Model.VIRTUAL_THREADS)) {
                ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1).withModel(model);
                try (Server server = Server.start(config, slow); SocketChannel ch = Net.connect(server.address())) {
                    Net.writeFully(ch, ByteBuffer.wrap(new byte[] {(byte) model.ordinal()}));
                    Net.await("the byte handled", Duration.ofSeconds(10), () -> server.stats().reads() == 1);
                    sleep(100); // past the handler's sleep
                }
            }
        });
        assertThat(events).as("one, from the event loop; none from thread-per-connection").hasSize(1);
        RecordedEvent e = events.getFirst();
        assertThat(e.getString("callback")).isEqualTo("onData");
        assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(e.getString("remote")).contains("127.0.0.1");
    }

    @Test
    void aConnectionThatGoesUnwritableAndPassesTheWriteLimitIsRecordedTwice() throws Exception {
        GreedyWriter greedy = new GreedyWriter();
        ConcurrentLinkedQueue<CloseReason> closes = greedy.closes;
        ServerConfig base = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1);
        ServerConfig config = base.withLimits(base.limits().withMaxQueuedBytes(1 << 20));
        List<RecordedEvent> events = record("io.throng.*", () -> {
            try (Server server = Server.start(config, greedy); SocketChannel ch = Net.connect(server.address())) {
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 16 * 1024);
                Net.writeFully(ch, ByteBuffer.wrap(new byte[] {1}));
                Net.await("the greedy connection closed", Duration.ofSeconds(10), () -> !closes.isEmpty());
            }
        });
        assertThat(closes.peek().kind()).isEqualTo(CloseReason.Kind.WRITE_LIMIT);
        RecordedEvent unwritable = only(events, "io.throng.Unwritable");
        assertThat(unwritable.getLong("queued")).isGreaterThan(unwritable.getLong("highWaterMark"));
        RecordedEvent failed = only(events, "io.throng.ConnectionFailed");
        assertThat(failed.getString("reason")).isEqualTo("WRITE_LIMIT");
        assertThat(failed.getString("detail")).contains("over max-queued-bytes 1048576 B");
        assertThat(failed.getLong("connection")).isEqualTo(unwritable.getLong("connection"));
    }

    @Test
    void acceptingPausedAtMaxConnectionsIsRecordedForAsLongAsItLasted() throws Exception {
        ServerConfig base = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1);
        ServerConfig config = base.withLimits(base.limits().withMaxConnections(1));
        Handler echo = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                c.write(in);
                c.flush();
            }
        };
        List<RecordedEvent> events = record("io.throng.AcceptPaused", () -> {
            try (Server server = Server.start(config, echo)) {
                SocketChannel first = Net.connect(server.address());
                Net.await("the first open", Duration.ofSeconds(10), () -> server.stats().connections() == 1);
                sleep(200); // the pause lasts at least this
                first.close();
                Net.await("the first gone", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
                try (SocketChannel second = Net.connect(server.address())) {
                    Net.await("the second open", Duration.ofSeconds(10), () -> server.stats().connections() == 1);
                }
            }
        });
        assertThat(events).isNotEmpty();
        RecordedEvent pause = events.getFirst();
        assertThat(pause.getString("reason")).isEqualTo("max-connections");
        assertThat(pause.getInt("connections")).isEqualTo(1);
        assertThat(pause.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} under a recording of the named events (no threshold) and returns them. */
    private List<RecordedEvent> record(String names, Body body) throws Exception {
        Path file = dir.resolve("r" + System.nanoTime() + ".jfr");
        try (Recording r = new Recording()) {
            if (names.endsWith("*")) {
                for (String n : List.of("io.throng.SlowHandler", "io.throng.ConnectionFailed", "io.throng.Unwritable",
                        "io.throng.AcceptPaused")) {
                    r.enable(n);
                }
            } else {
                r.enable(names); // the SlowHandler's own 20 ms threshold stays
            }
            r.start();
            body.run();
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> all = RecordingFile.readAllEvents(file);
        Files.deleteIfExists(file);
        return names.endsWith("*") ? all : all.stream().filter(e -> e.getEventType().getName().equals(names)).toList();
    }

    private static RecordedEvent only(List<RecordedEvent> events, String name) {
        List<RecordedEvent> of = events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
        assertThat(of).as(name).hasSize(1);
        return of.getFirst();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
