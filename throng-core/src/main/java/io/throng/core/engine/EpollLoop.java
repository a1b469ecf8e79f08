package io.throng.core.engine;

import io.throng.core.Connection;
import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/**
 * An event loop on its own epoll set, through FFM. Level-triggered, as Netty 4.2's epoll transport
 * is (edge-triggered saved little and cost correctness, netty#14031); with a worker pool the
 * connections are registered EPOLLONESHOT instead, so that the kernel disarms a connection when it
 * reports it and claiming it for a worker costs no system call. Wake-ups go through an eventfd.
 *
 * <p>The epoll data of each registration is the descriptor, and the loop finds what it belongs to
 * in an array indexed by descriptor (descriptors are small, dense integers): no map, no boxing.
 * The event array is loop-owned and reused.
 */
final class EpollLoop extends EventLoop implements EpollSet {
    /** Events taken per epoll_wait; a full batch just means another wait right after. */
    private static final int MAX_EVENTS = 1024;

    final int epfd;
    private final int wakeFd;
    private final MemorySegment events;
    private final MemorySegment wakeValue;
    /** What each registered descriptor belongs to: a connection, a listener or a pending connect. */
    private Object[] byFd = new Object[1024];
    private final int connectionMode;
    private EpollScratch scratch;

    EpollLoop(int index, Engine engine, WorkerPool pool, String threadName) throws IOException {
        super(index, engine, pool, threadName);
        EpollScratch s = EpollScratch.of(null);
        this.epfd = check(Linux.epollCreate(s.errno), "epoll_create1");
        this.wakeFd = check(Linux.eventfd(s.errno), "eventfd");
        Arena arena = Arena.ofAuto();
        this.events = arena.allocate(EpollEvent.SIZE * MAX_EVENTS, 8);
        this.wakeValue = arena.allocate(8, 8);
        this.wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.connectionMode = pool == null ? 0 : Linux.EPOLLONESHOT;
        check(Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, wakeFd, Linux.EPOLLIN, s.event), "epoll_ctl(eventfd)");
    }

    static int check(int r, String call) throws IOException {
        if (r < 0) {
            throw Errno.exception(call, -r);
        }
        return r;
    }

    private EpollScratch scratch() {
        EpollScratch s = scratch;
        if (s == null) {
            s = EpollScratch.of(ctx);
            scratch = s;
        }
        return s;
    }

    @Override
    void poll(long timeoutMillis) throws IOException {
        EpollScratch s = scratch();
        int n = Linux.epollWait(s.errno, epfd, events, MAX_EVENTS, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        if (n < 0) {
            if (-n == Errno.EINTR) {
                return;
            }
            throw Errno.exception("epoll_wait", -n);
        }
        for (int i = 0; i < n; i++) {
            int fd = EpollEvent.fd(events, i);
            int ev = EpollEvent.events(events, i);
            if (fd == wakeFd) {
                Linux.read(s.errno, wakeFd, wakeValue.address(), 8);
                wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
                continue;
            }
            Object a = fd < byFd.length ? byFd[fd] : null;
            if (a instanceof EpollConnection c) {
                if (connectionMode != 0) {
                    c.disarmed();
                }
                if ((ev & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0) {
                    c.hangUp((ev & Linux.EPOLLERR) != 0);
                }
                ready(c);
            } else if (a instanceof EpollListener l) {
                l.onAcceptable();
            } else if (a instanceof EpollPendingConnect p) {
                p.onConnectable(this, ev);
            }
        }
    }

    @Override
    void wakeupPoller() {
        // Any thread: eventfd takes an 8-byte add; the loop drains it.
        EpollScratch s = EpollScratch.of(null);
        MemorySegment one = s.small;
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        Linux.write(s.errno, wakeFd, one.address(), 8);
    }

    @Override
    boolean needsWakeupForInterest() {
        return false; // epoll_ctl takes effect at once, even while the loop waits
    }

    @Override
    void closePoller() {
        EpollScratch s = scratch();
        Linux.close(s.errno, wakeFd);
        Linux.close(s.errno, epfd);
    }

    /** Makes {@code fd} belong to {@code owner} in this loop. Loop thread. */
    void bind(int fd, Object owner) {
        if (fd >= byFd.length) {
            byFd = Arrays.copyOf(byFd, Math.max(fd + 1, byFd.length * 2));
        }
        byFd[fd] = owner;
    }

    @Override
    public int epfd() {
        return epfd;
    }

    /** {@code fd} is being closed by {@code owner}. Any thread; only clears the entry if it is still owner's. */
    @Override
    public void forget(int fd, Object owner) {
        Object[] table = byFd;
        if (fd < table.length && table[fd] == owner) {
            table[fd] = null;
        }
    }

    @Override
    void adopt(Object socket) {
        int fd = (Integer) socket;
        EpollScratch s = scratch();
        EpollSockets.configure(s, fd, engine.socket);
        int events = Linux.EPOLLIN | Linux.EPOLLRDHUP;
        EpollConnection c = new EpollConnection(engine, owner, fd, this, connectionMode, events);
        bind(fd, c);
        int r = Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, fd, events | connectionMode, s.event);
        if (r < 0) {
            forget(fd, c);
            Linux.close(s.errno, fd);
            registrationFailed(Errno.exception("epoll_ctl", -r));
            return;
        }
        registered(c);
    }

    @Override
    void reject(Object socket) {
        Linux.close(scratch().errno, (Integer) socket);
    }

    @Override
    void connect(InetSocketAddress remote, InetSocketAddress local, Object attachment, CompletableFuture<Connection> future,
                 long timeoutNanos) {
        EpollScratch s = scratch();
        int fd = Linux.socket(s.errno, remote.getAddress() instanceof java.net.Inet6Address ? SockAddr.AF_INET6 : SockAddr.AF_INET);
        try {
            if (fd < 0) {
                throw Errno.exception("socket", -fd);
            }
            EpollSockets.configure(s, fd, engine.socket);
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
            EpollPendingConnect p = new EpollPendingConnect(fd, this, attachment, future, System.nanoTime() + timeoutNanos);
            bind(fd, p);
            int rr = Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, fd, Linux.EPOLLOUT, s.event);
            if (rr < 0) {
                forget(fd, p);
                throw Errno.exception("epoll_ctl", -rr);
            }
            addPending(p);
        } catch (IOException | RuntimeException e) {
            if (fd >= 0) {
                Linux.close(s.errno, fd);
            }
            engine.metrics.connections.decrementAndGet();
            future.completeExceptionally(e);
        }
    }

    /** A client socket connected: it becomes a connection of this loop, reading. */
    void established(EpollPendingConnect p) {
        EpollScratch s = scratch();
        int events = Linux.EPOLLIN | Linux.EPOLLRDHUP;
        EpollConnection c = new EpollConnection(engine, owner, p.fd, this, connectionMode, events);
        bind(p.fd, c);
        Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_MOD, p.fd, events | connectionMode, s.event);
        connected(p, c);
    }

    EpollScratch loopScratch() {
        return scratch();
    }
}
