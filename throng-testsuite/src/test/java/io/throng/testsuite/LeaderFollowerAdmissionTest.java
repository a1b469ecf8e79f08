package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.net.Server;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Admission under leader-follower: when every thread of every group has been held by a handler for
 * 100 ms, the server stops accepting; when one comes back it accepts again and serves what waited.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaderFollowerAdmissionTest {

    @Test
    void allThreadsHeldStopsAcceptingAndOneFreedServesWhatWaited() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger held = new AtomicInteger();
        Handler blocking = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                if (in.get(in.position()) == 'B') { // "block": hold this thread until released
                    held.incrementAndGet();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                c.write(in);
            }
        };
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(Model.LEADER_FOLLOWER)
                .withTransport(TransportKind.EPOLL).withLoops(1).withWorkers(ServerConfig.defaults().workers().withThreads(2));
        try (Server server = Server.start(config, blocking);
             SocketChannel a = Net.connect(server.address()); SocketChannel b = Net.connect(server.address())) {
            Net.writeFully(a, ByteBuffer.wrap(new byte[] {'B'}));
            Net.writeFully(b, ByteBuffer.wrap(new byte[] {'B'}));
            Net.await("both threads held", Duration.ofSeconds(5), () -> held.get() == 2);
            Thread.sleep(250); // past the 100 ms after which the group counts as saturated

            try (SocketChannel c = Net.connect(server.address())) { // completed by the kernel, in the backlog
                Net.writeFully(c, ByteBuffer.wrap(new byte[] {'c'}));
                Thread.sleep(300);
                assertThat(server.stats().accepted()).as("not accepted while every thread is held").isEqualTo(2);
                assertThat(server.stats().acceptPauses()).isPositive();

                release.countDown();
                assertThat(Net.readFully(a, 1)[0]).isEqualTo((byte) 'B');
                assertThat(Net.readFully(b, 1)[0]).isEqualTo((byte) 'B');
                assertThat(Net.readFully(c, 1)[0]).as("served once a thread came back").isEqualTo((byte) 'c');
                assertThat(server.stats().accepted()).isEqualTo(3);
            }
        }
    }
}
