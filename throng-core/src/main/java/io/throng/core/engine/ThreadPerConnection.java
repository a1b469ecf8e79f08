package io.throng.core.engine;

import io.throng.core.CloseReason;
import io.throng.core.config.TransportKind;
import io.throng.core.linux.Errno;
import io.throng.core.linux.Linux;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread-per-connection models: an acceptor thread, and for every connection a thread
 * (virtual or platform) that blocks in read, runs the handler and writes with blocking calls. The
 * handler may block. This is the seed's goroutine-per-connection model and the baseline the
 * event-driven models are measured against; it holds a thread and a read buffer per connection by
 * its nature.
 *
 * <p>A thread blocked in read can only be woken by the socket: a close from another thread shuts
 * the input down (a graceful close) or closes the socket (an abort, a failure, a timeout), and the
 * connection's thread finishes the close. Handler callbacks are serialised by a per-connection
 * lock, because a writability callback may run on the thread whose flush drained the queue.
 */
final class ThreadPerConnection extends Owner {
    private static final int READING = 1;
    private static final int DISPATCHING = 2;

    private final Engine engine;
    private final Acceptor listener;
    private final Thread acceptor;
    private final Thread.Builder connectionThreads;
    private final Set<ConnectionImpl> live = ConcurrentHashMap.newKeySet();
    private final SharedTimers timers;
    private final boolean virtual;
    private volatile boolean stopped;

    /** Per-connection state of this model. */
    private static final class PerThread {
        final ReentrantLock lock = new ReentrantLock();
        volatile int phase;
    }

    /** Accepts connections with blocking semantics, on either transport. */
    private interface Acceptor {
        /** The next connection (set up, not yet counted), or null if the listener was closed. */
        ConnectionImpl accept(ThreadPerConnection owner) throws IOException;

        InetSocketAddress address() throws IOException;

        /** Stops accepting; wakes the acceptor thread. Any thread. */
        void close();

        /** Frees the listener. The acceptor thread, once it has left accept. */
        default void release() {
        }
    }

    /** NIO: a blocking ServerSocketChannel; connections are blocking SocketChannels. */
    private static final class NioAcceptor implements Acceptor {
        private final ServerSocketChannel channel;

        NioAcceptor(InetSocketAddress address, Engine engine) throws IOException {
            channel = Sockets.listen(address, engine.socket, false);
        }

        @Override
        public ConnectionImpl accept(ThreadPerConnection owner) throws IOException {
            SocketChannel ch;
            try {
                ch = channel.accept();
            } catch (ClosedChannelException e) {
                return null;
            }
            try {
                Sockets.configure(ch, owner.engine.socket);
                return new NioConnection(owner.engine, owner, ch);
            } catch (IOException e) {
                Sockets.closeQuietly(ch);
                throw e;
            }
        }

        @Override
        public InetSocketAddress address() throws IOException {
            return (InetSocketAddress) channel.getLocalAddress();
        }

        @Override
        public void close() {
            Sockets.closeQuietly(channel);
        }
    }

    /** epoll: a non-blocking listener the acceptor waits on through the parker. */
    private static final class EpollAcceptor implements Acceptor {
        private final int fd;
        private final EpollParker parker;
        private final EpollParker.Waiters waiters;
        private final InetSocketAddress address;
        private volatile boolean closed;

        EpollAcceptor(InetSocketAddress bind, Engine engine, EpollParker parker) throws IOException {
            this.fd = EpollSockets.listen(bind, engine.socket, false);
            this.parker = parker;
            this.waiters = parker.waitersFor(fd);
            this.address = EpollSockets.localAddress(fd);
        }

        @Override
        public ConnectionImpl accept(ThreadPerConnection owner) throws IOException {
            EpollScratch s = EpollScratch.of(null);
            for (;;) {
                if (closed) {
                    return null;
                }
                int r = Linux.accept(s.errno, fd);
                if (r >= 0) {
                    EpollSockets.configure(s, r, owner.engine.socket);
                    return new EpollConnection(owner.engine, owner, r, parker);
                }
                int errno = -r;
                if (errno == Errno.EAGAIN) {
                    parker.await(waiters, false);
                } else if (closed || errno == Errno.EINVAL) {
                    return null;
                } else if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                    throw Errno.exception("accept4", errno);
                }
            }
        }

        @Override
        public InetSocketAddress address() {
            return address;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                // Wakes the acceptor (accept then fails with EINVAL); the descriptor is released by
                // the acceptor thread itself, so its number cannot be reused under it.
                Linux.shutdown(EpollScratch.of(null).errno, fd, Linux.SHUT_RDWR);
            }
        }

        @Override
        public void release() {
            parker.forget(waiters);
            Linux.close(EpollScratch.of(null).errno, fd);
        }
    }

    private final EpollParker parker;

    ThreadPerConnection(Engine engine, InetSocketAddress address, boolean virtual, TransportKind transport)
            throws IOException {
        this.engine = engine;
        this.virtual = virtual;
        if (transport == TransportKind.EPOLL) {
            this.parker = new EpollParker(engine, engine.name + "-parker");
            this.listener = new EpollAcceptor(address, engine, parker);
        } else {
            this.parker = null;
            this.listener = new NioAcceptor(address, engine);
        }
        this.connectionThreads = virtual
                ? Thread.ofVirtual().name(engine.name + "-conn-", 0)
                : Thread.ofPlatform().daemon(true).name(engine.name + "-conn-", 0);
        this.acceptor = Thread.ofPlatform().daemon(true).name(engine.name + "-acceptor").unstarted(this::acceptLoop);
        this.timers = new SharedTimers(engine.name + "-timer");
    }

    InetSocketAddress address() throws IOException {
        return listener.address();
    }

    void start() {
        if (parker != null) {
            parker.start();
        } else if (virtual) {
            warmUpVirtualThreadPoller();
        }
        timers.start();
        acceptor.start();
    }

    /**
     * The JDK starts the pollers that park blocked virtual threads lazily, when the first one
     * blocks, and they need descriptors of their own: started for the first time when the process
     * is out of descriptors, they fail for good ("Could not initialize class sun.nio.ch.Poller").
     * So one virtual thread blocks on a pipe now, while descriptors are plentiful.
     */
    private static void warmUpVirtualThreadPoller() {
        try {
            java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
            try (var source = pipe.source(); var sink = pipe.sink()) {
                Thread reader = Thread.ofVirtual().start(() -> {
                    try {
                        source.read(ByteBuffer.allocate(1));
                    } catch (IOException ignored) {
                        // the pipe closes below either way
                    }
                });
                Thread.sleep(20);
                sink.write(ByteBuffer.wrap(new byte[] {1}));
                reader.join(5000);
            }
        } catch (IOException | InterruptedException e) {
            // not fatal: the pollers will start on first use
        }
    }

    private void acceptLoop() {
        try {
            acceptUntilClosed();
        } finally {
            listener.release();
        }
    }

    private void acceptUntilClosed() {
        long backoff = 0;
        while (!stopped) {
            ConnectionImpl c;
            try {
                c = listener.accept(this);
                backoff = 0;
            } catch (IOException e) {
                if (stopped) {
                    return;
                }
                engine.metrics.acceptErrors.increment();
                backoff = backoff == 0 ? 10 : Math.min(1000, backoff * 2);
                engine.log.log(Level.WARNING, "accept failed: " + e.getMessage() + "; pausing accept for " + backoff + " ms");
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                continue;
            }
            if (c == null) {
                break;
            }
            engine.metrics.accepted.increment();
            int max = engine.limits.maxConnections();
            if (engine.metrics.connections.incrementAndGet() > max && max > 0) {
                engine.metrics.connections.decrementAndGet();
                engine.metrics.rejected.increment();
                c.closeSocket(false);
                continue;
            }
            c.modelState = new PerThread();
            live.add(c);
            timers.schedule(c);
            try {
                connectionThreads.start(() -> serve(c));
            } catch (OutOfMemoryError | RuntimeException e) {
                // Platform threads run out long before sockets do; say so rather than die.
                engine.log.log(Level.WARNING, "cannot start a thread for " + c + ": " + e);
                live.remove(c);
                timers.cancel(c);
                c.closeSocket(true);
                engine.metrics.connections.decrementAndGet();
            }
        }
    }

    /** A connection's own thread. */
    private void serve(ConnectionImpl c) {
        IoContext ctx = new IoContext(Thread.currentThread(), engine.pool, engine.buffers.threadBufferSize(),
                engine.metrics, IoContext.THREAD_IOV);
        PerThread st = (PerThread) c.modelState;
        try {
            st.lock.lock();
            try {
                c.open(ctx);
            } finally {
                st.lock.unlock();
            }
            while ((c.flags() & ConnectionImpl.CLOSED) == 0) {
                if (!awaitReadable(c)) {
                    finish(c, ctx, st);
                    continue;
                }
                if (c.resumedWithLeftover()) {
                    // what the handler put off while suspended, before blocking for more bytes
                    st.lock.lock();
                    try {
                        c.enter(ctx);
                        c.redeliver(ctx);
                        c.epilogue(ctx);
                        c.exit();
                    } finally {
                        st.lock.unlock();
                    }
                    continue;
                }
                st.phase = READING;
                if (shutdownBeforeRead(c, ctx, st)) {
                    continue;
                }
                ByteBuffer dst;
                int n;
                try {
                    dst = c.readPhase(ctx);
                    n = ctx.lastRead;
                } catch (IOException e) {
                    st.phase = DISPATCHING;
                    readFailed(c, ctx, st, e);
                    continue;
                }
                st.phase = DISPATCHING;
                ctx.now = System.nanoTime();
                st.lock.lock();
                try {
                    c.enter(ctx);
                    if (dst != null) {
                        c.deliverPhase(ctx, dst, n);
                    }
                    if (n < 0) {
                        c.endOfStream();
                    }
                    if ((c.flags() & ConnectionImpl.SHUTDOWN_REQUESTED) != 0 && c.available() == 0) {
                        c.close();
                    }
                    c.epilogue(ctx);
                    c.exit();
                } finally {
                    st.lock.unlock();
                }
            }
        } catch (Throwable t) {
            // Whatever broke this thread (a JDK failure, out of memory), the connection is closed
            // and counted, never left open without a thread.
            engine.log.log(Level.ERROR, c + ": connection thread failed: " + t);
            try {
                c.exit();
                c.closeNow(ctx, CloseReason.ioError(t));
            } catch (Throwable ignored) {
                c.closeSocket(true);
            }
        } finally {
            ctx.release();
        }
    }

    /**
     * Shutdown asked for a close while this thread was between reads: with nothing arrived, close
     * now instead of blocking in read. (Shutdown sets the flag, then looks at the phase; this thread
     * sets the phase, then looks at the flag; both are volatile, so one of them sees the other.)
     */
    private static boolean shutdownBeforeRead(ConnectionImpl c, IoContext ctx, PerThread st) {
        int fl = c.flags();
        if ((fl & ConnectionImpl.SHUTDOWN_REQUESTED) == 0 || (fl & ConnectionImpl.CLOSING) != 0 || c.available() > 0) {
            return false;
        }
        st.phase = DISPATCHING;
        st.lock.lock();
        try {
            c.enter(ctx);
            c.close();
            c.epilogue(ctx);
            c.exit();
        } finally {
            st.lock.unlock();
        }
        return true;
    }

    /** Waits while reads are suspended; false if the connection must finish instead of reading. */
    private static boolean awaitReadable(ConnectionImpl c) {
        synchronized (c) {
            for (;;) {
                int fl = c.flags();
                if ((fl & ConnectionImpl.CLOSED) != 0 || c.failure() != null) {
                    return false;
                }
                if ((fl & ConnectionImpl.SUSPENDED) == 0 || (fl & ConnectionImpl.CLOSING) != 0) {
                    return true;
                }
                try {
                    c.wait();
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
    }

    /** Carries out a close decided elsewhere (a failure) under the handler lock. */
    private static void finish(ConnectionImpl c, IoContext ctx, PerThread st) {
        st.lock.lock();
        try {
            CloseReason f = c.failure();
            c.closeNow(ctx, f != null ? f : CloseReason.SHUTDOWN);
        } finally {
            st.lock.unlock();
        }
    }

    private static void readFailed(ConnectionImpl c, IoContext ctx, PerThread st, IOException e) {
        st.lock.lock();
        try {
            CloseReason f = c.failure();
            if (f != null) {
                c.closeNow(ctx, f);
            } else if ((c.flags() & ConnectionImpl.CLOSING) != 0) {
                c.closeNow(ctx, c.expiryReason());
            } else {
                c.readFailed(e);
                c.closeNow(ctx, c.failure());
            }
        } finally {
            st.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ Owner

    @Override
    void schedule(ConnectionImpl c) {
        int t = c.takeTasks();
        if ((t & ConnectionImpl.T_WRITABLE) != 0) {
            PerThread st = (PerThread) c.modelState;
            st.lock.lock();
            try {
                c.fireWritable();
            } finally {
                st.lock.unlock();
            }
            c.flushBlocking(null);
        }
        if ((t & ConnectionImpl.T_SHUTDOWN) != 0) {
            shutdownOne(c);
        }
        if ((t & ConnectionImpl.T_CLOSE) != 0) {
            wake(c);
        }
        if ((t & ConnectionImpl.T_RETIME) != 0) {
            deadlineChanged(c);
        }
    }

    /** Makes the connection's thread leave its blocking read to carry out a close. */
    private static void wake(ConnectionImpl c) {
        CloseReason f = c.failure();
        if (f != null) {
            c.wakeReader(false, ConnectionImpl.resets(f));
        } else if ((c.flags() & ConnectionImpl.CLOSING) != 0) {
            c.wakeReader(true, false);
        }
    }

    /**
     * Shutdown of one connection: if its thread waits in read with nothing arrived, close it now;
     * otherwise let the thread handle what arrived and close after (it checks the flag).
     */
    private void shutdownOne(ConnectionImpl c) {
        synchronized (c) {
            c.markShutdownRequested();
        }
        PerThread st = (PerThread) c.modelState;
        if (st.phase == READING && c.available() == 0) {
            c.close();
        }
    }

    @Override
    void interestChanged(ConnectionImpl c, int interest) {
        // blocking sockets have no interest; resumeReads notifies the waiting thread itself
    }

    @Override
    void deadlinePassed(ConnectionImpl c) {
        long now = System.nanoTime();
        if ((c.flags() & ConnectionImpl.CLOSING) == 0 && c.takeTimerIfDue(now)) {
            // The handler may block; the timer thread may not. A virtual thread runs the callback.
            Thread.ofVirtual().start(() -> runTimer(c));
        }
        if (c.expiredAt(now)) {
            c.fail(c.expiryReason());
        } else {
            timers.schedule(c); // (the timer thread holds the wheel's monitor: reentrant)
        }
    }

    private static void runTimer(ConnectionImpl c) {
        PerThread st = (PerThread) c.modelState;
        st.lock.lock();
        try {
            if ((c.flags() & ConnectionImpl.CLOSED) == 0) {
                c.fireTimer();
            }
        } finally {
            st.lock.unlock();
        }
        c.flushBlocking(null);
        if (c.failure() != null) {
            c.requestTasks(ConnectionImpl.T_CLOSE);
        }
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
        return true;
    }

    // ------------------------------------------------------------------ lifecycle

    void stopAccepting() {
        listener.close();
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
        stopped = true;
        stopAccepting();
        acceptor.join(1000);
        timers.stop();
        if (parker != null) {
            parker.stop();
        }
    }
}
