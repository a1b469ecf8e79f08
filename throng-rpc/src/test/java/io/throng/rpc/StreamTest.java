package io.throng.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.StreamFrames;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcService;
import io.throng.rpc.stream.RpcStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Streams between our client and our server: the three shapes, flow control, errors, cancel, broken connections. */
class StreamTest {
    static final String SVC = "trpc.throng.test.Streams";
    static final int MESSAGE = 1024;
    static final int COUNT = 1000; // 1 MiB each way: 16 times the 64 KiB window

    final AtomicInteger serverSent = new AtomicInteger();
    final AtomicReference<Throwable> serverSaw = new AtomicReference<>();
    final CountDownLatch serverDone = new CountDownLatch(1);

    static List<TestServices.Variant> models() {
        return List.of(TestServices.MODELS.get(0), TestServices.MODELS.get(3), TestServices.MODELS.get(5));
    }

    static byte[] message(int i) {
        byte[] b = new byte[MESSAGE];
        ByteBuffer.wrap(b).putInt(i).putInt(MESSAGE - 4, ~i);
        return b;
    }

    static int index(byte[] b) {
        assertThat(b).hasSize(MESSAGE);
        int i = ByteBuffer.wrap(b).getInt(0);
        assertThat(ByteBuffer.wrap(b).getInt(MESSAGE - 4)).isEqualTo(~i);
        return i;
    }

    RpcService service() {
        return RpcService.builder(SVC)
                .stream("Download", s -> { // server streaming: one request, COUNT messages
                    byte[] req = s.receive();
                    int n = ByteBuffer.wrap(req).getInt();
                    for (int i = 0; i < n; i++) {
                        s.send(message(i));
                        serverSent.incrementAndGet();
                    }
                })
                .stream("Upload", s -> { // client streaming: COUNT messages, one reply
                    int n = 0;
                    for (byte[] m; (m = s.receive()) != null; ) {
                        assertThat(index(m)).isEqualTo(n);
                        n++;
                        if (n == 10) {
                            Thread.sleep(300); // the client must wait on its window meanwhile
                        }
                    }
                    s.send(ByteBuffer.allocate(4).putInt(n).array());
                })
                .stream("Chat", s -> { // bidirectional echo
                    for (byte[] m; (m = s.receive()) != null; ) {
                        s.send(m);
                    }
                })
                .stream("Broken", s -> {
                    s.send(message(0));
                    throw RpcException.business(7, "broken on purpose");
                })
                .stream("Wait", s -> {
                    try {
                        s.receive();
                    } catch (RpcException e) {
                        serverSaw.set(e);
                    } finally {
                        serverDone.countDown();
                    }
                })
                .unary("Plain", r -> RpcReply.of(r.body()))
                .build();
    }

    MultiplexedClient client(RpcServer server) throws Exception {
        return MultiplexedClient.start(RpcClientOptions.to(server.address())
                .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void serverStreamingIsPacedByTheClientsWindow(TestServices.Variant v) throws Exception {
        try (RpcServer server = RpcServer.start(TestServices.options(v), service()); MultiplexedClient client = client(server)) {
            RpcStream s = client.openStream("/" + SVC + "/Download", client.defaults());
            s.send(ByteBuffer.allocate(4).putInt(COUNT).array());
            s.closeSend();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (serverSent.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(300); // we do not read: the server must stop at our window
            assertThat(serverSent.get()).isBetween(1, StreamFrames.DEFAULT_WINDOW / MESSAGE + 1);
            for (int i = 0; i < COUNT; i++) {
                assertThat(index(s.receive())).isEqualTo(i);
            }
            assertThat(s.receive()).isNull();
            assertThat(serverSent.get()).isEqualTo(COUNT);
            assertThat(server.stats().streams()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void clientStreamingAndBidirectional(TestServices.Variant v) throws Exception {
        try (RpcServer server = RpcServer.start(TestServices.options(v), service()); MultiplexedClient client = client(server)) {
            RpcStream up = client.openStream("/" + SVC + "/Upload", client.defaults());
            long t0 = System.nanoTime();
            for (int i = 0; i < COUNT; i++) {
                up.send(message(i));
            }
            up.closeSend();
            // the server slept 300 ms after 10 messages: 1 MiB cannot have gone out within a 64 KiB window before that
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            assertThat(ByteBuffer.wrap(up.receive()).getInt()).isEqualTo(COUNT);
            assertThat(up.receive()).isNull();

            RpcStream chat = client.openStream("/" + SVC + "/Chat", client.defaults());
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < COUNT; i++) {
                        chat.send(message(i));
                    }
                    chat.closeSend();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < COUNT; i++) {
                assertThat(index(chat.receive())).isEqualTo(i);
            }
            assertThat(chat.receive()).isNull();
            writer.join(10_000);
            // both streams ended: their virtual connections are free again
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (client.status().get(server.address())[1] != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(client.status().get(server.address())[1]).isZero();
            // unary calls share the connection with the streams
            assertThat(client.call("/" + SVC + "/Plain", new byte[] {9}).body()).containsExactly(9);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void errorsCancelAndBrokenConnections(TestServices.Variant v) throws Exception {
        try (RpcServer server = RpcServer.start(TestServices.options(v), service()); MultiplexedClient client = client(server)) {
            RpcStream broken = client.openStream("/" + SVC + "/Broken", client.defaults());
            assertThat(index(broken.receive())).isZero(); // messages before the error are delivered
            assertThatThrownBy(broken::receive).isInstanceOfSatisfying(RpcException.class, e -> {
                assertThat(e.business()).isTrue();
                assertThat(e.code()).isEqualTo(7);
            });
            assertThatThrownBy(() -> client.openStream("/" + SVC + "/Nope", client.defaults()))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(RetCode.SERVER_NO_FUNC));
            assertThatThrownBy(() -> client.openStream("/" + SVC + "/Plain", client.defaults()))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.getMessage()).contains("unary method"));
            assertThatThrownBy(() -> client.call("/" + SVC + "/Chat", new byte[0]))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.getMessage()).contains("stream method"));

            RpcStream waiting = client.openStream("/" + SVC + "/Wait", client.defaults());
            waiting.cancel("test");
            assertThat(serverDone.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(serverSaw.get()).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_CANCELED));
            assertThatThrownBy(waiting::receive).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_CANCELED));

            RpcStream orphan = client.openStream("/" + SVC + "/Chat", client.defaults());
            AtomicReference<Throwable> receiver = new AtomicReference<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    orphan.receive();
                } catch (Throwable e) {
                    receiver.set(e);
                }
            });
            Thread.sleep(100);
            // reset the client's connections as a crash would
            java.lang.reflect.Method abort = MultiplexedClient.class.getDeclaredMethod("abortConnections");
            abort.setAccessible(true);
            abort.invoke(client);
            t.join(10_000);
            assertThat(receiver.get()).isInstanceOfSatisfying(RpcException.class,
                    e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_NETWORK));
            List<String> ok = new ArrayList<>();
            ok.add(new String(client.call("/" + SVC + "/Plain", "again".getBytes()).body()));
            assertThat(ok).containsExactly("again");
        }
    }
}
