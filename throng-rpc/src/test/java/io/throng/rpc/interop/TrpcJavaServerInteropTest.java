package io.throng.rpc.interop;

import static io.throng.rpc.interop.ProbeService.func;
import static io.throng.rpc.interop.ProbeService.sv;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.rpc.RpcException;
import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.client.RpcResponse;
import io.throng.rpc.frame.RetCode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our multiplexed and pooled clients against tRPC-Java 1.1.0's server (a forked JVM), which
 * answers with stream id 0 and version byte 0: we correlate on request_id. Covers virtual
 * connections on one connection, the max_vir_conns_per_conn cap, errors, trans_info, attachments,
 * one-way calls, the pool's size and idle timeout, and the peer killed mid-flight.
 */
class TrpcJavaServerInteropTest {
    private static TrpcJavaPeer peer;
    private static InetSocketAddress address;

    @BeforeAll
    static void startPeer() throws Exception {
        int port = TrpcJavaPeer.freePort();
        peer = TrpcJavaPeer.server(port);
        address = new InetSocketAddress("127.0.0.1", port);
    }

    @AfterAll
    static void stopPeer() throws Exception {
        if (peer != null) {
            peer.close();
        }
    }

    static RpcClientOptions options() {
        return RpcClientOptions.to(address).withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(20)));
    }

    @Test
    void manyVirtualConnectionsShareOneConnection() throws Exception {
        try (MultiplexedClient client = MultiplexedClient.start(options())) {
            List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(client.invoke(func("Echo"), sv("m" + i)));
            }
            for (int i = 0; i < 200; i++) {
                assertThat(sv(calls.get(i).get(30, TimeUnit.SECONDS).body())).isEqualTo("m" + i);
            }
            assertThat(client.dials()).isEqualTo(1);
            assertThat(client.status().get(address)[0]).isEqualTo(1);
            assertThat(client.status().get(address)[1]).isZero(); // every virtual connection released
        }
    }

    @Test
    void theVirtualConnectionCapOpensMoreConnections() throws Exception {
        RpcClientOptions o = options().withMultiplexed(RpcClientOptions.Multiplexed.DEFAULT.withMaxVirConnsPerConn(10));
        try (MultiplexedClient client = MultiplexedClient.start(o)) {
            List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                calls.add(client.invoke(func("Sleep"), sv("400:s" + i)));
            }
            // all 40 are in flight at once, 10 per connection
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.status().get(address)[1] < 40 && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            int[] status = client.status().get(address);
            assertThat(status[0]).isEqualTo(4);
            assertThat(status[1]).isEqualTo(40);
            for (int i = 0; i < 40; i++) {
                assertThat(sv(calls.get(i).get(30, TimeUnit.SECONDS).body())).isEqualTo("s" + i);
            }
            assertThat(client.dials()).isEqualTo(4);
            assertThat(client.statusLines().getFirst())
                    .isEqualTo("throng multiplex status: network: tcp, address: 127.0.0.1:" + address.getPort()
                            + ", connections number: 4, concurrent virtual connection number: 0");
        }
    }

    @Test
    void errorsMetadataAttachmentsAndOneWay() throws Exception {
        try (MultiplexedClient mux = MultiplexedClient.start(options()); PooledClient pooled = PooledClient.start(options())) {
            for (var client : List.of(mux, pooled)) {
                assertThatThrownBy(() -> client.call(func("Fail"), sv("x")))
                        .isInstanceOfSatisfying(RpcException.class, e -> {
                            assertThat(e.business()).isTrue();
                            assertThat(e.code()).isEqualTo(42);
                            assertThat(e.getMessage()).isEqualTo("fail on purpose: x");
                        });
                assertThatThrownBy(() -> client.call(func("Limited"), sv("x")))
                        .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(23));
                assertThatThrownBy(() -> client.call(func("Missing"), sv("x")))
                        .isInstanceOfSatisfying(RpcException.class, e -> {
                            assertThat(e.code()).isEqualTo(RetCode.SERVER_NO_FUNC);
                            assertThat(e.getMessage()).contains("/trpc.interop.probe.Probe/Missing");
                        });
                RpcResponse meta = client.call(func("Meta"), sv(""),
                        client.defaults().withTransInfo("app-key", "v1".getBytes(StandardCharsets.UTF_8)));
                assertThat(sv(meta.body())).isEqualTo("v1");
                assertThat(new String(meta.transInfo().get("app-reply"), StandardCharsets.UTF_8)).isEqualTo("pong");
                RpcResponse att = client.call(func("Attach"), sv("body"),
                        client.defaults().withAttachment("tail".getBytes(StandardCharsets.UTF_8)));
                assertThat(sv(att.body())).isEqualTo("body");
                assertThat(new String(att.attachment(), StandardCharsets.UTF_8)).isEqualTo("tail");
            }
            int before = notified();
            for (int i = 0; i < 5; i++) {
                mux.call(func("Notify"), sv("n"), mux.defaults().withOneWay(true));
                pooled.call(func("Notify"), sv("n"), pooled.defaults().withOneWay(true));
            }
            peer.awaitLine(l -> l.equals("NOTIFIED " + (before + 10)), 20);
            // nothing came back for them: the next calls on the same connections still match
            assertThat(sv(mux.call(func("Echo"), sv("after")).body())).isEqualTo("after");
            assertThat(sv(pooled.call(func("Echo"), sv("after")).body())).isEqualTo("after");
        }
    }

    @Test
    void thePoolKeepsOneCallPerConnectionAndClosesIdleOnes() throws Exception {
        RpcClientOptions o = options().withPool(RpcClientOptions.Pool.DEFAULT.withMaxActive(4)
                .withIdleTimeout(Duration.ofMillis(500)));
        try (PooledClient client = PooledClient.start(o)) {
            List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.invoke(func("Sleep"), sv("100:p" + i)));
            }
            Thread.sleep(50);
            int[] busy = client.status().get(address);
            assertThat(busy[0]).isEqualTo(4);   // open
            assertThat(busy[2]).isEqualTo(16);  // waiting
            for (int i = 0; i < 20; i++) {
                assertThat(sv(calls.get(i).get(30, TimeUnit.SECONDS).body())).isEqualTo("p" + i);
            }
            assertThat(client.dials()).isEqualTo(4);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.status().get(address)[0] > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(client.status().get(address)[0]).as("open after the idle timeout").isZero();
            assertThat(sv(client.call(func("Echo"), sv("fresh")).body())).isEqualTo("fresh");
            assertThat(client.dials()).isEqualTo(5);
        }
    }

    @Test
    void killingThePeerFailsEveryCallInFlightAtOnce() throws Exception {
        int port = TrpcJavaPeer.freePort();
        InetSocketAddress victimAddress = new InetSocketAddress("127.0.0.1", port);
        TrpcJavaPeer victim = TrpcJavaPeer.server(port);
        try (MultiplexedClient client = MultiplexedClient.start(RpcClientOptions.to(victimAddress)
                .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30))));
             PooledClient pooled = PooledClient.start(RpcClientOptions.to(victimAddress)
                     .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(30))))) {
            assertThat(sv(client.call(func("Echo"), sv("warm")).body())).isEqualTo("warm");
            List<CompletableFuture<RpcResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(client.invoke(func("Sleep"), sv("20000:never")));
                calls.add(pooled.invoke(func("Sleep"), sv("20000:never")));
            }
            // every call in flight on both clients: the pooled ones each dial a connection of their
            // own, and a call whose dial is unresolved when the peer dies fails as "connect", not
            // "network". (The peer serves 4 at a time and queues the rest, so it cannot tell us.)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!allInFlight(client.status().get(victimAddress), pooled.status().get(victimAddress))
                    && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(allInFlight(client.status().get(victimAddress), pooled.status().get(victimAddress)))
                    .as("40 calls in flight; multiplexed %s, pooled %s", Arrays.toString(client.status().get(victimAddress)),
                            Arrays.toString(pooled.status().get(victimAddress)))
                    .isTrue();
            long t0 = System.nanoTime();
            victim.kill();
            for (CompletableFuture<RpcResponse> c : calls) {
                assertThatThrownBy(() -> c.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOfSatisfying(RpcException.class,
                                e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_NETWORK));
            }
            // well before the 20 s the calls were sleeping, or their 30 s timeouts
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(client.status().get(victimAddress)[0]).isZero();
            // the next call dials again (and, the peer being gone, fails to connect)
            long dials = client.dials();
            assertThatThrownBy(() -> client.call(func("Echo"), sv("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(RetCode.CLIENT_CONNECT));
            assertThat(client.dials()).isEqualTo(dials + 1);
        } finally {
            victim.close();
        }
    }

    /** 20 calls on the multiplexed connection, 20 pooled connections with every dial resolved. */
    private static boolean allInFlight(int[] multiplexed, int[] pooled) {
        return multiplexed[1] >= 20 && pooled != null && pooled[0] >= 20 && pooled[3] == 0;
    }

    private static int notified() {
        int n = 0;
        for (String l : peer.lines()) {
            if (l.startsWith("NOTIFIED ")) {
                n = Integer.parseInt(l.substring(9));
            }
        }
        return n;
    }
}
