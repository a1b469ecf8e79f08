package io.throng.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A descriptor number is the kernel's to give again as soon as it is closed. Under the
 * thread-per-connection models other threads use a connection's descriptor besides its own thread:
 * a close from outside (or a timed-out call's error) wakes the reader with shutdown(2), and a
 * thread that writes flushes through it. Neither may reach the connection that reused the number.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EpollDescriptorReuseTest {

    private static int fd(Connection c) {
        return ((io.throng.core.transport.EpollSocket) ((EngineConnection) c).socket).fd();
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"VIRTUAL_THREADS", "PLATFORM_THREADS"})
    void aLateWakeOfAClosedConnectionLeavesTheConnectionThatReusedItsNumberAlone(Model model) throws Exception {
        Tracking echo = new Tracking(false);
        BlockingQueue<Connection> opened = echo.opened;
        Semaphore closed = echo.closed;
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
                assumeTrue(fd(first) == fd(second),
                        "the kernel gave the new connection another number");

                // what a close requested from another thread does to a connection's reader, too late
                ((EngineConnection) first).socket.shutdownToWake(false, true);
                ((EngineConnection) first).socket.shutdownToWake(true, false);

                b.setSoTimeout(5000);
                b.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
                InputStream in = b.getInputStream();
                byte[] back = in.readNBytes(10);
                assertThat(new String(back, StandardCharsets.US_ASCII)).isEqualTo("still here");
                assertThat(second.isOpen()).isTrue();
            }
        }
    }

    /**
     * A thread blocked flushing a connection whose peer does not read, while the connection's own
     * thread aborts it: the writer must wake and fail, not sleep on (a virtual thread parked for a
     * number that epoll forgot) or write into the next connection that got the same number.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"VIRTUAL_THREADS", "PLATFORM_THREADS"})
    void aWriterBlockedOnAConnectionClosedUnderItNeitherHangsNorWritesToTheNextOne(Model model) throws Exception {
        Tracking handler = new Tracking(true); // the peer's FIN: close at once, whatever another thread is writing
        BlockingQueue<Connection> opened = handler.opened;
        Semaphore closed = handler.closed;
        ServerConfig config = ServerConfig.defaults().withPort(0).withModel(model).withTransport(TransportKind.EPOLL);
        try (Server server = Server.start(config, handler)) {
            long idle = server.bufferPool().stats().lentBuffers(); // the acceptor's own
            try (Socket a = new Socket("127.0.0.1", server.port())) {
                writerBlockedThenClosed(server, a, opened, closed, model);
            }
            // The writer woke, gave its queue back and let the socket go: nothing is left lent (a
            // writer left parked on a number epoll had forgotten would hold its pinned chunks forever).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.bufferPool().stats().lentBuffers() != idle && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(server.bufferPool().stats().lentBuffers()).as("buffers still lent after every connection closed")
                    .isEqualTo(idle);
        }
    }

    private static void writerBlockedThenClosed(Server server, Socket a, BlockingQueue<Connection> opened, Semaphore closed,
                                                Model model) throws Exception {
        {
            Connection first = opened.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();

            // Another thread writes into it until it turns unwritable (a does not read). Writers never
            // wait for the socket: the connection's flusher does, blocked on the full socket outside
            // the connection's lock, which is the writer a close must not let through to a reused number.
            AtomicLong accepted = new AtomicLong();
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            Thread.Builder kind = model == Model.VIRTUAL_THREADS ? Thread.ofVirtual() : Thread.ofPlatform().daemon();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread writer = kind.start(() -> {
                for (int i = 0; i < 4096 && first.isOpen() && !stop.get(); ) {
                    if (!first.isWritable()) {
                        LockSupport.parkNanos(5_000_000); // backpressure: wait for the flusher to drain
                        continue;
                    }
                    first.write(chunk);
                    first.flush(); // never blocks: the flusher writes
                    accepted.addAndGet(chunk.length);
                    i++;
                }
            });
            long queued;
            long before = -1;
            for (int i = 0; i < 100 && ((queued = first.queuedBytes()) == 0 || queued != before); i++) {
                before = queued;
                Thread.sleep(300);
            }
            stop.set(true);
            writer.join(10_000);
            assertThat(writer.isAlive()).as("a writer never waits for the socket").isFalse();
            assertThat(first.queuedBytes()).as("the flusher is blocked on the full socket (%d B taken, open %s)",
                    accepted.get(), first.isOpen()).isPositive();
            Thread.sleep(300);
            assertThat(first.queuedBytes()).as("nothing drains while the peer does not read").isEqualTo(before);

            // b's own descriptor is taken now, so that the number the server frees goes to its next accept
            try (Socket b = new Socket()) {
                b.bind(new InetSocketAddress("127.0.0.1", 0));
                a.shutdownOutput();
                assertThat(closed.tryAcquire(10, TimeUnit.SECONDS)).as("the server closed the first connection").isTrue();
                int number = fd(first);
                Path entry = Path.of("/proc/self/fd/" + number);
                for (int i = 0; i < 100 && Files.exists(entry, LinkOption.NOFOLLOW_LINKS); i++) {
                    Thread.sleep(100); // the number is free once whoever holds it last let it go
                }
                b.connect(new InetSocketAddress("127.0.0.1", server.port()));
                Connection second = opened.poll(10, TimeUnit.SECONDS);
                assertThat(second).isNotNull();
                assumeTrue(number == fd(second), "the kernel gave the new connection another number");

                b.setSoTimeout(2000);
                b.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
                InputStream in = b.getInputStream();
                assertThat(new String(in.readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("still here");
                b.setSoTimeout(1500);
                assertThatThrownBy(in::read).as("nothing of the first connection's bytes")
                        .isInstanceOf(SocketTimeoutException.class);
                assertThat(second.isOpen()).isTrue();
            }
        }
    }

    /** Echoes, and tells which connections opened and how many closed; aborts on the peer's FIN if asked. */
    private static final class Tracking implements Handler {
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        final Semaphore closed = new Semaphore(0);
        private final boolean abortOnFin;

        Tracking(boolean abortOnFin) {
            this.abortOnFin = abortOnFin;
        }

        @Override
        public void onOpen(Connection c) {
            opened.add(c);
        }

        @Override
        public void onData(Connection c, ByteBuffer in) {
            c.write(in);
        }

        @Override
        public void onInputClosed(Connection c) {
            if (abortOnFin) {
                c.abort();
            } else {
                c.close();
            }
        }

        @Override
        public void onClose(Connection c, CloseReason reason) {
            closed.release();
        }
    }
}
