package io.throng.core.engine;

import io.throng.core.linux.Errno;
import io.throng.core.linux.Iovec;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A connection over a raw non-blocking socket, read and written with the C library's calls through
 * FFM. Holds its descriptor and its registration state: nothing else per connection (no JDK
 * channel, key, locks or address objects, which cost an NIO connection ~580 bytes of heap).
 *
 * <p>Only the connection's serial context closes the descriptor: closing it from another thread
 * could let a new connection reuse the number while this one still uses it. Other threads shut the
 * socket down instead, which wakes whoever waits on it.
 */
final class EpollConnection extends ConnectionImpl {
    final int fd;
    /** The set this connection is registered in (null for a parked, thread-per-connection one). */
    private final EpollSet set;
    /** epoll registration flags: EPOLLONESHOT for the models where the kernel disarms on each event. */
    private final int mode;
    /** The events registered with epoll now. Guarded by this. */
    private int registered;
    /** The descriptor is released (or being released): its number is no longer ours. Guarded by this. */
    private boolean closed;
    /** closeSocket found a blocking flush writing: the flusher releases the descriptor. Guarded by this. */
    private boolean closeDeferred;
    private boolean deferredReset;
    /** Thread-per-connection: the parker that blocks this connection's threads; null under a loop. */
    private final EpollParker parker;
    private final EpollParker.Waiters waiters;

    EpollConnection(Engine engine, Owner owner, int fd, EpollSet set, int mode, int registered) {
        super(engine, owner);
        this.fd = fd;
        this.set = set;
        this.mode = mode;
        this.registered = registered;
        this.parker = null;
        this.waiters = null;
    }

    /** A blocking connection: its thread parks on {@code parker} when the socket would block. */
    EpollConnection(Engine engine, Owner owner, int fd, EpollParker parker) {
        super(engine, owner);
        this.fd = fd;
        this.set = null;
        this.mode = 0;
        this.parker = parker;
        this.waiters = parker.waitersFor(fd);
    }

    /**
     * Blocking mode: wait until the socket is ready for {@code events}. A virtual thread parks on
     * the parker (a blocking native call would pin its carrier); a platform thread may block in
     * the kernel, so it waits in {@code poll} on its own descriptor: one system call, where parking
     * costs an epoll_ctl, a futex wait, the parker's epoll_wait and its futex wake (the bench
     * measured platform threads on epoll at a third of their NIO throughput with the parker). The
     * wait is cut into one-second slices so that an interrupt is seen; a close by another thread
     * shuts the socket down, which wakes the poll at once.
     */
    private void park(IoContext ctx, int events) throws IOException {
        Thread me = Thread.currentThread();
        if (me.isVirtual()) {
            parker.await(waiters, events == Linux.EPOLLOUT);
            return;
        }
        EpollScratch s = EpollScratch.of(ctx);
        short wanted = events == Linux.EPOLLOUT ? Linux.POLLOUT : Linux.POLLIN;
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
                throw new java.io.InterruptedIOException("interrupted while waiting for the socket");
            }
            synchronized (this) {
                if (closed) {
                    return; // the next read or write reports it
                }
            }
        }
    }

    /** The address of {@code b}'s index 0 (a buffer's segment starts at its position, hence the subtraction). */
    private static long address(ByteBuffer b, long base) {
        return base != 0 ? base : MemorySegment.ofBuffer(b).address() - b.position();
    }

    @Override
    int readSocket(IoContext ctx, ByteBuffer dst, long dstBase) throws IOException {
        MemorySegment err = EpollScratch.of(ctx).errno;
        int pos = dst.position();
        for (;;) {
            long n = Linux.read(err, fd, address(dst, dstBase) + pos, dst.limit() - pos);
            if (n > 0) {
                dst.position(pos + (int) n);
                return (int) n;
            }
            if (n == 0) {
                return dst.hasRemaining() ? -1 : 0;
            }
            int errno = (int) -n;
            if (errno == Errno.EAGAIN) {
                if (parker == null) {
                    return 0;
                }
                park(ctx, Linux.EPOLLIN);
            } else if (errno != Errno.EINTR) {
                throw Errno.exception("read", errno);
            }
        }
    }

    @Override
    long writeSocket(IoContext ctx, ByteBuffer src, long srcBase) throws IOException {
        MemorySegment err = EpollScratch.of(ctx).errno;
        int pos = src.position();
        for (;;) {
            long n = Linux.write(err, fd, address(src, srcBase) + pos, src.limit() - pos);
            if (n >= 0) {
                src.position(pos + (int) n);
                return n;
            }
            int errno = (int) -n;
            if (errno == Errno.EAGAIN) {
                if (parker == null) {
                    return 0;
                }
                park(ctx, Linux.EPOLLOUT);
            } else if (errno != Errno.EINTR) {
                throw Errno.exception("write", errno);
            }
        }
    }

    @Override
    long writeSocket(IoContext ctx, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        EpollScratch s = EpollScratch.of(ctx);
        int count = Math.min(length, s.iovCapacity);
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
            int errno = (int) -n;
            if (errno == Errno.EAGAIN) {
                if (parker == null) {
                    return 0;
                }
                park(ctx, Linux.EPOLLOUT);
            } else if (errno != Errno.EINTR) {
                throw Errno.exception("writev", errno);
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

    @Override
    void shutdownOutputSocket() throws IOException {
        int r = shutdownWhileOurs(Linux.SHUT_WR, false);
        if (r < 0 && -r != Errno.ENOTCONN) {
            throw Errno.exception("shutdown", -r);
        }
    }

    /**
     * Closes the descriptor, unless a blocking flush by another thread is writing through it
     * outside the monitor: closing it now would free the number for the next accepted connection,
     * which that writer's next write (or poll) would then reach. The socket is shut down instead,
     * which wakes the writer and fails its write at once, and the writer closes it on its way out
     * ({@link #flushEnded}), as the JDK defers a channel's close past its blocked threads.
     */
    @Override
    void closeSocket(boolean reset) {
        EpollScratch s = EpollScratch.of(currentContext());
        synchronized (this) {
            if (closed || closeDeferred) {
                return;
            }
            if ((flags() & FLUSHING) != 0) {
                closeDeferred = true;
                deferredReset = reset;
                if (reset) {
                    Linux.setLinger(s.errno, fd, true, 0, s.small);
                }
                Linux.shutdown(s.errno, fd, Linux.SHUT_RDWR);
                return;
            }
            closed = true;
        }
        release(s, reset);
    }

    @Override
    void flushEnded() {
        boolean reset;
        synchronized (this) {
            if (!closeDeferred || closed || (flags() & FLUSHING) != 0) {
                return;
            }
            closed = true;
            reset = deferredReset;
        }
        release(EpollScratch.of(null), reset);
    }

    /** Gives the descriptor back; the caller marked it closed under the monitor. */
    private void release(EpollScratch s, boolean reset) {
        if (reset) {
            Linux.setLinger(s.errno, fd, true, 0, s.small);
        }
        if (set != null) {
            set.forget(fd, this);
        }
        if (parker != null) {
            parker.forget(waiters);
        }
        Linux.close(s.errno, fd);
    }

    @Override
    void wakeReader(boolean graceful, boolean reset) {
        shutdownWhileOurs(graceful ? Linux.SHUT_RD : Linux.SHUT_RDWR, !graceful && reset);
    }

    /**
     * shutdown(2) with {@code how} (after a linger-0 setting if {@code reset}), to wake a thread
     * blocked on this socket; returns its result, or 0 if the socket is closed already. Any thread,
     * so under the monitor and only while the descriptor is ours: once closeSocket has run, the
     * kernel may have given the same number to a new connection, and a shutdown (or a reset)
     * through it would cut that connection instead (seen as a fresh pooled RPC connection closed by
     * the server right after a timed-out call on the old one; EpollDescriptorReuseTest).
     */
    private int shutdownWhileOurs(int how, boolean reset) {
        EpollScratch s = EpollScratch.of(currentContext());
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
    boolean setInterest(int ops) {
        int events = (ops & READ) != 0 ? Linux.EPOLLIN | Linux.EPOLLRDHUP : 0;
        if ((ops & WRITE) != 0) {
            events |= Linux.EPOLLOUT;
        }
        EpollScratch s = EpollScratch.of(currentContext());
        synchronized (this) {
            if (events == registered || closed) {
                return false;
            }
            registered = events;
            // under the monitor: a close by another thread in between would leave the number free
            // for a new connection, maybe one in this same set, whose interest this would change
            Linux.epollCtl(s.errno, set.epfd(), Linux.EPOLL_CTL_MOD, fd, events | mode, s.event);
        }
        return true;
    }

    /** A one-shot registration fired: the kernel disarmed it. Loop thread. */
    synchronized void disarmed() {
        registered = 0;
    }

    @Override
    public SocketAddress remoteAddress() {
        return name(true);
    }

    @Override
    public SocketAddress localAddress() {
        return name(false);
    }

    private SocketAddress name(boolean peer) {
        EpollScratch s = EpollScratch.of(currentContext());
        // any thread: under this monitor, so that a closed number (maybe another connection's
        // now) is not asked; then under the scratch's, which a foreign thread may share
        synchronized (this) {
            if (closed) {
                return null;
            }
            synchronized (s) {
                if (Linux.socketName(s.errno, fd, peer, s.sockaddr, s.sockaddrLength) < 0) {
                    return null;
                }
                return SockAddr.decode(s.sockaddr);
            }
        }
    }

    @Override
    int available() {
        EpollScratch s = EpollScratch.of(null);
        int n = Linux.available(s.errno, fd, s.small);
        return Math.max(0, n);
    }
}
