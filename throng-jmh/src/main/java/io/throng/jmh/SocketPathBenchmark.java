package io.throng.jmh;

import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The echo path's two system calls, through FFM (what the epoll transport does) and through NIO
 * (what the JDK's SocketChannel does): write 8 bytes on one end of a loopback connection, read
 * them on the other, and for a batch, one gathering write of 4 buffers. Both ends are non-blocking
 * sockets in this thread. With {@code -prof gc} it also shows what each path allocates per call.
 *
 * <pre>scripts/jmh.sh SocketPathBenchmark -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseCompactObjectHeaders"})
public class SocketPathBenchmark {
    // NIO
    private ServerSocketChannel listener;
    private SocketChannel nioA;
    private SocketChannel nioB;
    private final ByteBuffer nioOut = ByteBuffer.allocateDirect(64);
    private final ByteBuffer nioIn = ByteBuffer.allocateDirect(64);
    private final ByteBuffer[] nioGather = new ByteBuffer[4];

    // FFM
    private int listenFd;
    private int ffmA;
    private int ffmB;
    private MemorySegment err;
    private MemorySegment out;
    private MemorySegment in;
    private MemorySegment iov;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        nioA = SocketChannel.open(listener.getLocalAddress());
        nioB = listener.accept();
        for (SocketChannel c : new SocketChannel[] {nioA, nioB}) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.configureBlocking(false);
        }
        for (int i = 0; i < nioGather.length; i++) {
            nioGather[i] = ByteBuffer.allocateDirect(16);
        }

        if (!Linux.available()) {
            throw new IllegalStateException(Linux.unavailableReason());
        }
        Arena arena = Arena.ofAuto();
        err = Linux.newErrnoSegment();
        out = arena.allocate(64, 8);
        in = arena.allocate(64, 8);
        iov = arena.allocate(16 * 4, 8);
        MemorySegment addr = arena.allocate(SockAddr.SIZE, 8);
        MemorySegment len = arena.allocate(4, 4);
        listenFd = check(Linux.socket(err, SockAddr.AF_INET));
        int alen = SockAddr.encode(new InetSocketAddress("127.0.0.1", 0), addr);
        check(Linux.bind(err, listenFd, addr, alen));
        check(Linux.listen(err, listenFd, 16));
        check(Linux.socketName(err, listenFd, false, addr, len));
        ffmA = check(Linux.socket(err, SockAddr.AF_INET));
        int r = Linux.connect(err, ffmA, addr, alen);
        if (r < 0 && -r != Errno.EINPROGRESS) {
            throw Errno.exception("connect", -r);
        }
        do {
            ffmB = Linux.accept(err, listenFd);
        } while (ffmB == -Errno.EAGAIN);
        check(ffmB);
        MemorySegment one = arena.allocate(8, 8);
        for (int fd : new int[] {ffmA, ffmB}) {
            Linux.setInt(err, fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, 1, one);
        }
        for (int i = 0; i < 4; i++) {
            io.throng.core.linux.Iovec.set(iov, i, out.address() + i * 16L, 16);
        }
    }

    private static int check(int r) throws IOException {
        if (r < 0) {
            throw Errno.exception("setup", -r);
        }
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        nioA.close();
        nioB.close();
        listener.close();
        for (int fd : new int[] {ffmA, ffmB, listenFd}) {
            Linux.close(err, fd);
        }
    }

    /** NIO: SocketChannel.write of 8 bytes, then SocketChannel.read of them on the other end. */
    @Benchmark
    public int nioWriteThenRead() throws IOException {
        nioOut.clear().limit(8);
        nioA.write(nioOut);
        nioIn.clear().limit(8);
        int got = 0;
        while (got < 8) {
            got += nioB.read(nioIn);
        }
        return got;
    }

    /** FFM: write(2) of 8 bytes, then read(2) of them on the other end. */
    @Benchmark
    public long ffmWriteThenRead() throws IOException {
        Linux.write(err, ffmA, out.address(), 8);
        long got = 0;
        while (got < 8) {
            long n = Linux.read(err, ffmB, in.address() + got, 8 - got);
            if (n > 0) {
                got += n;
            }
        }
        return got;
    }

    /** NIO: one gathering write of 4 x 16 bytes, read back. */
    @Benchmark
    public long nioGatheringWrite() throws IOException {
        for (ByteBuffer b : nioGather) {
            b.clear();
        }
        nioA.write(nioGather, 0, 4);
        nioIn.clear();
        long got = 0;
        while (got < 64) {
            got += nioB.read(nioIn);
        }
        return got;
    }

    /** FFM: writev(2) of 4 x 16 bytes, read back. */
    @Benchmark
    public long ffmWritev() throws IOException {
        Linux.writev(err, ffmA, iov, 4);
        long got = 0;
        while (got < 64) {
            long n = Linux.read(err, ffmB, in.address() + got, 64 - got);
            if (n > 0) {
                got += n;
            }
        }
        return got;
    }
}
