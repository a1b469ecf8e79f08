package io.throng.core.engine;

import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;

/** A non-blocking listening socket in an {@link EpollLoop}'s set. */
final class EpollListener extends Listener {
    private final int fd;
    private final String address;
    private volatile boolean open = true;

    EpollListener(EpollLoop loop, int fd, String address, EventLoop[] targets, AdmissionGate gate) {
        super(loop, targets, gate);
        this.fd = fd;
        this.address = address;
    }

    private EpollLoop epoll() {
        return (EpollLoop) loop;
    }

    @Override
    void registerSocket() throws IOException {
        EpollScratch s = epoll().loopScratch();
        epoll().bind(fd, this);
        EpollLoop.check(Linux.epollCtl(s.errno, epoll().epfd, Linux.EPOLL_CTL_ADD, fd, Linux.EPOLLIN, s.event), "epoll_ctl");
    }

    @Override
    Object acceptOne() throws IOException {
        int r = Linux.accept(epoll().loopScratch().errno, fd);
        if (r >= 0) {
            return r;
        }
        int errno = -r;
        if (errno == Errno.EAGAIN || errno == Errno.EINTR || errno == Errno.ECONNABORTED) {
            return null;
        }
        throw Errno.exception("accept4", errno);
    }

    @Override
    void acceptInterest(boolean on) {
        if (open) {
            EpollScratch s = epoll().loopScratch();
            Linux.epollCtl(s.errno, epoll().epfd, Linux.EPOLL_CTL_MOD, fd, on ? Linux.EPOLLIN : 0, s.event);
        }
    }

    @Override
    boolean isOpen() {
        return open;
    }

    @Override
    String localAddress() {
        return address;
    }

    @Override
    void closeSocket() {
        if (!open) {
            return;
        }
        open = false;
        epoll().forget(fd, this);
        Linux.close(epoll().loopScratch().errno, fd);
    }
}
