package io.throng.core.engine;

import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.System.Logger.Level;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Blocking I/O for the thread-per-connection models on the epoll transport: a thread whose
 * non-blocking read or write would block arms its descriptor (EPOLLONESHOT) in this parker's epoll
 * set and parks; the parker's own platform thread waits on the set and unparks it. A virtual thread
 * unmounts while parked, so it holds no carrier; a blocking system call through FFM would pin one.
 * (This is what the JDK's poller does for its own sockets.)
 */
final class EpollParker {
    private static final int MAX_EVENTS = 256;

    private final int epfd;
    private final Thread thread;
    private final ConcurrentHashMap<Integer, Thread> waiters = new ConcurrentHashMap<>();
    private final Engine engine;
    private volatile boolean stopped;

    EpollParker(Engine engine, String name) throws IOException {
        this.engine = engine;
        this.epfd = EpollLoop.check(Linux.epollCreate(EpollScratch.of(null).errno), "epoll_create1");
        this.thread = Thread.ofPlatform().daemon(true).name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /**
     * Parks the calling thread until {@code fd} is ready for {@code events} (or hung up), or the
     * thread is interrupted. {@code registered} says whether the descriptor is in the set already;
     * returns true (it is now).
     */
    boolean await(int fd, int events, boolean registered) throws IOException {
        Thread me = Thread.currentThread();
        waiters.put(fd, me);
        EpollScratch s = EpollScratch.of(null);
        int r = Linux.epollCtl(s.errno, epfd, registered ? Linux.EPOLL_CTL_MOD : Linux.EPOLL_CTL_ADD, fd,
                events | Linux.EPOLLRDHUP | Linux.EPOLLONESHOT, s.event);
        if (r < 0 && registered && -r == Errno.ENOENT) {
            r = Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, fd, events | Linux.EPOLLRDHUP | Linux.EPOLLONESHOT, s.event);
        }
        if (r < 0) {
            waiters.remove(fd, me);
            throw Errno.exception("epoll_ctl", -r);
        }
        while (waiters.get(fd) == me && !stopped) {
            LockSupport.park(this);
            if (me.isInterrupted()) {
                waiters.remove(fd, me);
                throw new java.io.InterruptedIOException("interrupted while waiting for the socket");
            }
        }
        return true;
    }

    private void run() {
        EpollScratch s = new EpollScratch(1);
        MemorySegment events = Arena.ofAuto().allocate(EpollEvent.SIZE * MAX_EVENTS, 8);
        while (!stopped) {
            int n = Linux.epollWait(s.errno, epfd, events, MAX_EVENTS, 1000);
            if (n < 0) {
                if (-n != Errno.EINTR) {
                    engine.log.log(Level.ERROR, "epoll_wait failed in the parker: " + Errno.message(-n));
                    LockSupport.parkNanos(10_000_000L);
                }
                continue;
            }
            for (int i = 0; i < n; i++) {
                Thread t = waiters.remove(EpollEvent.fd(events, i));
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    void stop() {
        stopped = true;
        for (Thread t : waiters.values()) {
            LockSupport.unpark(t);
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Linux.close(EpollScratch.of(null).errno, epfd);
    }
}
