package io.throng.rpc;

import static io.throng.rpc.TestServices.func;
import static io.throng.rpc.TestServices.str;
import static io.throng.rpc.TestServices.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClient;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.client.RpcResponse;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.server.RpcServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Our clients against our server, under every model, over loopback. */
class RoundTripTest {

    static List<Object[]> cases() {
        List<Object[]> list = new ArrayList<>();
        for (TestServices.Variant v : TestServices.MODELS) {
            list.add(new Object[] {v, "multiplexed"});
            list.add(new Object[] {v, "pooled"});
        }
        return list;
    }

    static RpcClient client(String kind, RpcServer server) throws Exception {
        RpcClientOptions o = RpcClientOptions.to(server.address());
        o = o.withEngine(o.engine().withTransport(server.options().engine().transport()))
                .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)))
                .withPool(RpcClientOptions.Pool.DEFAULT.withMaxActive(16));
        return kind.equals("multiplexed") ? MultiplexedClient.start(o) : PooledClient.start(o);
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void concurrentCallsOfEveryKind(TestServices.Variant v, String kind) throws Exception {
        try (RpcServer server = TestServices.start(v); RpcClient client = client(kind, server)) {
            // 200 concurrent calls with random bodies of up to 64 KiB, on both execution paths
            Random rnd = new Random(42);
            List<byte[]> bodies = new ArrayList<>();
            List<CompletableFuture<RpcResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] b = new byte[rnd.nextInt(64 * 1024)];
                rnd.nextBytes(b);
                bodies.add(b);
                futures.add(client.invoke(func(i % 2 == 0 ? "Echo" : "Echo2"), b));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(futures.get(i).get(20, TimeUnit.SECONDS).body()).isEqualTo(bodies.get(i));
            }

            // errors: business, framework, unknown func and service
            assertThatThrownBy(() -> client.call(func("Fail"), utf8("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.business()).isTrue();
                        assertThat(e.code()).isEqualTo(42);
                        assertThat(e.getMessage()).isEqualTo("fail on purpose");
                    });
            assertThatThrownBy(() -> client.call(func("Limited"), utf8("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(23));
            assertThatThrownBy(() -> client.call(func("Nope"), utf8("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> {
                        assertThat(e.code()).isEqualTo(RetCode.SERVER_NO_FUNC);
                        assertThat(e.getMessage()).contains("/trpc.throng.test.Probe/Nope");
                    });
            assertThatThrownBy(() -> client.call("/trpc.nobody.Home/Echo", utf8("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(RetCode.SERVER_NO_SERVICE));

            // trans_info both ways, attachment both ways
            RpcResponse meta = client.call(func("Meta"), new byte[0],
                    client.defaults().withTransInfo("app-key", utf8("v1")));
            assertThat(str(meta.body())).isEqualTo("v1");
            assertThat(str(meta.transInfo().get("app-reply"))).isEqualTo("pong");
            assertThat(str(meta.transInfo().get("app-key"))).isEqualTo("v1"); // the request's is echoed
            RpcResponse att = client.call(func("Attach"), utf8("body"), client.defaults().withAttachment(utf8("tail")));
            assertThat(str(att.body())).isEqualTo("body");
            assertThat(str(att.attachment())).isEqualTo("tail");

            // one-way: completes once written; the server handles it and sends nothing back
            int before = TestServices.NOTIFIED.get();
            for (int i = 0; i < 5; i++) {
                client.call(func("Notify"), utf8("n"), client.defaults().withOneWay(true));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (TestServices.NOTIFIED.get() < before + 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(TestServices.NOTIFIED.get()).isGreaterThanOrEqualTo(before + 5);
            // every request but the one-way ones got exactly one reply (the counter trails the reply a little)
            while (server.stats().replied() != server.stats().requests() - 5 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(server.stats().oneWay()).isEqualTo(5);
            assertThat(server.stats().replied()).isEqualTo(server.stats().requests() - 5);
        }
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void timeoutsAreEnforcedOnBothSides(TestServices.Variant v, String kind) throws Exception {
        try (RpcServer server = TestServices.start(v); RpcClient client = client(kind, server)) {
            // client side: the call fails with 101 after its timeout
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.call(func("Sleep"), utf8("3000:late"),
                    client.defaults().withTimeout(Duration.ofMillis(200))))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_TIMEOUT));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(2500));
            // server side: the request carried the timeout, the server answered 24 and interrupted the handler
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.stats().timedOut() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(server.stats().timedOut()).isEqualTo(1);
            // the client still works afterwards (pooled: on a fresh connection)
            assertThat(str(client.call(func("Echo"), utf8("again")).body())).isEqualTo("again");
        }
    }
}
