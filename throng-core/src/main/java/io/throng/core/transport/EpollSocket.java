package io.throng.core.transport;

import io.throng.core.linux.Errno;
import io.throng.core.linux.Iovec;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A raw non-blocking socket, read and written with the C library's calls through FFM. It holds its
 * descriptor, its registration and nothing else (no JDK channel, key, locks or address objects,
 * which cost an NIO connection ~580 bytes of heap): 24 bytes.
 *
 * <p>The monitor of this object guards the descriptor's validity: every call another thread may
 * make on it (epoll_ctl, the shutdown that wakes a blocked thread, its linger-0 reset,
 * getpeername) runs under it and only while the socket is not closed, and {@link #close} marks it
 * closed under it before close(2). A released number is the kernel's to give to the next
 * connection at once: a late wake-up through it once reset that connection instead
 * (EpollDescriptorReuseTest).
 */
public final class EpollSocket extends TransportSocket {
    final int fd;
    /** The epoll events registered now (with its poller), or, blocking, 0. Guarded by this. */
    private int registered;
    /** The descriptor was released (or is being released): the number is not ours. Guarded by this. */
    private boolean closed;
    /**
     * Where it waits: its {@link EpollPoller} when registered, its {@link EpollParker.Waiters} when
     * blocking (thread-per-connection), null while connecting unregistered. One field for both
     * saves a reference per connection; the two never coexist.
     */
    private Object home;

    EpollSocket(int fd) {
        this.fd = fd;
    }

    /** The descriptor number (tests that check numbers reused by the kernel). */
    public int fd() {
        return fd;
    }

    /** Called by the poller when it registers this socket. */
    synchronized void registered(EpollPoller poller, int events) {
        this.home = poller;
        this.registered = events;
    }

    /** The address of {@code b}'s index 0 (a buffer's segment starts at its position, hence the subtraction). */
    private static long address(ByteBuffer b, long base) {
        return base != 0 ? base : MemorySegment.ofBuffer(b).address() - b.position();
    }

    @Override
    public int read(Scratch scratch, ByteBuffer dst, long dstBase) throws IOException {
        EpollScratch s = EpollScratch.of(scratch);
        int pos = dst.position();
        for (;;) {
            long n = Linux.read(s.errno, fd, address(dst, dstBase) + pos, dst.limit() - pos);
            if (n > 0) {
                dst.position(pos + (int) n);
                return (int) n;
            }
            if (n == 0) {
                return dst.hasRemaining() ? -1 : 0;
            }
            if (!retry(s, (int) -n, false, "read")) {
                return 0;
            }
        }
    }

    @Override
    public long write(Scratch scratch, ByteBuffer src, long srcBase) throws IOException {
        EpollScratch s = EpollScratch.of(scratch);
        int pos = src.position();
        for (;;) {
            long n = Linux.write(s.errno, fd, address(src, srcBase) + pos, src.limit() - pos);
            if (n >= 0) {
                src.position(pos + (int) n);
                return n;
            }
            if (!retry(s, (int) -n, true, "write")) {
                return 0;
            }
        }
    }

    @Override
    public long write(Scratch scratch, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        EpollScratch s = EpollScratch.of(scratch);
        int count = Math.min(length, s.iovCapacity());
        for (int i = 0; i < count; i++) {
            ByteBuffer b = srcs[offset + i];
            Iovec.set(s.iov, i, address(b, bases[offset + i]) + b.position(), b.remaining());
        }
        long n;
        for (;;) {
            n = Linux.writev(s.errno, fd, s.iov, count);
            if (n >= 0) {
                break;
            }
            if (!retry(s, (int) -n, true, "writev")) {
                return 0;
            }
        }
        long left = n;
        for (int i = 0; i < count && left > 0; i++) {
            ByteBuffer b = srcs[offset + i];
            int k = (int) Math.min(left, b.remaining());
            b.position(b.position() + k);
            left -= k;
        }
        return n;
    }

    /**
     * A call failed with {@code errno}: true to make it again (EINTR, or EAGAIN after waiting for
     * the socket in blocking mode), false to return 0 (EAGAIN on a non-blocking socket); throws for
     * the rest.
     */
    private boolean retry(EpollScratch s, int errno, boolean write, String call) throws IOException {
        if (errno == Errno.EINTR) {
            return true;
        }
        if (errno != Errno.EAGAIN) {
            throw Errno.exception(call, errno);
        }
        if (!(home instanceof EpollParker.Waiters w)) {
            return false;
        }
        park(s, w, write);
        return true;
    }

    /**
     * Blocking mode: waits until the socket is ready. A virtual thread parks on the parker (a
     * blocking native call would pin its carrier); a platform thread may block in the kernel, so
     * it waits in {@code poll} on its own descriptor: one system call, where parking costs an
     * epoll_ctl, a futex wait, the parker's epoll_wait and its futex wake (the bench measured
     * platform threads on epoll at a third of their NIO throughput with the parker). The wait is
     * cut into one-second slices so that an interrupt is seen; a close by another thread shuts the
     * socket down, which wakes the poll at once.
     */
    private void park(EpollScratch s, EpollParker.Waiters w, boolean write) throws IOException {
        Thread me = Thread.currentThread();
        if (me.isVirtual()) {
            w.parker().await(w, write);
            return;
        }
        short wanted = write ? Linux.POLLOUT : Linux.POLLIN;
        // Return only when the socket is ready (or hung up, or closed): a retry after a mere
        // timeout could write the few bytes a full send buffer still takes below its writability
        // threshold, trickling output where the parker, and NIO, wait until there is room.
        for (;;) {
            int r = Linux.pollOne(s.errno, s.small, fd, wanted, 1000);
            if (r > 0) {
                return;
            }
            if (r < 0 && -r != Errno.EINTR) {
                throw Errno.exception("poll", -r);
            }
            if (me.isInterrupted()) {
                throw new InterruptedIOException("interrupted while waiting for the socket");
            }
            synchronized (this) {
                if (closed) {
                    return; // the next read or write reports it
                }
            }
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        int r = shutdownWhileOurs(Linux.SHUT_WR, false);
        if (r < 0 && -r != Errno.ENOTCONN) {
            throw Errno.exception("shutdown", -r);
        }
    }

    @Override
    public void shutdownToWake(boolean graceful, boolean reset) {
        shutdownWhileOurs(graceful ? Linux.SHUT_RD : Linux.SHUT_RDWR, !graceful && reset);
    }

    /**
     * shutdown(2) with {@code how} (after a linger-0 setting if {@code reset}); returns its
     * result, or 0 if the socket is closed already. Under the monitor and only while ours.
     */
    private int shutdownWhileOurs(int how, boolean reset) {
        EpollScratch s = EpollScratch.of(null);
        synchronized (this) {
            if (closed) {
                return 0;
            }
            if (reset) {
                Linux.setLinger(s.errno, fd, true, 0, s.small);
            }
            return Linux.shutdown(s.errno, fd, how);
        }
    }

    @Override
    public void close(boolean reset) {
        EpollScratch s = EpollScratch.of(null);
        Object where;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            where = home;
            // Forgotten while the number is still ours: no other registration can hold it yet.
            if (where instanceof EpollPoller p) {
                p.forget(fd);
            } else if (where instanceof EpollParker.Waiters w) {
                w.parker().forget(w);
            }
        }
        if (reset) {
            Linux.setLinger(s.errno, fd, true, 0, s.small);
        }
        Linux.close(s.errno, fd);
    }

    @Override
    public boolean setInterest(int ops) {
        int events = (ops & Interest.READ) != 0 ? Linux.EPOLLIN | Linux.EPOLLRDHUP : 0;
        if ((ops & Interest.WRITE) != 0) {
            events |= Linux.EPOLLOUT;
        }
        EpollScratch s = EpollScratch.of(null);
        synchronized (this) {
            if (events == registered || closed || !(home instanceof EpollPoller p)) {
                return false;
            }
            registered = events;
            // under the monitor: a close by another thread in between would leave the number free
            // for a new connection, maybe one in this same set, whose interest this would change
            Linux.epollCtl(s.errno, p.epfd, Linux.EPOLL_CTL_MOD, fd, events | p.mode, s.event);
        }
        return true;
    }

    @Override
    public synchronized void disarmed() {
        registered = 0;
    }

    @Override
    public int available() {
        EpollScratch s = EpollScratch.of(null);
        synchronized (this) {
            return closed ? 0 : Math.max(0, Linux.available(s.errno, fd, s.small));
        }
    }

    @Override
    public SocketAddress remoteAddress() {
        return name(true);
    }

    @Override
    public SocketAddress localAddress() {
        return name(false);
    }

    private synchronized SocketAddress name(boolean peer) {
        return closed ? null : EpollTransport.socketName(fd, peer);
    }

    @Override
    public boolean finishConnect() throws IOException {
        EpollTransport.finishConnect(fd);
        return true;
    }

    @Override
    public void makeBlocking(Parker parker) {
        synchronized (this) {
            home = ((EpollParker) parker).waitersFor(fd);
            registered = 0;
        }
    }

    @Override
    public boolean isBlocking() {
        return home instanceof EpollParker.Waiters;
    }

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
