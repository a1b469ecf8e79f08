package io.throng.core.transport;

import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;

/**
 * An epoll set through FFM. Level-triggered, as Netty 4.2's epoll transport is (edge-triggered
 * saved little and cost correctness, netty#14031); one-shot for the worker pool (the kernel
 * disarms a connection as it reports it, so claiming it for a worker costs no system call) and for
 * leader-follower's sets, which several threads wait on at once. Wake-ups go through an eventfd.
 *
 * <p>The epoll data of each registration is the descriptor, and the attachment is found in a table
 * indexed by descriptor (descriptors are small, dense integers): no map, no boxing. The event array
 * belongs to the polling thread's {@link EpollScratch}.
 */
public final class EpollPoller extends Poller {
    /** Events taken per epoll_wait by a loop; a full batch just means another wait right after. */
    private static final int MAX_EVENTS = 1024;

    final int epfd;
    /** EPOLLONESHOT or 0, added to every connection registration. */
    final int mode;
    private final int wakeFd;
    private final MemorySegment wakeValue;
    private final FdTable<Object> table = new FdTable<>();
    /** Events one wait takes: a loop's many, or a shared set's few (a blocking handler delays few). */
    private final int batch;

    EpollPoller(boolean oneShot, int batch) throws IOException {
        EpollScratch s = EpollScratch.of(null);
        this.mode = oneShot ? Linux.EPOLLONESHOT : 0;
        this.batch = batch;
        this.epfd = EpollTransport.check(Linux.epollCreate(s.errno), "epoll_create1");
        try {
            this.wakeFd = EpollTransport.check(Linux.eventfd(s.errno), "eventfd");
        } catch (IOException e) {
            Linux.close(s.errno, epfd);
            throw e;
        }
        this.wakeValue = Arena.ofAuto().allocate(8, 8);
        // Shared (one-shot) sets wake one waiting thread per wake-up; it re-arms the eventfd.
        EpollTransport.check(Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, wakeFd, Linux.EPOLLIN | mode, s.event),
                "epoll_ctl(eventfd)");
    }

    @Override
    public void add(TransportSocket socket, Object attachment, int interest) throws IOException {
        EpollSocket sock = (EpollSocket) socket;
        int events = events(interest);
        sock.registered(this, events);
        register(sock.fd, attachment, Linux.EPOLL_CTL_ADD, events | mode);
    }

    @Override
    public void addListener(ListenSocket listener, Object attachment) throws IOException {
        EpollListenSocket l = (EpollListenSocket) listener;
        l.poller = this;
        register(l.fd, attachment, Linux.EPOLL_CTL_ADD, Linux.EPOLLIN);
    }

    @Override
    public void addConnecting(TransportSocket socket, Object attachment) throws IOException {
        EpollSocket sock = (EpollSocket) socket;
        sock.registered(this, Linux.EPOLLOUT);
        register(sock.fd, attachment, Linux.EPOLL_CTL_ADD, Linux.EPOLLOUT);
    }

    @Override
    public void connected(TransportSocket socket, Object attachment, int interest) throws IOException {
        EpollSocket sock = (EpollSocket) socket;
        int events = events(interest);
        sock.registered(this, events);
        register(sock.fd, attachment, Linux.EPOLL_CTL_MOD, events | mode);
    }

    /** Makes {@code fd} {@code attachment}'s and registers it ({@code op}: add, or modify a connecting socket's). */
    private void register(int fd, Object attachment, int op, int events) throws IOException {
        table.put(fd, attachment);
        EpollScratch s = EpollScratch.of(null);
        int r = Linux.epollCtl(s.errno, epfd, op, fd, events, s.event);
        if (r < 0) {
            if (op == Linux.EPOLL_CTL_ADD) {
                table.clear(fd);
            }
            throw Errno.exception("epoll_ctl", -r);
        }
    }

    private static int events(int interest) {
        int events = (interest & Interest.READ) != 0 ? Linux.EPOLLIN | Linux.EPOLLRDHUP : 0;
        return (interest & Interest.WRITE) != 0 ? events | Linux.EPOLLOUT : events;
    }

    /** {@code fd} is being closed by its owner, which still holds it. Any thread. */
    void forget(int fd) {
        table.clear(fd);
    }

    @Override
    public int poll(Scratch scratch, long timeoutMillis, ReadySink sink) throws IOException {
        EpollScratch s = EpollScratch.of(scratch);
        MemorySegment events = s.events(batch);
        int n = Linux.epollWait(s.errno, epfd, events, batch, (int) Math.min(timeoutMillis, Integer.MAX_VALUE));
        if (n < 0) {
            if (-n == Errno.EINTR) {
                return 0;
            }
            throw Errno.exception("epoll_wait", -n);
        }
        for (int i = 0; i < n; i++) {
            int fd = EpollEvent.fd(events, i);
            int ev = EpollEvent.events(events, i);
            if (fd == wakeFd) {
                Linux.read(s.errno, wakeFd, wakeValue.address(), 8);
                if (mode != 0) {
                    Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_MOD, wakeFd, Linux.EPOLLIN | mode, s.event);
                }
                continue;
            }
            Object a = table.get(fd);
            if (a != null) {
                sink.ready(a, ready(ev));
            }
        }
        return n;
    }

    private static int ready(int ev) {
        int r = 0;
        if ((ev & (Linux.EPOLLIN | Linux.EPOLLRDHUP)) != 0) {
            r |= Interest.READ;
        }
        if ((ev & Linux.EPOLLOUT) != 0) {
            r |= Interest.WRITE;
        }
        if ((ev & Linux.EPOLLHUP) != 0) {
            r |= Interest.HANG_UP;
        }
        if ((ev & Linux.EPOLLERR) != 0) {
            r |= Interest.ERROR;
        }
        return r;
    }

    @Override
    public void wakeup() {
        EpollTransport.signal(wakeFd); // any thread: the poller drains the eventfd
    }

    @Override
    public boolean interestNeedsWakeup() {
        return false; // epoll_ctl takes effect at once, even while a thread waits
    }

    @Override
    public boolean oneShot() {
        return mode != 0;
    }

    @Override
    public void forEachAttachment(Consumer<Object> action) {
        table.forEach(action);
    }

    @Override
    public void close() {
        EpollScratch s = EpollScratch.of(null);
        Linux.close(s.errno, wakeFd);
        Linux.close(s.errno, epfd);
    }

    /** Events a wait takes: {@code requested}, or a loop's default for 0. */
    static int batch(int requested) {
        return requested > 0 ? requested : MAX_EVENTS;
    }
}
