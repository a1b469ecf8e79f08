package io.throng.core.transport;

import io.throng.core.config.SocketOptions;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.net.InetSocketAddress;

/** A non-blocking listening socket in an {@link EpollPoller}'s set. */
public final class EpollListenSocket extends ListenSocket {
    final int fd;
    private final SocketOptions options;
    private final InetSocketAddress address;
    /** Set when added to a poller (its thread accepts). */
    EpollPoller poller;
    private volatile boolean open = true;

    EpollListenSocket(int fd, SocketOptions options, InetSocketAddress address) {
        this.fd = fd;
        this.options = options;
        this.address = address;
    }

    @Override
    public TransportSocket accept(Scratch scratch) throws IOException {
        EpollScratch s = EpollScratch.of(scratch);
        int r = Linux.accept(s.errno, fd);
        if (r >= 0) {
            EpollTransport.configureAccepted(s, r, options);
            return new EpollSocket(r);
        }
        int errno = -r;
        if (errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ECONNABORTED || !open) {
            return null;
        }
        throw Errno.exception("accept4", errno);
    }

    @Override
    public void acceptInterest(boolean on) {
        EpollPoller p = poller;
        if (open && p != null) {
            EpollScratch s = EpollScratch.of(null);
            Linux.epollCtl(s.errno, p.epfd, Linux.EPOLL_CTL_MOD, fd, on ? Linux.EPOLLIN : 0, s.event);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public synchronized void close() {
        if (!open) {
            return;
        }
        open = false;
        if (poller != null) {
            poller.forget(fd);
        }
        Linux.close(EpollScratch.of(null).errno, fd);
    }

    @Override
    public String toString() {
        return String.valueOf(address);
    }
}
