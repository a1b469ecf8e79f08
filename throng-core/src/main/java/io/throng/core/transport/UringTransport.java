package io.throng.core.transport;

import io.throng.core.buffer.BufferPool;
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
 * each. It runs the reactor models (single- and multi-reactor, and the prefork workers running
 * them); models whose threads block on a socket, or share a readiness set, run on epoll.
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

    @Override
    public TransportKind kind() {
        return TransportKind.IO_URING;
    }

    @Override
    public Poller openPoller(boolean oneShot, int eventsPerWait) throws IOException {
        if (oneShot) {
            throw new IOException("the io_uring transport runs loops that own their connections; one-shot"
                    + " sets (worker-pool, leader-follower) run on epoll");
        }
        return new UringPoller(outboxes);
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
