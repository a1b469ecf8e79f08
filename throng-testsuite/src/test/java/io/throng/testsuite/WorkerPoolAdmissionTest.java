package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.WorkerPoolConfig;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The worker pool's admission control: a saturated pool stops accepting, and nothing is lost. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerPoolAdmissionTest {

    @Test
    void aSaturatedPoolStopsAcceptingUntilItDrainsAndServesEveryoneInTheEnd() throws Exception {
        AtomicInteger concurrent = new AtomicInteger();
        AtomicInteger maxConcurrent = new AtomicInteger();
        Handler slow = new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                int now = concurrent.incrementAndGet();
                maxConcurrent.accumulateAndGet(now, Math::max);
                try {
                    Thread.sleep(50); // a blocking call: allowed under the worker pool
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                c.write(in);
                concurrent.decrementAndGet();
            }
        };
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(Model.WORKER_POOL).withLoops(1)
                .withAcceptMode(AcceptMode.REUSEPORT).withWorkers(new WorkerPoolConfig(2, 2, false));
        int clients = 40;
        try (Server server = Server.start(config, slow); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Long>> results = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                byte id = (byte) i;
                results.add(pool.submit(() -> {
                    long start = System.nanoTime();
                    try (SocketChannel ch = Net.connect(server.address())) {
                        for (int k = 0; k < 3; k++) {
                            Net.writeFully(ch, ByteBuffer.wrap(new byte[] {id}));
                            byte[] back = Net.readFully(ch, 1);
                            if (back[0] != id) {
                                throw new AssertionError("wrong reply");
                            }
                        }
                    }
                    return System.nanoTime() - start;
                }));
            }
            for (Future<Long> f : results) {
                f.get(40, TimeUnit.SECONDS);
            }
            assertThat(maxConcurrent.get()).as("handlers running at once").isLessThanOrEqualTo(2);
            assertThat(server.stats().acceptPauses()).as("accept pauses").isPositive();
            assertThat(server.stats().overflowed()).isPositive();
            assertThat(server.stats().accepted()).isEqualTo(clients);
            Net.await("all closed", Duration.ofSeconds(10), () -> server.stats().connections() == 0);
            // and once drained it accepts again at once
            try (SocketChannel ch = Net.connect(server.address())) {
                Net.writeFully(ch, ByteBuffer.wrap(new byte[] {9}));
                assertThat(Net.readFully(ch, 1)[0]).isEqualTo((byte) 9);
            }
        }
    }
}
