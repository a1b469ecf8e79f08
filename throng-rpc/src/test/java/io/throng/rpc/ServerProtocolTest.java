package io.throng.rpc;

import static io.throng.rpc.TestServices.func;
import static io.throng.rpc.TestServices.str;
import static io.throng.rpc.TestServices.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.embedded.EmbeddedConnection;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.UnaryFrames;
import io.throng.rpc.server.RpcProtocol;
import io.throng.rpc.server.RpcServerOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tRPC server protocol without a socket ({@link EmbeddedConnection}): framing, request ids,
 * malformations. What needs sockets and models (ordering across threads under every model, load,
 * deadlines against the clock, idle closes) stays in {@link ServerWireTest}.
 */
class ServerProtocolTest {
    private final RpcProtocol protocol = RpcProtocol.of(RpcServerOptions.defaults(), List.of(TestServices.probe()));

    @AfterEach
    void stop() {
        protocol.close();
    }

    /** The response frames in {@code bytes}, in order. */
    private static List<UnaryFrames.Response> responses(byte[] bytes) {
        List<UnaryFrames.Response> out = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        while (in.remaining() >= FrameHeader.SIZE) {
            int total = in.getInt(in.position() + 4);
            ByteBuffer whole = in.slice(in.position(), total);
            in.position(in.position() + total);
            out.add(UnaryFrames.decodeResponse(whole, FrameHeader.peek(whole, FrameLimits.DEFAULT)));
        }
        assertThat(in.hasRemaining()).as("whole frames only").isFalse();
        return out;
    }

    /** Replies come from the protocol's request threads: waits until {@code n} have been written. */
    private static List<UnaryFrames.Response> await(EmbeddedConnection c, int n) throws InterruptedException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            all.writeBytes(c.takeWritten());
            List<UnaryFrames.Response> r = responses(all.toByteArray());
            if (r.size() >= n || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(2);
        }
    }

    @Test
    void everyRequestIdStreamIdAndVersionIsEchoedAsSent() throws Exception {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            ByteBuffer all = ByteBuffer.allocate(8 * 1024);
            for (int i = 0; i < 5; i++) {
                all.put(Wire.request(1000 + i, i % 2, 7 + i, func("Echo"), utf8("r" + i), 0));
            }
            c.receive(java.util.Arrays.copyOf(all.array(), all.position())); // five pipelined in one read
            List<UnaryFrames.Response> replies = await(c, 5);
            assertThat(replies).hasSize(5);
            for (UnaryFrames.Response r : replies) {
                int idx = r.header().requestId() - 7;
                assertThat(r.frame().streamId()).isEqualTo(1000 + idx);
                assertThat(r.frame().version()).isEqualTo(idx % 2);
                assertThat(r.header().ret()).isZero();
                assertThat(str(r.body())).isEqualTo("r" + idx);
            }
        }
    }

    @Test
    void aFrameSplitAcrossReadsIsAssembledAndNothingIsHeldAfterIt() throws Exception {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            byte[] frame = Wire.request(1, 1, 42, func("Echo"), utf8("x".repeat(3000)), 0);
            for (int at = 0; at < frame.length; at += 700) {
                c.receive(java.util.Arrays.copyOfRange(frame, at, Math.min(frame.length, at + 700)));
            }
            List<UnaryFrames.Response> replies = await(c, 1);
            assertThat(replies).hasSize(1);
            assertThat(replies.getFirst().header().requestId()).isEqualTo(42);
            assertThat(str(replies.getFirst().body())).hasSize(3000);
        }
    }

    static List<Object[]> malformations() {
        byte[] totalTooSmall = Wire.request(9, 1, 9, func("Echo"), utf8("x"), 0);
        ByteBuffer.wrap(totalTooSmall).putInt(4, 12);
        byte[] headerTooBig = Wire.request(9, 1, 9, func("Echo"), utf8("x"), 0);
        ByteBuffer.wrap(headerTooBig).putShort(8, (short) 4000);
        byte[] attachmentTooBig = io.throng.rpc.frame.UnaryFrames.encodeRequest(9, 1,
                new io.throng.rpc.frame.RequestHeader(0, 0, 9, 0, "", "", func("Echo"), 0, java.util.Map.of(), 0, 0, 500),
                utf8("x"), null, io.throng.rpc.frame.FrameLimits.DEFAULT);
        byte[] oversize = new byte[16];
        new FrameHeader(0, 0, (10 << 20) + 1, 20, 9, 1).writeTo(oversize, 0);
        return List.of(new Object[] {"total < 16", totalTooSmall}, new Object[] {"header size > total", headerTooBig},
                new Object[] {"attachment > remaining", attachmentTooBig}, new Object[] {"oversize (header only)", oversize});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformations")
    void eachMalformationClosesTheConnectionAndIsCounted(String name, byte[] frame) {
        try (EmbeddedConnection c = EmbeddedConnection.open(protocol)) {
            c.receive(frame);
            c.runPendingTasks();
            assertThat(c.isClosed() || c.outputShut()).as(name + ": closed").isTrue();
            assertThat(c.takeWritten()).as("nothing answered").isEmpty();
            assertThat(protocol.stats().malformed()).isEqualTo(1);
            if (c.isClosed()) {
                assertThat(c.closeReason().kind()).isNotEqualTo(CloseReason.Kind.IDLE_TIMEOUT);
            }
        }
    }
}
