package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.INPUT_CLOSED;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.PEER_CLOSED_FIRST;
import static io.throng.core.engine.ConnectionState.RESUMED;
import static io.throng.core.engine.ConnectionState.SUSPENDED;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.LayeredHandler;
import io.throng.core.buffer.PooledBuffer;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;

/**
 * Reading a connection in its serial context: the read loop, and the bytes a handler leaves
 * unconsumed between reads, which are the only inbound memory a connection holds, and only
 * while a message is incomplete.
 *
 * <p>Every read goes into the reading thread's buffer ({@link IoContext#readBuffer}, 64 KiB a loop,
 * 4 KiB a connection thread). Whatever the handler leaves is copied into a pooled chunk of the
 * smallest size class that holds it (256 B, 1 KiB, 4 KiB, ... 1 MiB, then exact), kept in
 * {@link EngineConnection#inbound}, and given back the moment the handler consumes the rest. At
 * the next read a small leftover is moved to the front of the thread's buffer, so one large read
 * follows it; a large one (a big message being assembled) is read into directly, grown
 * geometrically, and capped by {@code max-inbound-bytes}.
 */
final class Inbound {
    /** Reads per dispatch before other connections get their turn (nbio uses 3, we read bigger). */
    static final int MAX_READS_PER_DISPATCH = 16;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private Inbound() {
    }

    /** Reads while the socket fills the buffer, at most {@link #MAX_READS_PER_DISPATCH} times. */
    static void readLoop(EngineConnection c, IoContext ctx) {
        assert c.currentContext() == ctx : "reads run in the connection's serial context";
        for (int i = 0; i < MAX_READS_PER_DISPATCH; i++) {
            if (!ConnectionState.reads(c.state)) {
                return;
            }
            int n;
            try {
                n = readOnce(c, ctx);
            } catch (IOException e) {
                readFailed(c, e);
                return;
            }
            if (n < 0) {
                endOfStream(c);
                return;
            }
            if (n == 0 || !ctx.lastReadFilled) {
                return;
            }
        }
    }

    /**
     * Reads once (blocking or not, as the socket is) and hands the bytes to the handler, preceded by
     * what it left last time. Returns the bytes read, 0 if none, -1 at end of stream.
     */
    static int readOnce(EngineConnection c, IoContext ctx) throws IOException {
        ByteBuffer dst = readPhase(c, ctx);
        int n = ctx.lastRead;
        if (dst != null) {
            deliverPhase(c, ctx, dst, n);
        }
        return n;
    }

    /**
     * The read half of {@link #readOnce}: fills and flips the buffer the handler will see, or
     * returns null when closing (the bytes were discarded). The bytes read, or -1, go to
     * {@code ctx.lastRead}. Thread-per-connection calls this without holding the handler lock.
     */
    static ByteBuffer readPhase(EngineConnection c, IoContext ctx) throws IOException {
        if (c.closingOrClosed()) {
            ctx.lastRead = discardOnce(c, ctx);
            return null;
        }
        ByteBuffer dst = readTarget(c, ctx);
        try {
            ctx.lastRead = c.socket.read(ctx.scratch, dst, dst == ctx.readBuffer ? ctx.readAddress : c.inbound.address());
        } finally {
            ctx.lastReadFilled = !dst.hasRemaining();
            dst.flip();
        }
        return dst;
    }

    /** The dispatch half of {@link #readOnce}: onData, then keep what the handler left. */
    static void deliverPhase(EngineConnection c, IoContext ctx, ByteBuffer dst, int n) {
        if (n > 0) {
            c.lastActivity = ctx.now;
            ctx.countRead(n);
            FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(c);
            try {
                c.engine().handler.onData(c, dst);
            } catch (Throwable t) {
                c.handlerFailed("onData", t);
            }
            FlightEvents.handlerReturned(timed, c, "onData");
        }
        keep(c, dst, ctx);
    }

    /** Closing: read and drop what the peer still sends, waiting for its FIN. */
    private static int discardOnce(EngineConnection c, IoContext ctx) throws IOException {
        ByteBuffer dst = ctx.readBuffer;
        dst.clear();
        int n = c.socket.read(ctx.scratch, dst, ctx.readAddress);
        ctx.lastReadFilled = !dst.hasRemaining();
        dst.clear();
        if (n > 0) {
            ctx.countRead(n);
        }
        return n;
    }

    /**
     * The buffer the next read goes into. Without leftover bytes: the context's read buffer. With a
     * small leftover: the leftover is moved to the front of the read buffer (one big read follows
     * it). With a big one (a large message being assembled): the leftover's own buffer, grown when
     * full, so big messages are not copied at every read.
     */
    private static ByteBuffer readTarget(EngineConnection c, IoContext ctx) {
        PooledBuffer keep = c.inbound;
        ByteBuffer rb = ctx.readBuffer;
        rb.clear();
        if (keep == null) {
            return rb;
        }
        ByteBuffer kb = keep.buffer();
        if (kb.remaining() <= rb.capacity() / 2) {
            rb.put(kb);
            c.inbound = null;
            ctx.cache.release(keep);
            return rb;
        }
        kb.compact();
        if (!kb.hasRemaining()) {
            PooledBuffer bigger = ctx.cache.acquire(Math.max(kb.capacity() * 2, kb.capacity() + rb.capacity()));
            kb.flip();
            bigger.buffer().put(kb);
            ctx.cache.release(keep);
            c.inbound = bigger;
            return bigger.buffer();
        }
        return kb;
    }

    /** After onData: keep what the handler left, in a pooled buffer just big enough. */
    private static void keep(EngineConnection c, ByteBuffer in, IoContext ctx) {
        if (ConnectionState.isClosed(c.state())) {
            return;
        }
        int left = in.remaining();
        if (in == ctx.readBuffer) {
            if (left == 0 || !withinLimit(c, left)) {
                return;
            }
            PooledBuffer b = ctx.cache.acquire(left);
            b.buffer().put(in).flip();
            c.inbound = b;
        } else if (left == 0) {
            PooledBuffer b = c.inbound;
            c.inbound = null;
            ctx.cache.release(b);
        } else {
            withinLimit(c, left);
        }
    }

    private static boolean withinLimit(EngineConnection c, int left) {
        Engine engine = c.engine();
        if (left <= engine.limits.maxInboundBytes()) {
            return true;
        }
        String why = "handler left " + left + " B unconsumed, over max-inbound-bytes " + engine.limits.maxInboundBytes() + " B";
        engine.log.log(Level.INFO, c + " closed: " + why);
        c.fail(new CloseReason(CloseReason.Kind.READ_LIMIT, why, null));
        return false;
    }

    /**
     * Reads were resumed: hands the handler what it left unconsumed, without reading (the socket
     * may have nothing more).
     */
    static void redeliver(EngineConnection c, IoContext ctx) {
        PooledBuffer keep = c.inbound;
        if (!takeResumed(c)) {
            return;
        }
        if (keep == null) {
            // A layer (TLS) may hold decoded bytes its inner handler put off while no raw byte is
            // left here: only it knows, so it is asked, and handed an empty buffer to go on.
            if (c.engine().handler instanceof LayeredHandler l && l.holdsInput(c)) {
                try {
                    l.onData(c, EMPTY);
                } catch (Throwable t) {
                    c.handlerFailed("onData", t);
                }
            }
            return;
        }
        ByteBuffer b = keep.buffer();
        if (!b.hasRemaining()) {
            return;
        }
        FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(c);
        try {
            c.engine().handler.onData(c, b);
        } catch (Throwable t) {
            c.handlerFailed("onData", t);
        }
        FlightEvents.handlerReturned(timed, c, "onData");
        if (!ConnectionState.isClosed(c.state()) && c.inbound == keep && !b.hasRemaining()) {
            c.inbound = null;
            ctx.cache.release(keep);
        }
    }

    /**
     * The socket reported an error or a hang-up. A connection that is going to read finds out what
     * happened by reading (data may still be waiting before the end); one that is not reading would
     * otherwise hear the same report forever from a level-triggered set, so it is closed.
     */
    static void hangUp(EngineConnection c, boolean error) {
        int s = c.state;
        if (phase(s) == CLOSED || ConnectionState.reads(s)) {
            return;
        }
        c.fail(error ? CloseReason.ioError(new IOException("socket error reported by the transport"))
                : ConnectionState.closingGracefully(s) ? CloseReason.LOCAL : CloseReason.PEER_CLOSED);
    }

    /** The peer's FIN: no more reads; onInputClosed unless we were closing already. */
    static void endOfStream(EngineConnection c) {
        boolean closing;
        synchronized (c.queue) {
            int s = c.state;
            closing = phase(s) != OPEN;
            c.state = s | INPUT_CLOSED | (closing ? 0 : PEER_CLOSED_FIRST);
            c.updateInterestLocked();
        }
        if (!closing) {
            try {
                c.engine().handler.onInputClosed(c);
            } catch (Throwable t) {
                c.handlerFailed("onInputClosed", t);
            }
        }
    }

    static void readFailed(EngineConnection c, IOException e) {
        c.engine().metrics.ioErrors.increment();
        c.fail(CloseReason.ioError(e));
    }

    /** Takes the RESUMED flag: true if reads were resumed since, with the connection open. */
    private static boolean takeResumed(EngineConnection c) {
        synchronized (c.queue) {
            int s = c.state;
            c.state = s & ~RESUMED;
            return (s & RESUMED) != 0 && ConnectionState.isOpen(s) && (s & SUSPENDED) == 0;
        }
    }

    /** Whether reads were resumed with a leftover since the connection's thread last looked (thread-per-connection). */
    static boolean resumedWithLeftover(EngineConnection c) {
        synchronized (c.queue) {
            if (c.inbound == null && !(c.engine().handler instanceof LayeredHandler l && l.holdsInput(c))) {
                c.state &= ~RESUMED; // nothing was left: the next read is all there is
            }
            return (c.state & RESUMED) != 0;
        }
    }

    /** The connection closed: gives the leftover back. */
    static void release(EngineConnection c, IoContext ctx) {
        PooledBuffer in = c.inbound;
        if (in != null) {
            c.inbound = null;
            if (ctx != null) {
                ctx.cache.release(in);
            } else {
                c.engine().pool.release(in);
            }
        }
    }
}
