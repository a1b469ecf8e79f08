package io.throng.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.Server;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A descriptor number is the kernel's to give again as soon as it is closed. Under the
 * thread-per-connection models another thread wakes a connection's reader with shutdown(2) (a close
 * from outside, a timed-out call's error); if that comes after the connection's own thread closed
 * the socket, the number may already be a new connection's, and the shutdown must not reach it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpollDescriptorReuseTest {

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"VIRTUAL_THREADS", "PLATFORM_THREADS"})
    void aLateWakeOfAClosedConnectionLeavesTheConnectionThatReusedItsNumberAlone(Model model) throws Exception {
        BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        Semaphore closed = new Semaphore(0);
        Handler echo = new Handler() {
            @Override
            public void onOpen(Connection c) {
                opened.add(c);
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                c.write(in);
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
                closed.release();
            }
        };
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(model).withTransport(TransportKind.EPOLL);
        try (Server server = Server.start(config, echo)) {
            Socket a = new Socket("127.0.0.1", server.port());
            Connection first = opened.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            a.close();
            assertThat(closed.tryAcquire(10, TimeUnit.SECONDS)).as("the server closed the first connection").isTrue();

            try (Socket b = new Socket("127.0.0.1", server.port())) {
                Connection second = opened.poll(10, TimeUnit.SECONDS);
                assertThat(second).isNotNull();
                assumeTrue(((EpollConnection) first).fd == ((EpollConnection) second).fd,
                        "the kernel gave the new connection another number");

                // what a close requested from another thread does to a connection's reader, too late
                ((ConnectionImpl) first).wakeReader(false, true);
                ((ConnectionImpl) first).wakeReader(true, false);

                b.setSoTimeout(5000);
                b.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
                InputStream in = b.getInputStream();
                byte[] back = in.readNBytes(10);
                assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("still here");
                assertThat(second.isOpen()).isTrue();
            }
        }
    }
}
