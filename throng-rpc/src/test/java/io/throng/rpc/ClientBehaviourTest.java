package io.throng.rpc;

import static io.throng.rpc.TestServices.func;
import static io.throng.rpc.TestServices.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.client.RpcResponse;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.server.RpcServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Client behaviour that needs no foreign peer: cancellation, metrics, pool limits, connect failures. */
class ClientBehaviourTest {

    static RpcServer server() throws Exception {
        return TestServices.start(TestServices.MODELS.get(3));
    }

    static RpcClientOptions options(RpcServer s) {
        return RpcClientOptions.to(s.address()).withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)));
    }

    static void await(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void cancellingAMultiplexedCallFreesItsSlotAndDropsTheLateResponse() throws Exception {
        try (RpcServer s = server(); MultiplexedClient client = MultiplexedClient.start(options(s))) {
            CompletableFuture<RpcResponse> f = client.invoke(func("Sleep"), utf8("300:late"));
            await("the call in flight", () -> client.status().get(s.address())[1] == 1);
            assertThat(f.cancel(true)).isTrue();
            assertThat(client.status().get(s.address())[1]).isZero();
            assertThatThrownBy(f::get).isInstanceOf(CancellationException.class);
            await("the late response", () -> client.lateResponses() == 1);
            // the connection is still good
            assertThat(client.call(func("Echo"), utf8("ok")).body()).isEqualTo(utf8("ok"));
            assertThat(client.dials()).isEqualTo(1);
        }
    }

    @Test
    void cancellingAPooledCallRetiresItsConnection() throws Exception {
        try (RpcServer s = server(); PooledClient client = PooledClient.start(options(s))) {
            CompletableFuture<RpcResponse> f = client.invoke(func("Sleep"), utf8("300:late"));
            Thread.sleep(50);
            f.cancel(true);
            await("the connection closed", () -> client.status().get(s.address())[0] == 0);
            assertThat(client.call(func("Echo"), utf8("ok")).body()).isEqualTo(utf8("ok"));
            assertThat(client.dials()).isEqualTo(2);
        }
    }

    @Test
    void aFullPoolQueueFailsAtOnceWith124() throws Exception {
        RpcClientOptions o;
        try (RpcServer s = server()) {
            o = options(s).withPool(RpcClientOptions.Pool.DEFAULT.withMaxActive(2).withMaxWaiting(3));
            try (PooledClient client = PooledClient.start(o)) {
                List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    calls.add(client.invoke(func("Sleep"), utf8("300:x" + i)));
                }
                assertThatThrownBy(() -> client.call(func("Echo"), utf8("sixth")))
                        .isInstanceOfSatisfying(RpcException.class, e -> {
                            assertThat(e.code()).isEqualTo(RetCode.CLIENT_OVERLOAD);
                            assertThat(e.getMessage()).contains("max-waiting 3");
                        });
                for (CompletableFuture<RpcResponse> c : calls) {
                    assertThat(c.get(10, TimeUnit.SECONDS).body()).startsWith(utf8("x"));
                }
                assertThat(client.dials()).isEqualTo(2);
            }
        }
    }

    @Test
    void aRefusedConnectFailsWith111() throws Exception {
        int port;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            port = ss.getLocalPort();
        }
        RpcClientOptions o = RpcClientOptions.to(new InetSocketAddress("127.0.0.1", port));
        try (MultiplexedClient mux = MultiplexedClient.start(o); PooledClient pooled = PooledClient.start(o)) {
            for (var c : List.of(mux, pooled)) {
                assertThatThrownBy(() -> c.call(func("Echo"), utf8("x")))
                        .isInstanceOfSatisfying(RpcException.class, e -> {
                            assertThat(e.code()).isEqualTo(RetCode.CLIENT_CONNECT);
                            assertThat(e.getMessage()).contains("127.0.0.1:" + port);
                        });
            }
        }
    }

    @Test
    void metricsLogAStatusLineAndPublishGauges() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Logger jul = Logger.getLogger("io.throng.rpc.client.mux");
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                lines.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RpcServer s = server()) {
            RpcClientOptions o = options(s).withMultiplexed(new RpcClientOptions.Multiplexed(4, true, Duration.ofMillis(200)));
            String addr = "127.0.0.1:" + s.port();
            try (MultiplexedClient client = MultiplexedClient.start(o, registry)) {
                List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    calls.add(client.invoke(func("Sleep"), utf8("1000:m")));
                }
                await("10 calls on 3 connections", () -> client.status().get(s.address())[1] == 10);
                assertThat(registry.get("trpc.MuxConcurrentConnections").tag("address", addr).gauge().value()).isEqualTo(3);
                assertThat(registry.get("trpc.MuxConcurrentVirConns").tag("network", "tcp").gauge().value()).isEqualTo(10);
                await("a status line", () -> lines.stream().anyMatch(l -> l.endsWith("connections number: 3, concurrent virtual connection number: 10")));
                assertThat(lines.getFirst()).startsWith("throng multiplex status: network: tcp, address: " + addr);
                for (CompletableFuture<RpcResponse> c : calls) {
                    c.get(10, TimeUnit.SECONDS);
                }
            }
            assertThat(registry.find("trpc.MuxConcurrentConnections").gauges()).isEmpty(); // removed at close
        } finally {
            jul.removeHandler(capture);
        }
    }

    @Test
    void framesUpToTheTenMiBLimitPassAndLargerOnesAreRefusedBeforeSending() throws Exception {
        try (RpcServer s = server(); MultiplexedClient mux = MultiplexedClient.start(options(s));
             PooledClient pooled = PooledClient.start(options(s))) {
            byte[] big = new byte[(10 << 20) - 4096]; // just under the default 10 MiB frame limit
            new java.util.Random(3).nextBytes(big);
            for (var c : List.of(mux, pooled)) {
                assertThat(c.call(func("Echo2"), big).body()).isEqualTo(big);
                assertThatThrownBy(() -> c.call(func("Echo2"), new byte[10 << 20]))
                        .isInstanceOfSatisfying(RpcException.class, e -> {
                            assertThat(e.code()).isEqualTo(RetCode.CLIENT_ENCODE);
                            assertThat(e.getMessage()).contains("exceeds max frame size 10485760");
                        });
            }
            assertThat(s.stats().malformed()).isZero();
        }
    }

    @Test
    void manyCallersWaitingOnOneDialSpreadOverNewConnections() throws Exception {
        try (RpcServer s = server()) {
            RpcClientOptions o = options(s).withEngine(options(s).engine().withLoops(1))
                    .withMultiplexed(RpcClientOptions.Multiplexed.DEFAULT.withMaxVirConnsPerConn(5));
            try (MultiplexedClient client = MultiplexedClient.start(o)) {
                client.call(func("Echo"), utf8("warm")); // one connection, now empty
                // hold the client's only I/O thread for 300 ms from a completion callback, so that
                // the next dial cannot complete until 95 calls are waiting on it
                CompletableFuture<RpcResponse> holder = client.invoke(func("Sleep"), utf8("50:h"));
                CountDownLatch held = new CountDownLatch(1);
                holder.thenRun(() -> {
                    held.countDown();
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    calls.add(client.invoke(func("Sleep"), utf8("1000:c" + i)));
                }
                for (int i = 0; i < 100; i++) {
                    assertThat(calls.get(i).get(20, TimeUnit.SECONDS).body()).isEqualTo(utf8("c" + i));
                }
                // 5 calls fit the first connection and 19 more connections take the rest; a slot freed
                // by an early finisher (on a very slow machine) may save a dial or two
                assertThat(client.dials()).isBetween(15L, 20L);
            }
        }
    }

    @Test
    void anInterruptedCallerGetsRet161() throws Exception {
        try (RpcServer s = server(); MultiplexedClient client = MultiplexedClient.start(options(s))) {
            Thread caller = Thread.currentThread();
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ignored) {
                    // not expected
                }
                caller.interrupt();
            });
            assertThatThrownBy(() -> client.call(func("Sleep"), utf8("2000:x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_CANCELED));
            assertThat(Thread.interrupted()).isTrue();
            await("the slot freed", () -> client.status().get(s.address())[1] == 0);
        }
    }
}
