package io.throng.rpc;

import static io.throng.rpc.TestServices.func;
import static io.throng.rpc.TestServices.str;
import static io.throng.rpc.TestServices.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import io.throng.rpc.server.RpcService;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Our server driven frame by frame from a raw socket. */
class ServerWireTest {

    static List<TestServices.Variant> models() {
        return TestServices.MODELS;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void pipelinedRequestsAreAnsweredOutOfOrderWithEveryIdEchoed(TestServices.Variant v) throws Exception {
        try (RpcServer server = TestServices.start(v); Wire w = new Wire(server.address())) {
            // five pipelined requests in one write; the first sleeps longest, so it is answered last
            ByteBuffer all = ByteBuffer.allocate(64 * 1024);
            for (int i = 0; i < 5; i++) {
                // stream ids and request ids differ on purpose: each must be echoed as sent
                all.put(Wire.request(1000 + i, i % 2, 7 + i, func("Sleep"), utf8((500 - i * 100) + ":r" + i), 0));
            }
            w.send(java.util.Arrays.copyOf(all.array(), all.position()));
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                UnaryFrames.Response r = w.readResponse();
                int idx = r.header().requestId() - 7;
                order.add(idx);
                assertThat(r.frame().streamId()).isEqualTo(1000 + idx);
                assertThat(r.frame().version()).isEqualTo(idx % 2);
                assertThat(r.header().ret()).isZero();
                assertThat(str(r.body())).isEqualTo("r" + idx);
            }
            assertThat(order.getFirst()).isNotZero();
            assertThat(order.getLast()).isZero();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void aMalformedFrameClosesOnlyItsConnection(TestServices.Variant v) throws Exception {
        try (RpcServer server = TestServices.start(v); Wire good = new Wire(server.address());
             Wire bad = new Wire(server.address())) {
            good.send(Wire.request(1, 1, 1, func("Echo"), utf8("before"), 0));
            assertThat(str(good.readResponse().body())).isEqualTo("before");
            byte[] frame = Wire.request(2, 1, 2, func("Echo"), utf8("x"), 0);
            frame[0] = 0x12; // bad magic
            bad.send(frame);
            assertThat(bad.closedByPeer(5000)).isTrue();
            assertThat(server.stats().malformed()).isEqualTo(1);
            good.send(Wire.request(3, 1, 3, func("Echo"), utf8("after"), 0));
            assertThat(str(good.readResponse().body())).isEqualTo("after");
        }
    }

    @Test
    void overloadIsAnsweredWithRet22InsteadOfQueueing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(2);
        RpcService blocker = RpcService.builder("trpc.test.Block").unary("Wait", r -> {
            entered.countDown();
            release.await(10, TimeUnit.SECONDS);
            return RpcReply.of(r.body());
        }).build();
        RpcServerOptions o = TestServices.options(TestServices.MODELS.get(3)).withMaxConcurrentRequests(2);
        try (RpcServer server = RpcServer.start(o, blocker); Wire w = new Wire(server.address())) {
            for (int i = 1; i <= 2; i++) {
                w.send(Wire.request(i, 1, i, "/trpc.test.Block/Wait", utf8("held" + i), 0));
            }
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            w.send(Wire.request(3, 1, 3, "/trpc.test.Block/Wait", utf8("third"), 0));
            UnaryFrames.Response refused = w.readResponse();
            assertThat(refused.header().requestId()).isEqualTo(3);
            assertThat(refused.header().ret()).isEqualTo(RetCode.SERVER_OVERLOAD);
            assertThat(refused.header().errorMsg()).contains("max-concurrent-requests 2");
            release.countDown();
            assertThat(w.readResponse().header().ret()).isZero();
            assertThat(w.readResponse().header().ret()).isZero();
            assertThat(server.stats().overloaded()).isEqualTo(1);
        }
    }

    @Test
    void serviceTimeoutAnswers21AndCallerTimeoutAnswers24() throws Exception {
        RpcService slow = RpcService.builder("trpc.test.Slow").unary("Nap", r -> {
            Thread.sleep(5000);
            return RpcReply.of(null);
        }).timeout(Duration.ofMillis(200)).build();
        try (RpcServer server = RpcServer.start(TestServices.options(TestServices.MODELS.get(0)), slow);
             Wire w = new Wire(server.address())) {
            w.send(Wire.request(1, 1, 1, "/trpc.test.Slow/Nap", new byte[0], 0));
            UnaryFrames.Response r1 = w.readResponse();
            assertThat(r1.header().ret()).isEqualTo(RetCode.SERVER_TIMEOUT);
            w.send(Wire.request(2, 1, 2, "/trpc.test.Slow/Nap", new byte[0], 100));
            UnaryFrames.Response r2 = w.readResponse();
            assertThat(r2.header().ret()).isEqualTo(RetCode.SERVER_FULL_LINK_TIMEOUT);
            assertThat(r2.header().errorMsg()).contains("100 ms");
        }
    }

    @Test
    void anIdleConnectionIsClosedButNotOneWaitingOnASlowCall() throws Exception {
        RpcServerOptions o = TestServices.options(TestServices.MODELS.get(3)).withIdleTimeout(Duration.ofMillis(300));
        try (RpcServer server = RpcServer.start(o, TestServices.probe());
             Wire idle = new Wire(server.address()); Wire busy = new Wire(server.address())) {
            busy.send(Wire.request(1, 1, 1, func("Sleep"), utf8("1200:slow"), 0));
            assertThat(idle.closedByPeer(5000)).isTrue();
            UnaryFrames.Response r = busy.readResponse(); // still open after 1.2 s of silence
            assertThat(str(r.body())).isEqualTo("slow");
            assertThat(r.frame().totalSize()).isGreaterThan(FrameHeader.SIZE);
        }
    }
}
