package io.throng.websocket.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Gathering} through a real {@link HubServer} on a Unix domain socket: three workers'
 * links ({@link RelayBus} over {@link HubBroker}); a question reaches the workers its scope names,
 * the asker included, and their replies come back together; a worker that dies or does not reply
 * in time is counted missing, and the asker is not kept waiting.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HubGatherTest {
    private Path socket;
    private HubServer hub;
    private final List<RelayBus> links = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        socket = Files.createTempDirectory("throng-hub-gather").resolve("hub.sock");
        hub = HubServer.start(socket, 1 << 16, 1024);
    }

    @AfterEach
    void stop() throws Exception {
        for (RelayBus b : links) {
            b.close();
        }
        hub.close();
        Files.deleteIfExists(socket.getParent());
    }

    /** A worker's link whose local subscribers are {@code channels}, replying "name:question". */
    private RelayBus worker(String name, RelayBusTest.Channels channels) throws Exception {
        BusConfig config = BusConfig.embedded().withHub(socket).withBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
        RelayBus bus = RelayBus.start(new HubBroker(socket, 1 << 16), channels, config);
        links.add(bus);
        assertThat(bus.awaitUp(Duration.ofSeconds(10))).isTrue();
        bus.answerWith((channel, question) -> (name + ":" + channel + ":" + new String(question, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8));
        return bus;
    }

    private static List<String> replies(Gathering.Gathered g) {
        return g.replies().stream().map(r -> new String(r, StandardCharsets.UTF_8)).sorted().toList();
    }

    private static Gathering.Gathered gather(RelayBus from, String channel, Gathering.Scope scope, String question)
            throws Exception {
        CompletableFuture<Gathering.Gathered> done = new CompletableFuture<>();
        assertThat(from.gather(channel, scope, question.getBytes(StandardCharsets.UTF_8), done::complete)).isNull();
        return done.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aQuestionReachesTheWorkersItsScopeNamesAndTheirRepliesComeBackTogether() throws Exception {
        RelayBusTest.Channels onA = new RelayBusTest.Channels();
        RelayBusTest.Channels onB = new RelayBusTest.Channels();
        RelayBus a = worker("a", onA);
        RelayBus b = worker("b", onB);
        worker("c", new RelayBusTest.Channels());
        onB.live.add("room");
        b.subscribe("room");
        RelayBusTest.await("b's subscription at the hub", () -> hub.stats().channels() == 1);

        Gathering.Gathered all = gather(a, "room", Gathering.Scope.ALL, "who");
        assertThat(all.failed()).isFalse();
        assertThat(replies(all)).containsExactly("a:room:who", "b:room:who", "c:room:who");
        assertThat(all.missing()).isZero();

        Gathering.Gathered subscribed = gather(a, "room", Gathering.Scope.CHANNEL, "presence");
        assertThat(replies(subscribed)).as("only the workers with subscribers of the channel").containsExactly("b:room:presence");

        Gathering.Gathered nobody = gather(a, "empty", Gathering.Scope.CHANNEL, "presence");
        assertThat(nobody.replies()).as("no worker has the channel: answered at once, with nothing").isEmpty();
        assertThat(nobody.missing()).isZero();
    }

    @Test
    void aWorkerThatDiesOrDoesNotReplyIsCountedMissing() throws Exception {
        RelayBus a = worker("a", new RelayBusTest.Channels());
        RelayBus b = worker("b", new RelayBusTest.Channels());
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        b.answerWith((channel, question) -> {
            asked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // stuck until the test lets it go
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new byte[0];
        });
        // a third worker that reads its question and dies without a word: a bare connection to the hub
        try (SocketChannel dying = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            dying.connect(UnixDomainSocketAddress.of(socket));
            RelayBusTest.await("the hub counts three workers", () -> hub.stats().workers() == 3);
            long started = System.nanoTime();
            CompletableFuture<Gathering.Gathered> done = new CompletableFuture<>();
            assertThat(a.gather("room", Gathering.Scope.ALL, "x".getBytes(StandardCharsets.UTF_8), done::complete)).isNull();
            assertThat(dying.read(ByteBuffer.allocate(256))).as("the question reached it").isPositive();
            dying.close();
            assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
            Gathering.Gathered g = done.get(20, TimeUnit.SECONDS);
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            release.countDown();
            assertThat(replies(g)).containsExactly("a:room:x");
            assertThat(g.missing()).as("one died, b did not reply in time").isEqualTo(2);
            assertThat(tookMillis).as("the asker waits the hub's limit, not for ever")
                    .isBetween(HubServer.GATHER_WAIT_MS - 100, HubServer.GATHER_WAIT_MS + 5_000);
        }
    }

    @Test
    void aGatherFailsWhenTheLinkIsDown() throws Exception {
        RelayBus a = worker("a", new RelayBusTest.Channels());
        a.answerWith((channel, question) -> new byte[0]);
        hub.close();
        RelayBusTest.await("a sees the hub gone", () -> a.stats().state() != BusStats.State.UP);
        assertThat(a.gather("room", Gathering.Scope.ALL, new byte[0], g -> { })).as("refused while down").contains("is");
    }
}
