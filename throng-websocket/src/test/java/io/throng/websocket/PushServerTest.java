package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.config.ClientConfig;
import io.throng.core.config.ServerConfig;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.push.PushPublisher;
import io.throng.websocket.push.PushServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The push service over real sockets: subscribers with our client, publishers with the JDK's
 * HttpClient (an independent HTTP implementation) and the binary protocol, under every model.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushServerTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static List<WsVariant> variants() {
        return WsVariant.ALL;
    }

    static HttpResponse<String> post(PushServer s, String path, byte[] body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The counts of a publish the in-process bus fanned out. */
    static PublishResult done(PublishOutcome outcome) {
        assertThat(outcome).isInstanceOf(PublishOutcome.Delivered.class);
        return ((PublishOutcome.Delivered) outcome).result();
    }

    static HttpResponse<String> get(PushServer s, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void subscribersGetWhatIsPublishedByHttpAndByTheBinaryProtocol(WsVariant v) throws Exception {
        try (PushServer push = PushServer.start(v.config(), WebSocketConfig.defaults());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(2), WebSocketConfig.defaults())) {
            List<Inbox> inboxes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Inbox inbox = new Inbox();
                client.connect(WebSocketRequest.to(push.address(), "/sub/news"), inbox).get(10, TimeUnit.SECONDS);
                inboxes.add(inbox);
            }
            assertThat(push.topics().subscribers("news")).isEqualTo(20);

            HttpResponse<String> r = post(push, "/pub/news", "breaking: caf\u00e9".getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"subscribers\":20").contains("\"delivered\":20").contains("\"dropped\":0");
            for (Inbox inbox : inboxes) {
                assertThat(inbox.nextText()).isEqualTo("breaking: caf\u00e9");
            }

            byte[] notUtf8 = {(byte) 0xFF, 0, 1, 2};
            assertThat(post(push, "/pub/news", notUtf8).statusCode()).isEqualTo(200);
            for (Inbox inbox : inboxes) {
                Inbox.Message m = inbox.next();
                assertThat(m.text()).as("a body that is not UTF-8 goes out binary").isFalse();
                assertThat(m.bytes()).isEqualTo(notUtf8);
            }

            try (PushPublisher publisher = PushPublisher.connect(push.address())) {
                for (int i = 0; i < 5; i++) {
                    publisher.send("news", ("binary-protocol " + i).getBytes(StandardCharsets.UTF_8)); // pipelined
                }
                for (int i = 0; i < 5; i++) {
                    PublishResult result = done(publisher.readResult());
                    assertThat(result.subscribers()).isEqualTo(20);
                    assertThat(result.delivered()).isEqualTo(20);
                }
                assertThat(done(publisher.publish("nobody-listens", new byte[] {1})).subscribers()).isZero();
            }
            for (Inbox inbox : inboxes) {
                for (int i = 0; i < 5; i++) {
                    assertThat(inbox.nextText()).isEqualTo("binary-protocol " + i);
                }
            }
            assertThat(push.binaryPublishes()).isEqualTo(6);
        }
    }

    @Test
    void commandsSubscribeAndUnsubscribeAndClosingLeavesEveryTopic() throws Exception {
        try (PushServer push = PushServer.start(ServerConfig.defaults().withPort(0), WebSocketConfig.defaults());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
            Inbox inbox = new Inbox();
            WebSocket ws = client.connect(WebSocketRequest.to(push.address(), "/sub"), inbox).get(10, TimeUnit.SECONDS);
            ws.sendText("subscribe sport");
            ws.sendText("subscribe weather");
            ws.sendText("subscribe bad/name");
            inbox.barrier(ws, "after-subscribe");
            assertThat(push.topics().subscribers("sport")).isEqualTo(1);
            assertThat(push.topics().subscribers("weather")).isEqualTo(1);
            assertThat(push.topics().topicCount()).as("bad/name was ignored").isEqualTo(2);
            post(push, "/pub/sport", "goal".getBytes(StandardCharsets.UTF_8));
            assertThat(inbox.nextText()).isEqualTo("goal");
            ws.sendText("unsubscribe sport");
            inbox.barrier(ws, "after-unsubscribe");
            assertThat(post(push, "/pub/sport", "second goal".getBytes(StandardCharsets.UTF_8)).body()).contains("\"subscribers\":0");
            post(push, "/pub/weather", "rain".getBytes(StandardCharsets.UTF_8));
            assertThat(inbox.nextText()).isEqualTo("rain");
            assertThat(push.topics().subscriptionCount()).isEqualTo(1);
            ws.close();
            assertThat(inbox.nextClose()).isEqualTo(1000);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (push.topics().subscriptionCount() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(push.topics().subscriptionCount()).isZero();
            assertThat(push.topics().topicCount()).isZero();
        }
    }

    @Test
    void thePageStatsAndErrorsAreServed() throws Exception {
        try (PushServer push = PushServer.start(ServerConfig.defaults().withPort(0), WebSocketConfig.defaults())) {
            HttpResponse<String> page = get(push, "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.body()).contains("<title>throng push</title>").contains("new WebSocket(");
            assertThat(get(push, "/stats").body()).contains("\"websockets\":0");
            assertThat(get(push, "/nothing-here").statusCode()).isEqualTo(404);
            assertThat(get(push, "/pub/news").statusCode()).isEqualTo(405);
            assertThat(post(push, "/pub/bad%20name", new byte[0]).statusCode()).isEqualTo(400);
            byte[] tooBig = new byte[(1 << 20) + 1];
            try {
                assertThat(post(push, "/pub/news", tooBig).statusCode()).isEqualTo(413);
            } catch (IOException earlyClose) {
                // refused with 413 before the body was read: the client may see the close first
            }
            try (RawPeer p = RawPeer.connectRaw(push.address())) {
                p.write("POST /pub/news HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                        RawPeer.Chop.NONE);
                assertThat(p.readResponse()).startsWith("HTTP/1.1 413 ");
            }
            try (RawPeer p = RawPeer.open(push.address(), "/elsewhere")) {
                throw new AssertionError("upgraded at an unknown path");
            } catch (IOException expected) {
                assertThat(expected.getMessage()).contains("404");
            }
            try (PushPublisher publisher = PushPublisher.connect(push.address())) {
                assertThatThrownBy(() -> publisher.publish("bad name", new byte[] {1})).hasMessageContaining("invalid channel name");
            }
        }
    }

    @Test
    void aSlowSubscriberLosesMessagesOrIsClosedWith1008AsThePolicySays() throws Exception {
        for (SlowSubscriberPolicy.Action action : SlowSubscriberPolicy.Action.values()) {
            WebSocketConfig config = WebSocketConfig.defaults()
                    .withSlowSubscribers(new SlowSubscriberPolicy(64 * 1024, action));
            ServerConfig sc = ServerConfig.defaults().withPort(0)
                    .withSocket(ServerConfig.defaults().socket().withSendBufferSize(16 * 1024));
            try (PushServer push = PushServer.start(sc, config);
                 RawPeer stalled = RawPeer.open(push.address(), "/sub/firehose");
                 WebSocketClient client = WebSocketClient.start(ClientConfig.defaults().withLoops(1), WebSocketConfig.defaults())) {
                stalled.socket.setReceiveBufferSize(4096);
                Inbox healthy = new Inbox();
                client.connect(WebSocketRequest.to(push.address(), "/sub/firehose"), healthy).get(10, TimeUnit.SECONDS);
                byte[] chunk = new byte[8 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                int dropped = 0;
                int closed = 0;
                for (int i = 0; i < 400 && dropped + closed == 0; i++) {
                    PublishResult r = done(push.publish("firehose", java.nio.ByteBuffer.wrap(chunk)));
                    dropped += r.dropped();
                    closed += r.closed();
                    assertThat(healthy.nextText()).hasSize(chunk.length); // the healthy subscriber keeps up
                }
                if (action == SlowSubscriberPolicy.Action.DROP) {
                    assertThat(dropped).as("messages dropped for the stalled subscriber").isPositive();
                    assertThat(push.stats().dropped()).isEqualTo(dropped);
                    assertThat(push.topics().subscribers("firehose")).isEqualTo(2);
                } else {
                    assertThat(closed).isEqualTo(1);
                    assertThat(push.stats().slowCloses()).isEqualTo(1);
                    // the stalled peer, reading at last, finds the backlog then Close 1008
                    RawPeer.Frame f;
                    do {
                        f = stalled.read(Duration.ofSeconds(10));
                    } while (f.opcode() == RawPeer.TEXT);
                    assertThat(f.opcode()).isEqualTo(RawPeer.CLOSE);
                    assertThat(f.closeCode()).isEqualTo(1008);
                }
            }
        }
    }

    /**
     * Binary-protocol publishes run on the publish executor's virtual threads, not on the event loop
     * that read them (a fan-out to many subscribers would hold the loop's other connections), and
     * stay in order: results in the order sent, messages to subscribers in the order published.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("reactors")
    void binaryPublishesRunOffTheEventLoopAndStayInOrder(WsVariant v) throws Exception {
        RecordingBus bus = new RecordingBus();
        try (PushServer push = PushServer.start(v.config(), WebSocketConfig.defaults(), bus::around);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults(), WebSocketConfig.defaults())) {
            Inbox inbox = new Inbox();
            client.connect(WebSocketRequest.to(push.address(), "/sub/news"), inbox).get(10, TimeUnit.SECONDS);
            try (PushPublisher publisher = PushPublisher.connect(push.address())) {
                for (int i = 0; i < 300; i++) {
                    publisher.send("news", ("m" + i).getBytes(StandardCharsets.UTF_8));
                }
                for (int i = 0; i < 300; i++) {
                    assertThat(done(publisher.readResult()).delivered()).as("result %d", i).isEqualTo(1);
                }
            }
            for (int i = 0; i < 300; i++) {
                assertThat(inbox.nextText()).isEqualTo("m" + i);
            }
            bus.assertAllOnPublishThreads();
        }
    }

    /**
     * An HTTP publish is answered from the publish executor too (keep-alive requests one after
     * the other on one connection), and so are requests pipelined in one write, where the next is
     * read behind the first's body: in order, the next handled once the first is answered.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void httpPublishesRunOffTheEventLoopAndPipelinedOnesStayInOrder(WsVariant v) throws Exception {
        RecordingBus bus = new RecordingBus();
        try (PushServer push = PushServer.start(v.config(), WebSocketConfig.defaults(), bus::around);
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults(), WebSocketConfig.defaults())) {
            Inbox inbox = new Inbox();
            client.connect(WebSocketRequest.to(push.address(), "/sub/news"), inbox).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = post(push, "/pub/news", ("h" + i).getBytes(StandardCharsets.UTF_8));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("\"delivered\":1");
            }
            for (int i = 0; i < 20; i++) {
                assertThat(inbox.nextText()).isEqualTo("h" + i);
            }

            String two = "POST /pub/news HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\np1"
                    + "POST /pub/news HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\np2"
                    + "POST /pub/news HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", push.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(two.getBytes(StandardCharsets.US_ASCII));
                String answers = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(answers.split("HTTP/1.1 200", -1)).as(answers).hasSize(4);
            }
            assertThat(inbox.nextText()).isEqualTo("p1");
            assertThat(inbox.nextText()).isEqualTo("p2");
            assertThat(inbox.next().bytes()).isEmpty();
            bus.assertAllOnPublishThreads(); // the pipelined ones too
        }
    }

    static List<WsVariant> reactors() {
        return List.of(WsVariant.SINGLE, WsVariant.MULTI, WsVariant.POOL, WsVariant.of("single-reactor/nio"));
    }

    /** The in-process bus, noting the threads its publishes run on. */
    private static final class RecordingBus implements io.throng.websocket.bus.Bus {
        private final java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private volatile boolean allVirtual = true;
        private io.throng.websocket.bus.Bus inner;

        io.throng.websocket.bus.Bus around(io.throng.websocket.bus.LocalSubscribers local) {
            inner = new io.throng.websocket.bus.LocalBus(local);
            return this;
        }

        void assertAllOnPublishThreads() {
            assertThat(allVirtual).as("every publish on a virtual thread; threads seen: %s", threads).isTrue();
            assertThat(threads).isNotEmpty().allMatch(t -> t.startsWith("throng-publish-"));
        }

        @Override
        public PublishOutcome publish(String channel, java.nio.ByteBuffer payload) {
            threads.add(Thread.currentThread().getName());
            if (!Thread.currentThread().isVirtual()) {
                allVirtual = false;
            }
            return inner.publish(channel, payload);
        }

        @Override
        public void subscribe(String channel) {
            inner.subscribe(channel);
        }

        @Override
        public void unsubscribe(String channel) {
            inner.unsubscribe(channel);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public io.throng.websocket.bus.BusStats stats() {
            return inner.stats();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /**
     * A bad publish in the middle of a pipelined write: the ones before it are published and
     * answered, then the error, then the connection closes; nothing after it is published.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void aBadPublishEndsTheConnectionAfterAnsweringThoseBeforeIt(WsVariant v) throws Exception {
        try (PushServer push = PushServer.start(v.config(), WebSocketConfig.defaults());
             WebSocketClient client = WebSocketClient.start(ClientConfig.defaults(), WebSocketConfig.defaults())) {
            Inbox inbox = new Inbox();
            client.connect(WebSocketRequest.to(push.address(), "/sub/news"), inbox).get(10, TimeUnit.SECONDS);
            for (byte[] bad : List.of(publishFrame("no spaces allowed", "x"), new byte[] {0, 0, 0, 0, 0, 1, 'x'})) {
                java.io.ByteArrayOutputStream wire = new java.io.ByteArrayOutputStream();
                wire.write(io.throng.websocket.push.PublishProtocol.PREFACE);
                wire.write(publishFrame("news", "one"));
                wire.write(publishFrame("news", "two"));
                wire.write(bad);
                wire.write(publishFrame("news", "never"));
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", push.port())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(wire.toByteArray());
                    java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                    for (int i = 0; i < 2; i++) {
                        assertThat(in.readUnsignedByte()).isEqualTo(io.throng.websocket.push.PublishProtocol.DONE);
                        in.readNBytes(16);
                    }
                    assertThat(in.readUnsignedByte()).isEqualTo(io.throng.websocket.push.PublishProtocol.ERROR);
                    String message = new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
                    assertThat(message).containsAnyOf("invalid channel name", "channel name of 0 bytes");
                    assertThat(in.read()).as("closed after the error").isEqualTo(-1);
                }
                assertThat(inbox.nextText()).isEqualTo("one");
                assertThat(inbox.nextText()).isEqualTo("two");
            }
            assertThat(push.binaryPublishes()).isEqualTo(4);
        }
    }

    private static byte[] publishFrame(String channel, String payload) {
        byte[] name = channel.getBytes(StandardCharsets.US_ASCII);
        byte[] body = payload.getBytes(StandardCharsets.UTF_8);
        return java.nio.ByteBuffer.allocate(6 + name.length + body.length).putShort((short) name.length).put(name)
                .putInt(body.length).put(body).array();
    }
}
