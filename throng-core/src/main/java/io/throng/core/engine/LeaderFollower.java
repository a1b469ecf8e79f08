package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The leader-follower model (the seed's 002 design), on epoll only. G groups, each an epoll set
 * waited on by T threads at once. Every connection is registered EPOLLONESHOT, so the kernel hands
 * each readiness to exactly one waiting thread and disarms the connection; that thread, a follower
 * promoted to leader for the moment, reads, runs the handler, writes, and re-arms the connection
 * with EPOLL_CTL_MOD. No two threads ever run one connection, and no queue or hand-off is needed.
 * A dedicated acceptor thread deals new connections to the groups round-robin.
 *
 * <p>Why groups rather than one set for all threads: every epoll_wait and epoll_ctl on a set takes
 * that set's lock (ep->mtx and the ready-list lock in the kernel), so with one set all threads
 * contend on it for every event and every re-arm; G sets divide that contention by G. The threads
 * of a group still share a lock, which is the price of their handing work to whoever is free.
 *
 * <p>On NIO this model is refused rather than emulated: a JDK {@code Selector} is selected by one
 * thread at a time and cannot express one-shot registration, so "leaders" would serialise on it
 * and every event would need two interest changes and a wake-up; worker-pool is that design done
 * properly.
 */
final class LeaderFollower {
    /** Events one thread takes per epoll_wait: small, so that a blocking handler delays few others. */
    private static final int BATCH = 4;

    private final Engine engine;
    private final Group[] groups;
    private final int listenFd;
    private final InetSocketAddress address;
    private final Thread acceptor;
    private final SharedTimers timers;
    private final Set<ConnectionImpl> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger busy = new AtomicInteger();
    private final int threadsPerGroup;
    private volatile boolean stopped;
    private volatile boolean accepting = true;

    LeaderFollower(Engine engine, InetSocketAddress bind, int groupCount, int threadsPerGroup) throws IOException {
        this.engine = engine;
        this.threadsPerGroup = threadsPerGroup;
        this.timers = new SharedTimers(engine.name + "-timer");
        this.groups = new Group[groupCount];
        for (int i = 0; i < groupCount; i++) {
            groups[i] = new Group(i);
        }
        this.listenFd = EpollSockets.listen(bind, engine.socket, false);
        this.address = EpollSockets.localAddress(listenFd);
        this.acceptor = Thread.ofPlatform().daemon(true).name(engine.name + "-lf-acceptor").unstarted(this::acceptLoop);
    }

    InetSocketAddress address() {
        return address;
    }

    int threads() {
        return groups.length * threadsPerGroup;
    }

    int busyThreads() {
        return busy.get();
    }

    void start() throws InterruptedException {
        timers.start();
        for (Group g : groups) {
            g.start();
        }
        acceptor.start();
    }

    // ------------------------------------------------------------------ accepting

    private void acceptLoop() {
        EpollScratch s = new EpollScratch(1);
        MemorySegment event = Arena.ofAuto().allocate(EpollEvent.SIZE, 8);
        int epfd = Linux.epollCreate(s.errno);
        try {
            if (epfd < 0 || Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, listenFd, Linux.EPOLLIN, s.event) < 0) {
                engine.log.log(Level.ERROR, "leader-follower acceptor could not wait on its listener");
                return;
            }
            int next = 0;
            long backoff = 0;
            while (accepting) {
                int r = Linux.accept(s.errno, listenFd);
                if (r >= 0) {
                    backoff = 0;
                    admit(r, groups[next++ % groups.length], s);
                    continue;
                }
                int errno = -r;
                if (errno == Errno.EAGAIN) {
                    Linux.epollWait(s.errno, epfd, event, 1, 1000);
                } else if (!accepting || errno == Errno.EINVAL) {
                    return;
                } else if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                    engine.metrics.acceptErrors.increment();
                    backoff = backoff == 0 ? 10 : Math.min(1000, backoff * 2);
                    engine.log.log(Level.WARNING, "accept failed: " + Errno.message(errno) + "; pausing accept for "
                            + backoff + " ms");
                    LockSupport.parkNanos(backoff * 1_000_000);
                }
            }
        } finally {
            if (epfd >= 0) {
                Linux.close(s.errno, epfd);
            }
            Linux.close(s.errno, listenFd);
        }
    }

    private void admit(int fd, Group g, EpollScratch s) {
        engine.metrics.accepted.increment();
        int max = engine.limits.maxConnections();
        if (engine.metrics.connections.incrementAndGet() > max && max > 0) {
            engine.metrics.connections.decrementAndGet();
            engine.metrics.rejected.increment();
            Linux.close(s.errno, fd);
            return;
        }
        EpollSockets.configure(s, fd, engine.socket);
        EpollConnection c = new EpollConnection(engine, g.owner, fd, g, Linux.EPOLLONESHOT, 0);
        g.bind(fd, c);
        int r = Linux.epollCtl(s.errno, g.epfd, Linux.EPOLL_CTL_ADD, fd, Linux.EPOLLONESHOT, s.event);
        if (r < 0) {
            g.forget(fd, c);
            Linux.close(s.errno, fd);
            engine.metrics.connections.decrementAndGet();
            engine.metrics.ioErrors.increment();
            return;
        }
        live.add(c);
        timers.schedule(c);
        c.requestTasks(ConnectionImpl.T_OPEN); // a group thread opens it, then arms it
    }

    // ------------------------------------------------------------------ groups

    /** One epoll set and the threads that wait on it. */
    private final class Group implements EpollSet {
        final int epfd;
        private final int wakeFd;
        private final Thread[] threads;
        private final ConcurrentLinkedQueue<ConnectionImpl> tasks = new ConcurrentLinkedQueue<>();
        private final Object tableLock = new Object();
        private volatile AtomicReferenceArray<EpollConnection> table = new AtomicReferenceArray<>(1024);
        private final CountDownLatch ready;
        final GroupOwner owner = new GroupOwner(this);

        Group(int index) throws IOException {
            EpollScratch s = EpollScratch.of(null);
            this.epfd = EpollLoop.check(Linux.epollCreate(s.errno), "epoll_create1");
            this.wakeFd = EpollLoop.check(Linux.eventfd(s.errno), "eventfd");
            EpollLoop.check(Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_ADD, wakeFd,
                    Linux.EPOLLIN | Linux.EPOLLONESHOT, s.event), "epoll_ctl(eventfd)");
            this.threads = new Thread[threadsPerGroup];
            this.ready = new CountDownLatch(threadsPerGroup);
            for (int t = 0; t < threadsPerGroup; t++) {
                threads[t] = Thread.ofPlatform().daemon(true).name(engine.name + "-lf-" + index + "-" + t)
                        .unstarted(this::lead);
            }
        }

        void start() throws InterruptedException {
            for (Thread t : threads) {
                t.start();
            }
            ready.await();
        }

        @Override
        public int epfd() {
            return epfd;
        }

        void bind(int fd, EpollConnection c) {
            synchronized (tableLock) {
                AtomicReferenceArray<EpollConnection> t = table;
                if (fd >= t.length()) {
                    AtomicReferenceArray<EpollConnection> bigger = new AtomicReferenceArray<>(Math.max(fd + 1, t.length() * 2));
                    for (int i = 0; i < t.length(); i++) {
                        bigger.set(i, t.get(i));
                    }
                    table = t = bigger;
                }
                t.set(fd, c);
            }
        }

        @Override
        public void forget(int fd, Object owner) {
            synchronized (tableLock) {
                AtomicReferenceArray<EpollConnection> t = table;
                if (fd < t.length()) {
                    t.compareAndSet(fd, (EpollConnection) owner, null);
                }
            }
        }

        /** Hands a claimed connection to this group's threads (foreign tasks). Any thread. */
        void submit(ConnectionImpl c) {
            tasks.add(c);
            EpollScratch s = EpollScratch.of(null);
            s.small.set(ValueLayout.JAVA_LONG, 0, 1L);
            Linux.write(s.errno, wakeFd, s.small.address(), 8);
        }

        /** A thread of the group: wait, become the leader for what arrives, run it, re-arm. */
        private void lead() {
            IoContext ctx = new IoContext(Thread.currentThread(), engine.pool, engine.buffers.readBufferSize(), engine.metrics);
            EpollScratch s = EpollScratch.of(ctx);
            MemorySegment events = Arena.ofAuto().allocate(EpollEvent.SIZE * BATCH, 8);
            ready.countDown();
            try {
                while (!stopped) {
                    int n = Linux.epollWait(s.errno, epfd, events, BATCH, 1000);
                    if (n < 0) {
                        if (-n != Errno.EINTR) {
                            engine.log.log(Level.ERROR, "epoll_wait failed: " + Errno.message(-n));
                            LockSupport.parkNanos(10_000_000L);
                        }
                        continue;
                    }
                    ctx.now = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        int fd = EpollEvent.fd(events, i);
                        if (fd == wakeFd) {
                            runTasks(ctx, s);
                            continue;
                        }
                        AtomicReferenceArray<EpollConnection> t = table;
                        EpollConnection c = fd < t.length() ? t.get(fd) : null;
                        if (c == null) {
                            continue;
                        }
                        c.disarmed();
                        int ev = EpollEvent.events(events, i);
                        if ((ev & (Linux.EPOLLERR | Linux.EPOLLHUP)) != 0) {
                            c.hangUp((ev & Linux.EPOLLERR) != 0);
                        }
                        if (owner.claim(c)) {
                            owner.run(c, ctx);
                        }
                    }
                }
            } finally {
                ctx.release();
            }
        }

        private void runTasks(IoContext ctx, EpollScratch s) {
            Linux.read(s.errno, wakeFd, s.small.address(), 8);
            ConnectionImpl c;
            while ((c = tasks.poll()) != null) {
                owner.run(c, ctx);
            }
            Linux.epollCtl(s.errno, epfd, Linux.EPOLL_CTL_MOD, wakeFd, Linux.EPOLLIN | Linux.EPOLLONESHOT, s.event);
        }

        void join() throws InterruptedException {
            for (Thread t : threads) {
                t.join(3000);
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(1000);
                }
            }
            EpollScratch s = EpollScratch.of(null);
            Linux.close(s.errno, wakeFd);
            Linux.close(s.errno, epfd);
        }
    }

    /** The owner of a group's connections: whichever of its threads holds the connection now. */
    private final class GroupOwner extends Owner {
        private final Group group;

        GroupOwner(Group group) {
            this.group = group;
        }

        boolean claim(ConnectionImpl c) {
            synchronized (c) {
                if (c.busy || (c.flags() & ConnectionImpl.CLOSED) != 0) {
                    return false;
                }
                c.busy = true;
                return true;
            }
        }

        void run(ConnectionImpl c, IoContext ctx) {
            busy.incrementAndGet();
            try {
                for (;;) {
                    c.runTasks(ctx);
                    if ((c.flags() & ConnectionImpl.CLOSED) == 0) {
                        c.onReady(ctx);
                    }
                    synchronized (c) {
                        boolean closed = (c.flags() & ConnectionImpl.CLOSED) != 0;
                        if (!closed && c.hasTasks()) {
                            continue;
                        }
                        c.busy = false;
                        if (!closed) {
                            c.setInterest(c.desiredInterestLocked()); // re-arm: EPOLL_CTL_MOD, one-shot
                        }
                    }
                    return;
                }
            } catch (RuntimeException | Error e) {
                c.exit();
                c.closeNow(ctx, CloseReason.ioError(e));
            } finally {
                busy.decrementAndGet();
            }
        }

        @Override
        void schedule(ConnectionImpl c) {
            if (claim(c)) {
                group.submit(c);
            }
        }

        @Override
        void interestChanged(ConnectionImpl c, int interest) {
            if (!c.busy) {
                c.setInterest(interest);
            }
        }

        @Override
        void deadlinePassed(ConnectionImpl c) {
            c.requestTasks(ConnectionImpl.T_DEADLINE);
        }

        @Override
        void closed(ConnectionImpl c) {
            live.remove(c);
            timers.cancel(c);
        }

        @Override
        void deadlineChanged(ConnectionImpl c) {
            timers.reschedule(c);
        }

        @Override
        boolean blocking() {
            return false;
        }
    }

    // ------------------------------------------------------------------ lifecycle

    void stopAccepting() {
        if (accepting) {
            accepting = false;
            Linux.shutdown(EpollScratch.of(null).errno, listenFd, Linux.SHUT_RDWR); // wakes the acceptor
        }
    }

    void shutdownConnections() {
        for (ConnectionImpl c : live) {
            c.requestTasks(ConnectionImpl.T_SHUTDOWN);
        }
    }

    void failConnections() {
        for (ConnectionImpl c : live) {
            c.fail(CloseReason.SHUTDOWN);
        }
    }

    void stop() throws InterruptedException {
        stopAccepting();
        acceptor.join(3000);
        stopped = true;
        for (Group g : groups) {
            g.join();
        }
        timers.stop();
        // Whatever is still open is closed without ceremony, its threads gone.
        IoContext ctx = new IoContext(Thread.currentThread(), engine.pool, 256, engine.metrics);
        try {
            for (ConnectionImpl c : live) {
                c.closeNow(ctx, CloseReason.SHUTDOWN);
            }
        } finally {
            ctx.release();
        }
    }
}
