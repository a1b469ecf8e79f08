package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.SUSPENDED;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.transport.Parker;
import io.throng.core.transport.Scratch;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The thread-per-connection models: every connection has a thread (virtual or platform) that
 * blocks in read, runs the handler and writes with blocking calls; the handler may block. This is
 * the seed's goroutine-per-connection model and the baseline the event-driven models are measured
 * against: it holds a thread and a 4 KiB read buffer per connection by its nature.
 *
 * <p>Threads. An acceptor loop accepts (the one accept path, with {@link Admission} and back-off)
 * and starts each connection's thread. Callbacks of a connection are serialised by its
 * {@link ThreadOwner}'s lock, because a writability callback or a timer may run on another thread
 * than the connection's own. Writes from other threads never wait for the socket: they queue, and a
 * per-connection <em>flusher</em> (a virtual thread started when there is something to write and
 * none is running) writes, so a fan-out to a thousand connections does not stall on one slow peer.
 * A thread blocked in read is woken only through its socket: a close from another thread shuts the
 * input down (graceful) or both directions, and the connection's thread finishes the close.
 */
final class ThreadPerConnectionModel implements ServingModel {
    private static final int READING = 1;
    private static final int DISPATCHING = 2;

    private final Engine engine;
    private final boolean virtual;
    private final Thread.Builder connectionThreads;
    private final SharedTimers timers;
    private final Parker parker;
    private final EventLoop acceptor;
    /** Scratch and arrays for flusher threads, reused: a virtual thread's thread-locals die with it. */
    private final ConcurrentLinkedQueue<FlushKit> kits = new ConcurrentLinkedQueue<>();

    ThreadPerConnectionModel(Engine engine, boolean virtual) throws IOException {
        this.engine = engine;
        this.virtual = virtual;
        this.connectionThreads = virtual
                ? Thread.ofVirtual().name(engine.name + "-conn-", 0)
                : Thread.ofPlatform().daemon(true).name(engine.name + "-conn-", 0);
        this.timers = new SharedTimers(engine.name + "-timer");
        this.parker = engine.transport.newParker(engine.name + "-parker");
        this.acceptor = new EventLoop(-1, engine, engine.name + "-acceptor", null, false);
    }

    @Override
    public InetSocketAddress start(InetSocketAddress bind) throws IOException {
        parker.start();
        if (virtual && parker == Parker.NONE) {
            warmUpVirtualThreadPoller();
        }
        timers.start();
        acceptor.start();
        return Listener.open(acceptor, bind, false, this::adopt);
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

    /** An accepted socket gets its thread. The acceptor loop; a thread that cannot start pauses accepting. */
    private void adopt(TransportSocket socket) throws IOException {
        socket.makeBlocking(parker);
        ThreadOwner owner = new ThreadOwner();
        EngineConnection c = new EngineConnection(owner, socket);
        timers.add(c);
        try {
            connectionThreads.start(() -> serve(c, owner));
        } catch (OutOfMemoryError | RuntimeException e) {
            // Platform threads run out long before sockets do: the listener backs off and says so.
            timers.remove(c);
            throw new IOException("cannot start a thread for " + c + ": " + e, e);
        }
    }

    @Override
    public void stopAccepting() {
        acceptor.stop();
    }

    @Override
    public void drain() {
        timers.drain();
    }

    @Override
    public void abort() {
        timers.abort();
    }

    @Override
    public void stop() throws InterruptedException {
        acceptor.stop();
        acceptor.awaitTermination(1000);
        timers.stop();
        parker.stop();
    }

    @Override
    public Stats stats() {
        return Stats.NONE;
    }

    @Override
    public java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout) {
        return java.util.List.of(timers.census(firstN).toDump("threads", java.util.List.of("a thread a connection")));
    }

    // ------------------------------------------------------------------ a connection's thread

    private void serve(EngineConnection c, ThreadOwner st) {
        IoContext ctx = new IoContext(Thread.currentThread(), engine.transport, engine.pool,
                engine.buffers.threadBufferSize(), engine.metrics, IoContext.THREAD_IOV);
        try {
            st.lock.lock();
            try {
                c.open(ctx);
            } finally {
                st.lock.unlock();
            }
            while (!ConnectionState.isClosed(c.state())) {
                if (!awaitReadable(c)) {
                    finish(c, ctx, st);
                    continue;
                }
                if (Inbound.resumedWithLeftover(c)) {
                    // what the handler put off while suspended, before blocking for more bytes
                    dispatch(c, ctx, st, () -> Inbound.redeliver(c, ctx));
                    continue;
                }
                st.phase = READING;
                if (shutdownBeforeRead(c, ctx, st)) {
                    continue;
                }
                ByteBuffer dst;
                int n;
                try {
                    dst = Inbound.readPhase(c, ctx);
                    n = ctx.lastRead;
                } catch (IOException e) {
                    st.phase = DISPATCHING;
                    readFailed(c, ctx, st, e);
                    continue;
                }
                st.phase = DISPATCHING;
                ctx.now = System.nanoTime();
                ByteBuffer read = dst;
                dispatch(c, ctx, st, () -> {
                    if (read != null) {
                        Inbound.deliverPhase(c, ctx, read, n);
                    }
                    if (n < 0) {
                        Inbound.endOfStream(c);
                    }
                    if ((c.state() & ConnectionState.SHUTDOWN_REQUESTED) != 0 && c.socket.available() == 0) {
                        c.close();
                    }
                });
            }
        } catch (Throwable t) {
            // Whatever broke this thread (a JDK failure, out of memory), the connection is closed
            // and counted, never left open without a thread.
            engine.log.log(Level.ERROR, c + ": connection thread failed: " + t);
            try {
                c.exit();
                c.closeNow(ctx, CloseReason.ioError(t));
            } catch (Throwable ignored) {
                c.socket.close(true);
            }
        } finally {
            ctx.release();
        }
    }

    /** Waits on the connection's lock while its reads are suspended; false if it must close instead. */
    private static boolean awaitReadable(EngineConnection c) {
        synchronized (c.queue) {
            for (;;) {
                int s = c.state;
                int p = phase(s);
                if (p == CLOSED || p == ABORTING) {
                    return false;
                }
                if ((s & SUSPENDED) == 0 || p != OPEN) {
                    return true;
                }
                try {
                    c.queue.wait();
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
    }

    /** Runs {@code body} as one batch of callbacks in the serial context, under the handler lock. */
    private static void dispatch(EngineConnection c, IoContext ctx, ThreadOwner st, Runnable body) {
        st.lock.lock();
        try {
            c.enter(ctx);
            body.run();
            c.epilogue(ctx);
            c.exit();
        } finally {
            st.lock.unlock();
        }
    }

    /**
     * Shutdown asked for a close while this thread was between reads: with nothing arrived, close
     * now instead of blocking in read. (Shutdown sets the flag, then looks at the phase; this thread
     * sets the phase, then looks at the flag; both are volatile, so one of them sees the other.)
     */
    private static boolean shutdownBeforeRead(EngineConnection c, IoContext ctx, ThreadOwner st) {
        int s = c.state();
        if ((s & ConnectionState.SHUTDOWN_REQUESTED) == 0 || !ConnectionState.isOpen(s) || c.socket.available() > 0) {
            return false;
        }
        st.phase = DISPATCHING;
        dispatch(c, ctx, st, c::close);
        return true;
    }

    /** Carries out a close decided elsewhere (a failure) under the handler lock. */
    private static void finish(EngineConnection c, IoContext ctx, ThreadOwner st) {
        st.lock.lock();
        try {
            CloseReason f = c.failure();
            c.closeNow(ctx, f != null ? f : CloseReason.SHUTDOWN);
        } finally {
            st.lock.unlock();
        }
    }

    private static void readFailed(EngineConnection c, IoContext ctx, ThreadOwner st, IOException e) {
        st.lock.lock();
        try {
            CloseReason f = c.failure();
            if (f != null) {
                c.closeNow(ctx, f);
            } else if (c.closingOrClosed()) {
                c.closeNow(ctx, Closing.expiryReason(c));
            } else {
                Inbound.readFailed(c, e);
                c.closeNow(ctx, c.failure());
            }
        } finally {
            st.lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the flusher

    /** Writes what other threads queued, on a virtual thread of its own, until nothing is left. */
    private void startFlusher(EngineConnection c, ThreadOwner st) {
        if (!Outbound.startFlusher(c)) {
            return;
        }
        Thread.ofVirtual().name(engine.name + "-flusher").start(() -> {
            FlushKit kit = kits.poll();
            if (kit == null) {
                kit = new FlushKit(engine.transport.newScratch(IoContext.THREAD_IOV), new ByteBuffer[IoContext.THREAD_IOV],
                        new long[IoContext.THREAD_IOV]);
            }
            try {
                do {
                    Outbound.flushBlocking(c, null, kit.scratch, kit.iov, kit.bases);
                    st.lock.lock();
                    try {
                        if (c.takeWritableOwed()) {
                            c.fireWritable();
                        }
                    } finally {
                        st.lock.unlock();
                    }
                } while (Outbound.flusherDone(c));
            } finally {
                kits.add(kit);
            }
        });
    }

    /** A flusher's native scratch and gather arrays. */
    private record FlushKit(Scratch scratch, ByteBuffer[] iov, long[] bases) {
    }

    /** Makes the connection's thread leave its blocking read to carry out a close. */
    private static void wake(EngineConnection c) {
        CloseReason f = c.failure();
        if (f != null) {
            c.socket.shutdownToWake(false, Closing.resets(f));
        } else if (c.closingOrClosed()) {
            c.socket.shutdownToWake(true, false);
        }
    }

    /**
     * Shutdown of one connection: if its thread waits in read with nothing arrived, close it now;
     * otherwise let the thread handle what arrived and close after (it checks the flag).
     */
    private static void shutdownOne(EngineConnection c, ThreadOwner st) {
        c.markShutdownRequested();
        if (st.phase == READING && c.socket.available() == 0) {
            c.close();
        }
    }

    /** The owner of one connection: its thread, its handler lock, and where it is in its loop. */
    final class ThreadOwner extends Owner {
        final ReentrantLock lock = new ReentrantLock();
        volatile int phase;

        ThreadOwner() {
            super(ThreadPerConnectionModel.this.engine);
        }

        @Override
        void schedule(EngineConnection c) {
            int t = c.takeTasks();
            // onWritable is owed after a drain: the flusher calls it (then writes what it wrote), so
            // that no thread of the application's ever runs a callback
            if ((t & (EngineConnection.T_FLUSH | EngineConnection.T_WRITABLE)) != 0) {
                startFlusher(c, this);
            }
            if ((t & EngineConnection.T_SHUTDOWN) != 0) {
                shutdownOne(c, this);
            }
            if ((t & EngineConnection.T_CLOSE) != 0) {
                wake(c);
            }
            if ((t & EngineConnection.T_RETIME) != 0) {
                deadlineChanged(c);
            }
        }

        @Override
        void ready(EngineConnection c, int ops) {
            throw new UnsupportedOperationException("a connection's own thread reads it");
        }

        @Override
        void interestChanged(EngineConnection c, int interest) {
            // blocking sockets have no interest; resumeReads notifies the waiting thread itself
        }

        @Override
        void deadlinePassed(EngineConnection c) {
            long now = System.nanoTime();
            if (ConnectionState.isOpen(c.state()) && c.takeTimerIfDue(now)) {
                // The handler may block; the timer thread may not. A virtual thread runs the callback.
                Thread.ofVirtual().start(() -> {
                    lock.lock();
                    try {
                        if (!ConnectionState.isClosed(c.state())) {
                            c.fireTimer();
                        }
                    } finally {
                        lock.unlock();
                    }
                    c.requestTasks(c.failure() != null ? EngineConnection.T_CLOSE : EngineConnection.T_FLUSH);
                });
            }
            if (Closing.expiredAt(c, now)) {
                c.fail(Closing.expiryReason(c));
            } else {
                timers.schedule(c); // (the timer thread holds the wheel's monitor: reentrant)
            }
        }

        @Override
        void closed(EngineConnection c, CloseReason reason) {
            timers.remove(c);
        }

        @Override
        void deadlineChanged(EngineConnection c) {
            timers.reschedule(c);
        }
    }
}
