package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.FLUSHER;
import static io.throng.core.engine.ConnectionState.RELEASE_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESET_DEFERRED;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.Scratch;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;

/**
 * Writing a connection: its {@code write}, {@code writeShared} and {@code flush}, from any thread,
 * and the flushes of its serial context. The bytes wait in the connection's {@link WriteQueue}.
 *
 * <p><b>Who writes to the socket.</b> On a non-blocking socket (every event-driven model) any
 * thread may write what the socket takes <em>at once</em>, under the connection's lock: a
 * publisher's {@code writeShared} sends one encoded frame to thousands of connections without
 * copying it, and only what a socket refuses is queued for its serial context, which writes it
 * when the socket is writable again. On a blocking socket (thread-per-connection) only the
 * connection's own thread, in its epilogue, and its flusher write; other threads queue and ask for
 * the flusher ({@link EngineConnection#T_FLUSH}). So no caller ever waits for a socket, under any
 * model, and protocols need not know which model runs them.
 */
final class Outbound {
    /**
     * A direct buffer at least this big is written straight from the caller's memory when it can be
     * (gathered behind what is queued), and only the part the socket refuses is copied. Below it,
     * copying into the queue is cheaper than the extra system call it would take.
     */
    static final int WRITE_THROUGH_BYTES = 8 * 1024;

    private Outbound() {
    }

    static boolean write(EngineConnection c, ByteBuffer src) {
        int n = src.remaining();
        IoContext ctx = c.currentContext();
        boolean refused;
        synchronized (c.queue) {
            if (!ConnectionState.isOpen(c.state)) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            boolean flushed = false;
            if (n >= WRITE_THROUGH_BYTES && src.isDirect() && !c.socket.isBlocking()) {
                flushLocked(c, ctx, src);
                n = src.remaining();
                flushed = true;
            }
            if (n > 0 && ConnectionState.isOpen(c.state)) {
                appendLocked(c, src, null, 0, n, ctx);
                if (flushed && ctx == null) {
                    c.updateInterestLocked(); // as in writeShared: the rest waits for room, not for a flush
                }
            }
            refused = !ConnectionState.isOpen(c.state);
        }
        if (ctx == null) {
            followUp(c);
        }
        return !refused;
    }

    static boolean write(EngineConnection c, byte[] src, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, src.length);
        IoContext ctx = c.currentContext();
        boolean refused;
        synchronized (c.queue) {
            if (!ConnectionState.isOpen(c.state)) {
                return false;
            }
            if (length == 0) {
                return true;
            }
            appendLocked(c, null, src, offset, length, ctx);
            refused = !ConnectionState.isOpen(c.state);
        }
        if (refused && ctx == null) {
            c.requestTasks(EngineConnection.T_CLOSE);
        }
        return !refused;
    }

    /**
     * {@code immutable}: {@code src}'s bytes never change, so what the socket does not take now is
     * linked into the queue as a borrowed view rather than copied, and a socket that sends in place
     * sends them from {@code src}'s memory ({@link io.throng.core.Connection#writeImmutable}).
     */
    static boolean writeShared(EngineConnection c, ByteBuffer src, boolean immutable) {
        int n = src.remaining();
        IoContext ctx = c.currentContext();
        boolean blocking = c.socket.isBlocking();
        boolean refused;
        synchronized (c.queue) {
            if (!ConnectionState.isOpen(c.state)) {
                return false;
            }
            if (n == 0) {
                return true;
            }
            ByteBuffer view = src.duplicate();
            if (!blocking) {
                flushLocked(c, ctx, view, immutable); // straight from the shared bytes, as far as the socket takes them
            }
            if (view.hasRemaining() && ConnectionState.isOpen(c.state)) {
                if (immutable && view.isDirect()) {
                    appended(c, c.queue.appendBorrowed(view, c.engine().writeLimits), ctx);
                } else {
                    appendLocked(c, view, null, 0, view.remaining(), ctx);
                }
                if (!blocking && ctx == null) {
                    // the flush above set the interest while the queue was still empty: now there
                    // is something to write when the socket has room (a caller of writeShared need
                    // not flush; without this the rest waited for the connection's next write)
                    c.updateInterestLocked();
                }
            }
            refused = !ConnectionState.isOpen(c.state);
        }
        if (ctx == null) {
            if (blocking && !refused) {
                c.requestTasks(EngineConnection.T_FLUSH); // never wait for the socket here: the flusher does
            }
            followUp(c);
        }
        return !refused;
    }

    static void flush(EngineConnection c) {
        IoContext ctx = c.currentContext();
        if (c.socket.isBlocking()) {
            if (ctx == null) {
                c.requestTasks(EngineConnection.T_FLUSH);
            } // in a callback the epilogue flushes when it returns
            return;
        }
        if (ctx != null) {
            synchronized (c.queue) {
                flushLocked(c, ctx, null);
            }
            return;
        }
        flushForeign(c);
    }

    /**
     * A flush from outside the serial context, coalesced: the thread that finds no flush under way
     * becomes the flusher and goes on until no thread has asked behind it; the others only queue.
     * So N replies finished at the same moment by N threads (an RPC server's handlers, a multiplexed
     * client's callers) leave in one gathering write instead of N system calls, which is what
     * tnet's "postpone write" achieves. The flusher first yields once, letting the threads finishing
     * with it queue behind it: a yield costs far less than the system call each would make.
     */
    private static void flushForeign(EngineConnection c) {
        synchronized (c.queue) {
            int s = c.state;
            if ((s & ConnectionState.FOREIGN_FLUSH) != 0) {
                c.state = s | ConnectionState.FLUSH_AGAIN;
                return;
            }
            c.state = s | ConnectionState.FOREIGN_FLUSH;
        }
        Thread.yield();
        for (;;) {
            synchronized (c.queue) {
                c.state &= ~ConnectionState.FLUSH_AGAIN;
                flushLocked(c, null, null);
            }
            // (a thread that asks now, between the two, finds the flag and leaves its bytes to us)
            synchronized (c.queue) {
                if ((c.state & ConnectionState.FLUSH_AGAIN) == 0) {
                    c.state &= ~ConnectionState.FOREIGN_FLUSH;
                    break;
                }
            }
        }
        followUp(c);
    }

    /** After a call outside the serial context: what the serial context must now do. */
    private static void followUp(EngineConnection c) {
        int t;
        synchronized (c.queue) {
            int p = phase(c.state);
            if (p == CLOSED) {
                return;
            }
            t = (p == ABORTING ? EngineConnection.T_CLOSE : 0) | (c.queue.writableOwed() ? EngineConnection.T_WRITABLE : 0);
        }
        if (t != 0) {
            c.requestTasks(t);
        }
    }

    /** Copies into the queue; past the cap the connection fails. Under the lock. */
    private static void appendLocked(EngineConnection c, ByteBuffer src, byte[] arr, int offset, int length, IoContext ctx) {
        Engine engine = c.engine();
        BufferCache cache = ctx == null ? null : ctx.cache;
        appended(c, c.queue.append(src, arr, offset, length, engine.writeLimits, cache, engine.pool), ctx);
    }

    /** What an append reported ({@link WriteQueue#append}): counts it, and fails the connection past the cap. */
    private static void appended(EngineConnection c, int events, IoContext ctx) {
        Engine engine = c.engine();
        BufferCache cache = ctx == null ? null : ctx.cache;
        if ((events & WriteQueue.BECAME_UNWRITABLE) != 0) {
            engine.metrics.unwritable.increment();
            FlightEvents.becameUnwritable(c, c.queue.queued(), engine.writeLimits.high());
        }
        if ((events & WriteQueue.OVER_CAP) != 0) {
            String why = c.queue.queued() + " B queued, over max-queued-bytes " + engine.writeLimits.cap() + " B";
            engine.log.log(Level.INFO, c + " closed: " + why);
            c.failLocked(new CloseReason(CloseReason.Kind.WRITE_LIMIT, why, null));
            WriteQueue.releaseChain(c.queue.detach(), cache, engine.pool);
        }
    }

    /**
     * Writes the queue, then {@code extra} if given, with one gathering write, as far as the
     * non-blocking socket takes it. Under the lock.
     */
    static void flushLocked(EngineConnection c, IoContext ctx, ByteBuffer extra) {
        flushLocked(c, ctx, extra, false);
    }

    /** As above; {@code extraImmutable}: {@code extra}'s bytes never change (see {@link WriteQueue#flush}). */
    static void flushLocked(EngineConnection c, IoContext ctx, ByteBuffer extra, boolean extraImmutable) {
        int p = phase(c.state);
        if (p == CLOSED || p == ABORTING) {
            return;
        }
        Engine engine = c.engine();
        long written;
        try {
            if (ctx != null) {
                written = c.queue.flush(c.socket, ctx.scratch, ctx.iov, ctx.iovBase, extra, extraImmutable, engine.writeLimits,
                        ctx.cache, engine.pool);
            } else {
                IoContext.Gather g = IoContext.foreignGather();
                written = c.queue.flush(c.socket, null, g.iov(), g.bases(), extra, extraImmutable, engine.writeLimits, null,
                        engine.pool);
            }
        } catch (IOException e) {
            engine.metrics.ioErrors.increment();
            c.failLocked(CloseReason.ioError(e));
            return;
        }
        if (written > 0) {
            c.lastActivity = ctx != null ? ctx.now : System.nanoTime();
        }
        if (ctx != null) {
            ctx.countWrite(written);
        } else {
            engine.metrics.countForeignWrite(written);
        }
        c.updateInterestLocked();
    }

    /**
     * Flushes a blocking socket: one thread at a time writes, outside the lock (the others append
     * and leave, and the writer goes on until the queue is empty). Returns when the queue is empty
     * or another thread is writing it. {@code ctx} is the calling thread's, or null for a flusher.
     */
    static void flushBlocking(EngineConnection c, IoContext ctx, Scratch scratch, ByteBuffer[] iov, long[] bases) {
        Engine engine = c.engine();
        BufferCache cache = ctx == null ? null : ctx.cache;
        WriteQueue queue = c.queue;
        for (;;) {
            int count;
            synchronized (queue) {
                int p = phase(c.state);
                if (p == CLOSED || p == ABORTING) {
                    return;
                }
                count = queue.beginWrite(iov, bases);
                if (count == 0) {
                    return;
                }
            }
            long written = 0;
            IOException error = null;
            try {
                for (int first = 0; first < count; ) {
                    written += c.socket.write(scratch, iov, bases, first, count - first);
                    while (first < count && !iov[first].hasRemaining()) {
                        first++;
                    }
                }
            } catch (IOException e) {
                error = e;
            } finally {
                for (int i = 0; i < count; i++) {
                    iov[i] = null;
                }
            }
            PooledBuffer orphans = null;
            boolean release = false;
            boolean reset = false;
            boolean failed = false;
            synchronized (queue) {
                if (written > 0) {
                    c.lastActivity = System.nanoTime();
                }
                if (ctx != null) {
                    ctx.countWrite(written);
                } else {
                    engine.metrics.countForeignWrite(written);
                }
                int s = c.state;
                int p = phase(s);
                if (p == CLOSED || p == ABORTING) {
                    // Closed meanwhile: the queue is ours to give back, and the socket, if its release waited for us.
                    orphans = queue.discardAfterWrite();
                    if ((s & RELEASE_DEFERRED) != 0) {
                        release = true;
                        reset = (s & RESET_DEFERRED) != 0;
                        c.state = s & ~(RELEASE_DEFERRED | RESET_DEFERRED);
                    }
                } else if (error != null) {
                    engine.metrics.ioErrors.increment();
                    failed = c.failLocked(CloseReason.ioError(error));
                    orphans = queue.discardAfterWrite();
                } else {
                    queue.endWrite(written, engine.writeLimits, cache, engine.pool);
                }
            }
            if (release) {
                c.socket.close(reset);
            }
            if (orphans != null || release || failed) {
                WriteQueue.releaseChain(orphans, cache, engine.pool);
                if (failed && ctx == null) {
                    c.requestTasks(EngineConnection.T_CLOSE);
                }
                return;
            }
        }
    }

    /** Thread-per-connection: marks a flusher as started; false if one is already writing or about to. */
    static boolean startFlusher(EngineConnection c) {
        synchronized (c.queue) {
            int s = c.state;
            if ((s & FLUSHER) != 0 || phase(s) == CLOSED) {
                return false;
            }
            c.state = s | FLUSHER;
            return true;
        }
    }

    /** The flusher is done; true if more was queued since it looked (it goes on). */
    static boolean flusherDone(EngineConnection c) {
        synchronized (c.queue) {
            int p = phase(c.state);
            if (!c.queue.isEmpty() && !c.queue.writing() && p != CLOSED && p != ABORTING) {
                return true;
            }
            c.state &= ~FLUSHER;
            return false;
        }
    }
}
