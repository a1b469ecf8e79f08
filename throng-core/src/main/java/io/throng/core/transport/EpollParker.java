package io.throng.core.transport;

import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;

/**
 * Blocking I/O for the thread-per-connection models on the epoll transport: a thread whose
 * non-blocking read or write would block arms its descriptor (EPOLLONESHOT) in this parker's epoll
 * set and parks; the parker's own platform thread waits on the set and unparks it. A virtual thread
 * unmounts while parked, so it holds no carrier; a blocking system call through FFM would pin one.
 * (This is what the JDK's poller does for its own sockets.)
 *
 * <p>A descriptor has a reader slot and a writer slot: a connection's thread may wait to read while
 * another thread (a publisher) waits to write on the same socket. The registration asks for the
 * union of what is awaited; when one side is woken and the other still waits, the descriptor is
 * re-armed for it.
 */
final class EpollParker implements Parker {
    private static final int MAX_EVENTS = 256;
    private static final int HANG_UP = Linux.EPOLLHUP | Linux.EPOLLERR;

    /** One descriptor's waiters. Guarded by itself. */
    static final class Waiters {
        final int fd;
        private final EpollParker parker;
        Thread reader;
        Thread writer;
        boolean registered;

        Waiters(int fd, EpollParker parker) {
            this.fd = fd;
            this.parker = parker;
        }

        EpollParker parker() {
            return parker;
        }
    }

    private final int epfd;
    private final Thread thread;
    private final FdTable<Waiters> table = new FdTable<>();
    private static final System.Logger LOG = System.getLogger("io.throng.transport");
    private volatile boolean stopped;

    EpollParker(String name) throws IOException {
        this.epfd = EpollTransport.check(Linux.epollCreate(EpollScratch.of(null).errno), "epoll_create1");
        this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
    }

    @Override
    public void start() {
        thread.start();
    }

    /** The waiter slots of {@code fd}, made on first use. */
    Waiters waitersFor(int fd) {
        Waiters w = new Waiters(fd, this);
        table.put(fd, w);
        return w;
    }

    /** {@code w}'s descriptor is being closed. */
    void forget(Waiters w) {
        table.remove(w.fd, w);
    }

    /**
     * Parks the calling thread until {@code w}'s descriptor is ready to read ({@code write} false)
     * or to write, or hung up, or the thread is interrupted.
     */
    void await(Waiters w, boolean write) throws IOException {
        Thread me = Thread.currentThread();
        synchronized (w) {
            if (write) {
                w.writer = me;
            } else {
                w.reader = me;
            }
            arm(w);
        }
        for (;;) {
            synchronized (w) {
                if ((write ? w.writer : w.reader) != me || stopped) {
                    return;
                }
            }
            LockSupport.park(this);
            if (me.isInterrupted()) {
                synchronized (w) {
                    if (write && w.writer == me) {
                        w.writer = null;
                    } else if (!write && w.reader == me) {
                        w.reader = null;
                    }
                }
                throw new java.io.InterruptedIOException("interrupted while waiting for the socket");
            }
        }
    }

    /** Registers {@code w} for what its waiters wait for. Under {@code w}'s monitor. */
    private void arm(Waiters w) throws IOException {
        int events = Linux.EPOLLRDHUP | Linux.EPOLLONESHOT;
        if (w.reader != null) {
            events |= Linux.EPOLLIN;
        }
        if (w.writer != null) {
            events |= Linux.EPOLLOUT;
        }
        EpollScratch s = EpollScratch.of(null);
        int r = Linux.epollCtl(s.errno, epfd, w.registered ? Linux.EPOLL_CTL_MOD : Linux.EPOLL_CTL_ADD, w.fd, events, s.event);
        if (r < 0 && w.registered && -r == Errno.ENOENT) {
            r = Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, w.fd, events, s.event);
        }
        if (r < 0) {
            w.reader = null;
            w.writer = null;
            throw Errno.exception("epoll_ctl", -r);
        }
        w.registered = true;
    }

    private void run() {
        EpollScratch s = new EpollScratch(1);
        MemorySegment events = Arena.ofAuto().allocate(EpollEvent.SIZE * MAX_EVENTS, 8);
        while (!stopped) {
            int n = Linux.epollWait(s.errno, epfd, events, MAX_EVENTS, 1000);
            if (n < 0) {
                if (-n != Errno.EINTR) {
                    LOG.log(Level.ERROR, "epoll_wait failed in the parker: " + Errno.message(-n));
                    LockSupport.parkNanos(10_000_000L);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                Waiters w = table.get(EpollEvent.fd(events, i));
                if (w != null) {
                    wake(w, EpollEvent.events(events, i));
                }
            }
        }
    }

    private void wake(Waiters w, int ev) {
        synchronized (w) {
            if (w.reader != null && (ev & (Linux.EPOLLIN | Linux.EPOLLRDHUP | HANG_UP)) != 0) {
                LockSupport.unpark(w.reader);
                w.reader = null;
            }
            if (w.writer != null && (ev & (Linux.EPOLLOUT | HANG_UP)) != 0) {
                LockSupport.unpark(w.writer);
                w.writer = null;
            }
            if (w.reader != null || w.writer != null) {
                Thread reader = w.reader;
                Thread writer = w.writer;
                try {
                    arm(w); // one-shot fired for one side: the other still waits
                } catch (IOException e) {
                    // the descriptor went away (arm() cleared the slots): wake whoever waited
                    LockSupport.unpark(reader);
                    LockSupport.unpark(writer);
                }
            }
        }
    }

    @Override
    public void stop() {
        stopped = true;
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Linux.close(EpollScratch.of(null).errno, epfd);
    }
}
