package io.throng.core.engine;

import io.throng.core.config.SocketOptions;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Socket set-up for the epoll transport. */
final class EpollSockets {
    private EpollSockets() {
    }

    /** Options every accepted or connected socket gets. */
    static void configure(EpollScratch s, int fd, SocketOptions o) {
        Linux.setInt(s.errno, fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, o.tcpNoDelay() ? 1 : 0, s.small);
        if (o.receiveBufferSize() > 0) {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, o.receiveBufferSize(), s.small);
        }
        if (o.sendBufferSize() > 0) {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, o.sendBufferSize(), s.small);
        }
    }

    /** A non-blocking listening socket; with {@code reusePort} several can bind one port. */
    static int listen(InetSocketAddress address, SocketOptions o, boolean reusePort) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        int family = address.getAddress() instanceof Inet6Address ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        int fd = EpollLoop.check(Linux.socket(s.errno, family), "socket");
        try {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, s.small);
            if (reusePort || o.reusePort()) {
                EpollLoop.check(Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, s.small), "SO_REUSEPORT");
            }
            if (o.receiveBufferSize() > 0) {
                Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, o.receiveBufferSize(), s.small);
            }
            int len = SockAddr.encode(address, s.sockaddr);
            int r = Linux.bind(s.errno, fd, s.sockaddr, len);
            if (r < 0) {
                throw new java.net.BindException(Errno.message(-r) + " (" + address + ")");
            }
            EpollLoop.check(Linux.listen(s.errno, fd, o.backlog()), "listen");
            return fd;
        } catch (IOException | RuntimeException e) {
            Linux.close(s.errno, fd);
            throw e;
        }
    }

    static InetSocketAddress localAddress(int fd) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        EpollLoop.check(Linux.socketName(s.errno, fd, false, s.sockaddr, s.sockaddrLength), "getsockname");
        return SockAddr.decode(s.sockaddr);
    }

    static void close(int fd) {
        Linux.close(EpollScratch.of(null).errno, fd);
    }
}
