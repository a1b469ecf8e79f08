package io.throng.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.RpcException;
import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.RpcClient;
import io.throng.rpc.client.RpcClientOptions;
import io.throng.rpc.server.Execution;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import io.throng.rpc.server.RpcService;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An RPC server's meters as its calls move them: a real server, the project's own tRPC client
 * over loopback, the meters read from the Prometheus registry and, last, scraped with curl.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RpcMetersTest {
    private static final String SERVICE = "trpc.throng.test.Meters";
    private static final String SERVER = "test";

    /** Released by the test: holds a Hold call (and its in-flight slot) until then. */
    private final CountDownLatch release = new CountDownLatch(1);
    private RpcServer server;
    private ThrongMetrics metrics;
    private MeterRegistry registry;
    private RpcClient client;

    @BeforeEach
    void start() throws Exception {
        RpcService service = RpcService.builder(SERVICE)
                .unary("Echo", r -> RpcReply.of(r.body()), Execution.INLINE)
                .unary("Echo2", r -> RpcReply.of(r.body()))
                .unary("Fail", r -> {
                    throw RpcException.business(42, "fail on purpose");
                })
                .unary("Limited", r -> {
                    throw new RpcException(23, "limited on purpose");
                })
                .unary("Code", r -> {
                    throw RpcException.business(Integer.parseInt(str(r.body())), "the code asked for");
                })
                .unary("Hold", r -> {
                    release.await(20, TimeUnit.SECONDS);
                    return RpcReply.of(r.body());
                })
                .build();
        // two in flight at most: the overload case fills them with Hold calls
        server = RpcServer.start(RpcServerOptions.defaults().withMaxConcurrentRequests(2)
                .withEngine(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1)), service);
        metrics = ThrongMetrics.withJvm().bind(new RpcMeters(server, Tags.of("server", SERVER)));
        registry = metrics.registry();
        client = MultiplexedClient.start(RpcClientOptions.to(server.address())
                .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10))));
    }

    @AfterEach
    void stop() {
        release.countDown();
        client.close();
        metrics.close();
        server.close();
    }

    @Test
    void callsAreCountedByMethodAndRetAndTimedPerMethod() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(str(client.call(func("Echo"), utf8("e" + i)).body())).isEqualTo("e" + i);
        }
        for (int i = 0; i < 3; i++) {
            client.call(func("Echo2"), utf8("x"));
        }
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> client.call(func("Fail"), utf8("x")))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(42));
        }
        assertThatThrownBy(() -> client.call(func("Limited"), utf8("x")))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(23));
        assertThatThrownBy(() -> client.call(func("Nope"), utf8("x")))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(12));
        assertThatThrownBy(() -> client.call("/trpc.nobody.Home/Echo", utf8("x")))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(11));
        client.call(func("Echo2"), utf8("one-way"), client.defaults().withOneWay(true));

        // the client has its reply a moment before the server records the call it sent
        await("every call recorded", () -> calls("Echo2", "0", "ok") == 4 && calls("?", "11", "framework") == 1);
        assertThat(calls("Echo", "0", "ok")).isEqualTo(5);
        assertThat(calls("Fail", "42", "business")).isEqualTo(2);
        assertThat(calls("Limited", "23", "framework")).isEqualTo(1);
        assertThat(calls("?", "12", "framework")).isEqualTo(1);
        // a method's ret-0 series exists from the binding (at 0 for Limited, which only failed)
        assertThat(calls("Limited", "0", "ok")).isZero();
        assertThat(registry.find("throng.rpc.calls").tag("method", "Limited").counters()).hasSize(2);

        assertThat(timer("Echo").count()).isEqualTo(5);
        assertThat(timer("Echo2").count()).isEqualTo(4);
        assertThat(timer("Fail").count()).isEqualTo(2);
        assertThat(timer("Echo").totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(timer("Code").count()).isZero();
        assertThat(registry.find("throng.rpc.call.duration").tag("service", "?").timers())
                .as("unknown routes are counted, not timed").isEmpty();

        // the request counters, from RpcServerStats
        assertThat(counter("throng.rpc.requests", "kind", "unary")).isEqualTo(13);
        assertThat(counter("throng.rpc.requests", "kind", "oneway")).isEqualTo(1);
        assertThat(counter("throng.rpc.replies")).isEqualTo(13);
        assertThat(counter("throng.rpc.errors")).isEqualTo(5);
        assertThat(counter("throng.rpc.no.route")).isEqualTo(2);
        assertThat(counter("throng.rpc.overloaded")).isZero();
        assertThat(registry.get("throng.rpc.in.flight").tag("server", SERVER).gauge().value()).isZero();
    }

    @Test
    void anOverloadedCallCountsUnderItsMethodWithRet22AndIsNotTimed() throws Exception {
        CompletableFuture<?> a = client.invoke(func("Hold"), utf8("a"));
        CompletableFuture<?> b = client.invoke(func("Hold"), utf8("b"));
        await("both slots taken", () -> server.stats().inFlight() == 2);
        metrics.refreshSnapshots(); // as a scrape does
        assertThat(registry.get("throng.rpc.in.flight").tag("server", SERVER).gauge().value()).isEqualTo(2);
        assertThatThrownBy(() -> client.call(func("Echo"), utf8("x")))
                .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(22));
        release.countDown();
        a.get(10, TimeUnit.SECONDS);
        b.get(10, TimeUnit.SECONDS);
        await("the holds recorded", () -> calls("Hold", "0", "ok") == 2);
        assertThat(calls("Echo", "22", "framework")).isEqualTo(1);
        assertThat(timer("Echo").count()).as("refused before its handler: not timed").isZero();
        assertThat(timer("Hold").count()).isEqualTo(2);
        assertThat(counter("throng.rpc.overloaded")).isEqualTo(1);
    }

    @Test
    void aMethodThatMakesUpCodesStopsMakingSeriesAtTheLimit() throws Exception {
        int codes = 40;
        for (int i = 1; i <= codes; i++) {
            int code = 1000 + i;
            // the server frees a call's slot just after its reply: with two slots, wait for them, or
            // a busy machine answers the next call 22 (overload), as one verify run did
            await("no call in flight", () -> server.stats().inFlight() == 0);
            assertThatThrownBy(() -> client.call(func("Code"), utf8(Integer.toString(code))))
                    .isInstanceOfSatisfying(RpcException.class, e -> assertThat(e.code()).isEqualTo(code));
        }
        await("every code recorded", () -> registry.find("throng.rpc.calls").tag("method", "Code").counters().stream()
                .mapToDouble(Counter::count).sum() == codes);
        // 32 codes of their own (the limit in CallMeters), the other 8 together, and ret 0
        assertThat(registry.find("throng.rpc.calls").tag("method", "Code").counters()).hasSize(32 + 1 + 1);
        assertThat(calls("Code", "1001", "business")).isEqualTo(1);
        assertThat(calls("Code", "1032", "business")).isEqualTo(1);
        assertThat(calls("Code", "other", "business")).isEqualTo(codes - 32);
    }

    @Test
    void aServersCallsAreBoundOnce() {
        try (ThrongMetrics other = ThrongMetrics.withJvm()) {
            assertThatThrownBy(() -> new RpcMeters(server, Tags.empty()).bindTo(other.registry()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("bound already");
        }
    }

    @Test
    void theAdminPortServesTheCallsAndTheHistogramAsPrometheusText() throws Exception {
        for (int i = 0; i < 3; i++) {
            client.call(func("Echo"), utf8("x"));
        }
        assertThatThrownBy(() -> client.call(func("Nope"), utf8("x"))).isInstanceOf(RpcException.class);
        await("the calls recorded", () -> calls("Echo", "0", "ok") == 3 && calls("?", "12", "framework") == 1);
        try (AdminServer admin = AdminServer.start(AdminConfig.defaults(), metrics, () -> "{}")) {
            Curl.Response r = Curl.run(admin.url() + "/metrics");
            assertThat(r.status()).isEqualTo(200);
            Map<String, Double> m = Exposition.parse(r.body());
            String echo = "method=\"Echo\",ret=\"0\",server=\"" + SERVER + "\",service=\"" + SERVICE + "\",type=\"ok\"";
            assertThat(Exposition.value(m, "throng_rpc_calls_total{" + echo + "}")).isEqualTo(3);
            assertThat(Exposition.value(m, "throng_rpc_calls_total{method=\"?\",ret=\"12\",server=\"" + SERVER
                    + "\",service=\"?\",type=\"framework\"}")).isEqualTo(1);
            String timer = "method=\"Echo\",server=\"" + SERVER + "\",service=\"" + SERVICE + "\"";
            assertThat(Exposition.value(m, "throng_rpc_call_duration_seconds_count{" + timer + "}")).isEqualTo(3);
            assertThat(Exposition.value(m, "throng_rpc_call_duration_seconds_bucket{" + timer + ",le=\"+Inf\"}"))
                    .isEqualTo(3);
            long buckets = m.keySet().stream()
                    .filter(s -> s.startsWith("throng_rpc_call_duration_seconds_bucket{" + timer)).count();
            // Micrometer 1.17's buckets between 10 µs and 30 s are 99, and +Inf: the series a method costs
            assertThat(buckets).as("10 µs to 30 s, about 15 a power of ten, and +Inf").isBetween(90L, 110L);
            assertThat(Exposition.value(m, "throng_rpc_requests_total{kind=\"unary\",server=\"" + SERVER + "\"}"))
                    .isEqualTo(4);
            for (String series : new String[] {"throng_rpc_replies_total", "throng_rpc_errors_total",
                    "throng_rpc_overloaded_total", "throng_rpc_timeouts_total", "throng_rpc_no_route_total",
                    "throng_rpc_malformed_total", "throng_rpc_streams_total", "throng_rpc_in_flight"}) {
                assertThat(Exposition.value(m, series + "{server=\"" + SERVER + "\"}")).as(series).isNotNaN();
            }
        }
    }

    private double calls(String method, String ret, String type) {
        Counter c = registry.find("throng.rpc.calls").tag("service", method.equals("?") ? "?" : SERVICE)
                .tag("method", method).tag("ret", ret).tag("type", type).tag("server", SERVER).counter();
        return c == null ? 0 : c.count();
    }

    private Timer timer(String method) {
        return registry.get("throng.rpc.call.duration").tag("service", SERVICE).tag("method", method)
                .tag("server", SERVER).timer();
    }

    private double counter(String name, String... tags) {
        metrics.refreshSnapshots(); // as a scrape does
        return registry.get(name).tag("server", SERVER).tags(tags).functionCounter().count();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static String func(String method) {
        return "/" + SERVICE + "/" + method;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
