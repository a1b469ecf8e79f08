package io.throng.core.transport;

import io.throng.core.config.SocketOptions;
import io.throng.core.config.TransportKind;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.lang.foreign.ValueLayout;

/**
 * Linux epoll and the socket calls through the Foreign Function &amp; Memory API (package
 * {@code io.throng.core.linux}): no JNI, no JDK channel objects, reused native arrays.
 */
public final class EpollTransport implements Transport {
    private static final EpollTransport INSTANCE = new EpollTransport();

    private EpollTransport() {
    }

    static EpollTransport instance() {
        if (!Linux.available()) {
            throw new IllegalStateException("transport epoll cannot run: " + Linux.unavailableReason());
        }
        return INSTANCE;
    }

    @Override
    public TransportKind kind() {
        return TransportKind.EPOLL;
    }

    @Override
    public Poller openPoller(boolean oneShot, int eventsPerWait) throws IOException {
        return new EpollPoller(oneShot, EpollPoller.batch(eventsPerWait));
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, SocketOptions o, boolean reusePort) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        int fd = openListener(s, address, o, reusePort);
        return new EpollListenSocket(fd, o, SockAddr.decode(s.sockaddr));
    }

    /**
     * A bound, listening, non-blocking socket (its address left in {@code s.sockaddr}): the epoll
     * and io_uring transports' listeners alike.
     */
    static int openListener(EpollScratch s, InetSocketAddress address, SocketOptions o, boolean reusePort)
            throws IOException {
        int family = address.getAddress() instanceof Inet6Address ? SockAddr.AF_INET6 : SockAddr.AF_INET;
        int fd = check(Linux.socket(s.errno, family), "socket");
        try {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_REUSEADDR, 1, s.small);
            if (reusePort || o.reusePort()) {
                check(Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, s.small), "SO_REUSEPORT");
            }
            if (o.receiveBufferSize() > 0) {
                Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, o.receiveBufferSize(), s.small);
            }
            // accepted sockets inherit it (Linux clones them from the listener): one system call
            // less for every connection (configureAccepted)
            Linux.setInt(s.errno, fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, o.tcpNoDelay() ? 1 : 0, s.small);
            int len = SockAddr.encode(address, s.sockaddr);
            int r = Linux.bind(s.errno, fd, s.sockaddr, len);
            if (r < 0) {
                throw new BindException(Errno.message(-r) + " (" + address + ")");
            }
            check(Linux.listen(s.errno, fd, o.backlog()), "listen");
            check(Linux.socketName(s.errno, fd, false, s.sockaddr, s.sockaddrLength), "getsockname");
            return fd;
        } catch (IOException | RuntimeException e) {
            Linux.close(s.errno, fd);
            throw e;
        }
    }

    @Override
    public TransportSocket connect(Scratch scratch, InetSocketAddress remote, InetSocketAddress local, SocketOptions o)
            throws IOException {
        return new EpollSocket(startConnect(EpollScratch.of(scratch), remote, local, o));
    }

    /** A non-blocking socket whose connect to {@code remote} is under way (or done). */
    static int startConnect(EpollScratch s, InetSocketAddress remote, InetSocketAddress local, SocketOptions o)
            throws IOException {
        int fd = check(Linux.socket(s.errno, remote.getAddress() instanceof Inet6Address ? SockAddr.AF_INET6 : SockAddr.AF_INET),
                "socket");
        try {
            configure(s, fd, o);
            if (local != null) {
                if (local.getPort() == 0) {
                    // Choose the source address now but the port at connect time: bind(port 0) searches
                    // the whole bind table for a free port, which gets slower with every socket bound
                    // (15,000 connections took 20 s of kernel time); connect picks by the 4-tuple.
                    Linux.setInt(s.errno, fd, Linux.IPPROTO_IP, Linux.IP_BIND_ADDRESS_NO_PORT, 1, s.small);
                }
                int len = SockAddr.encode(local, s.sockaddr);
                int r = Linux.bind(s.errno, fd, s.sockaddr, len);
                if (r < 0) {
                    throw Errno.exception("bind", -r);
                }
            }
            int len = SockAddr.encode(remote, s.sockaddr);
            int r = Linux.connect(s.errno, fd, s.sockaddr, len);
            if (r < 0 && -r != Errno.EINPROGRESS) {
                throw Errno.exception("connect", -r);
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            Linux.close(s.errno, fd);
            throw e;
        }
    }

    @Override
    public Scratch newScratch(int iovCapacity) {
        return new EpollScratch(iovCapacity);
    }

    @Override
    public Parker newParker(String name) throws IOException {
        return new EpollParker(name);
    }

    @Override
    public boolean sharedOneShotSets() {
        return true;
    }

    /** Options every accepted or connected socket gets. */
    /**
     * Options of a socket accepted from a listener opened by {@link #openListener}: TCP_NODELAY and
     * SO_RCVBUF came with it from the listener, so only the send buffer is left.
     */
    static void configureAccepted(EpollScratch s, int fd, SocketOptions o) {
        if (o.sendBufferSize() > 0) {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, o.sendBufferSize(), s.small);
        }
    }

    static void configure(EpollScratch s, int fd, SocketOptions o) {
        Linux.setInt(s.errno, fd, Linux.IPPROTO_TCP, Linux.TCP_NODELAY, o.tcpNoDelay() ? 1 : 0, s.small);
        if (o.receiveBufferSize() > 0) {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_RCVBUF, o.receiveBufferSize(), s.small);
        }
        if (o.sendBufferSize() > 0) {
            Linux.setInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_SNDBUF, o.sendBufferSize(), s.small);
        }
    }

    /** The local or peer address of socket {@code fd}, or null. Its owner keeps the number valid meanwhile. */
    static SocketAddress socketName(int fd, boolean peer) {
        EpollScratch s = EpollScratch.of(null);
        if (Linux.socketName(s.errno, fd, peer, s.sockaddr, s.sockaddrLength) < 0) {
            return null;
        }
        return SockAddr.decode(s.sockaddr);
    }

    /** A non-blocking connect on {@code fd} finished: throws what it failed with (SO_ERROR). */
    static void finishConnect(int fd) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        int error = Linux.getInt(s.errno, fd, Linux.SOL_SOCKET, Linux.SO_ERROR, s.small);
        if (error < 0) {
            error = -error;
        }
        if (error != 0) {
            throw Errno.exception("connect", error);
        }
    }

    /** Adds 1 to eventfd {@code fd}: wakes what waits on it. Any thread. */
    static void signal(int fd) {
        EpollScratch s = EpollScratch.of(null);
        s.small.set(ValueLayout.JAVA_LONG, 0, 1L);
        Linux.write(s.errno, fd, s.small.address(), 8);
    }

    static int check(int r, String call) throws IOException {
        if (r < 0) {
            throw Errno.exception(call, -r);
        }
        return r;
    }
}
