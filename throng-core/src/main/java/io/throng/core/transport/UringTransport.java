package io.throng.core.transport;

import io.throng.core.buffer.BufferPool;
import io.throng.core.config.Model;
import io.throng.core.config.SocketOptions;
import io.throng.core.config.TransportKind;
import io.throng.core.linux.SockAddr;
import io.throng.core.linux.Uring;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Linux io_uring through the Foreign Function &amp; Memory API (package {@code io.throng.core.linux}):
 * a completion transport behind the same seam as epoll. Its loops make one {@code io_uring_enter} a
 * turn for all their sockets' sends, receives and accepts, where epoll makes a system call for
 * each. It runs the reactor models, the worker pool (whose workers read and write what the loop
 * receives and sends), the prefork workers running them and the clients; models whose threads
 * block on a socket, or share a readiness set, run on epoll ({@link #misfit}).
 *
 * <p>Sockets are made, bound and connected with the same calls as epoll's; the ring then does the
 * moving. Outbox chunks come from a pool of the transport's own (the engine's pool is above this
 * layer), trimmed to 8 MiB of free chunks.
 */
public final class UringTransport implements Transport {
    private static final UringTransport INSTANCE = new UringTransport();
    private final BufferPool outboxes = new BufferPool(8L << 20);

    private UringTransport() {
    }

    static UringTransport instance() {
        if (!Uring.available()) {
            throw new IllegalStateException("transport io_uring cannot run: " + Uring.unavailableReason());
        }
        return INSTANCE;
    }

    /**
     * Why loops of {@code model} (null: a client's) cannot run on io_uring, as the end of a sentence
     * after "io_uring", or null if they can: its loops must own their sockets, so models whose
     * threads block on a socket, or that share one readiness set between threads, cannot.
     */
    static String misfit(Model model) {
        if (model == null) {
            return null;
        }
        return switch (model) {
            case SINGLE_REACTOR, MULTI_REACTOR, WORKER_POOL -> null;
            case LEADER_FOLLOWER -> "does not run leader-follower: its threads take turns waiting on one shared"
                    + " readiness set, and a ring has one issuer";
            case VIRTUAL_THREADS, PLATFORM_THREADS -> "does not run " + model.id() + ": its threads block on"
                    + " their sockets, and io_uring sockets do not block";
        };
    }

    @Override
    public TransportKind kind() {
        return TransportKind.IO_URING;
    }

    @Override
    public Poller openPoller(boolean oneShot, int eventsPerWait) throws IOException {
        // one-shot: the worker pool's loops, each polled by its own thread (leader-follower's sets,
        // polled by several threads at once, are refused before this: a ring has one issuer)
        return new UringPoller(outboxes, oneShot);
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, SocketOptions o, boolean reusePort) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        int fd = EpollTransport.openListener(s, address, o, reusePort);
        return new UringListenSocket(fd, o, SockAddr.decode(s.sockaddr));
    }

    @Override
    public TransportSocket connect(Scratch scratch, InetSocketAddress remote, InetSocketAddress local, SocketOptions o)
            throws IOException {
        return new UringSocket(EpollTransport.startConnect(EpollScratch.of(scratch), remote, local, o));
    }

    @Override
    public Scratch newScratch(int iovCapacity) {
        return new EpollScratch(iovCapacity);
    }

    @Override
    public Parker newParker(String name) throws IOException {
        throw new IOException("io_uring sockets do not block: thread-per-connection models run on epoll or nio");
    }

    @Override
    public boolean sharedOneShotSets() {
        return false;
    }
}
