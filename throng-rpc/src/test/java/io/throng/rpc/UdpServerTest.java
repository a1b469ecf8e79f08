package io.throng.rpc;

import static io.throng.rpc.TestServices.func;
import static io.throng.rpc.TestServices.str;
import static io.throng.rpc.TestServices.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.throng.rpc.config.RpcConfig;
import io.throng.rpc.config.RpcServerGroup;
import io.throng.rpc.config.ServiceSettings;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import io.throng.rpc.server.RpcServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** network: udp with transport: tnet falls back to the portable UDP server: one frame per datagram. */
class UdpServerTest {

    static UnaryFrames.Response exchange(DatagramSocket s, InetSocketAddress to, byte[] frame) throws Exception {
        s.send(new DatagramPacket(frame, frame.length, to));
        byte[] buf = new byte[70_000];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        s.receive(p);
        ByteBuffer in = ByteBuffer.wrap(Arrays.copyOf(buf, p.getLength()));
        FrameHeader h = FrameHeader.peek(in, FrameLimits.DEFAULT);
        assertThat(h.totalSize()).isEqualTo(p.getLength());
        return UnaryFrames.decodeResponse(in, h);
    }

    @Test
    void servesUnaryCallsOverUdpAfterTheTnetFallback() throws Exception {
        RpcConfig c = RpcConfig.parse("""
                server:
                  service:
                    - name: trpc.throng.test.Udp
                      ip: 127.0.0.1
                      port: 0
                      network: udp
                      transport: tnet
                """);
        ServiceSettings s = c.services().getFirst();
        assertThat(s.transport().fallbackReason()).isEqualTo("transport tnet does not support network udp; switching to the portable nio transport");
        try (RpcServerGroup group = RpcServerGroup.start(c.services(), Map.of("trpc.throng.test.Udp", List.of(TestServices.probe())));
             DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(5000);
            RpcServer server = group.servers().getFirst();
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.port());
            UnaryFrames.Response r = exchange(socket, to, Wire.request(41, 1, 42, func("Echo2"), utf8("over udp"), 0));
            assertThat(r.header().requestId()).isEqualTo(42);
            assertThat(r.frame().streamId()).isEqualTo(41);
            assertThat(str(r.body())).isEqualTo("over udp");
            assertThat(exchange(socket, to, Wire.request(43, 1, 43, func("Nope"), utf8("x"), 0)).header().ret())
                    .isEqualTo(RetCode.SERVER_NO_FUNC);

            // a datagram that is not exactly one frame is dropped (and counted); the server goes on
            byte[] frame = Wire.request(44, 1, 44, func("Echo"), utf8("y"), 0);
            byte[] truncated = Arrays.copyOf(frame, frame.length - 1);
            socket.send(new DatagramPacket(truncated, truncated.length, to));
            byte[] buf = new byte[100];
            socket.setSoTimeout(300);
            try {
                socket.receive(new DatagramPacket(buf, buf.length));
                throw new AssertionError("a reply to a truncated datagram");
            } catch (SocketTimeoutException expected) {
                // nothing comes back
            }
            assertThat(server.stats().malformed()).isEqualTo(1);
            socket.setSoTimeout(5000);
            assertThat(str(exchange(socket, to, frame).body())).isEqualTo("y");
            assertThat(server.engineStats()).isNull();
        }
    }
}
