package io.throng.core.engine;

import static io.throng.core.engine.ConnectionState.ABORTING;
import static io.throng.core.engine.ConnectionState.CLOSED;
import static io.throng.core.engine.ConnectionState.CLOSING;
import static io.throng.core.engine.ConnectionState.INPUT_CLOSED;
import static io.throng.core.engine.ConnectionState.LINGERING;
import static io.throng.core.engine.ConnectionState.OPEN;
import static io.throng.core.engine.ConnectionState.PEER_CLOSED_FIRST;
import static io.throng.core.engine.ConnectionState.RELEASE_DEFERRED;
import static io.throng.core.engine.ConnectionState.RESET_DEFERRED;
import static io.throng.core.engine.ConnectionState.moveTo;
import static io.throng.core.engine.ConnectionState.phase;

import io.throng.core.CloseReason;
import io.throng.core.buffer.PooledBuffer;
import java.io.IOException;
import java.lang.System.Logger.Level;

/**
 * How a connection ends, in its serial context: the graceful close (write what is queued, FIN,
 * linger until the peer's FIN), the close at once (a failure, a limit, abort), and the deadlines
 * that end a connection on their own (idle timeout, linger timeout) or fire its timer.
 *
 * <ul>
 *   <li>{@code close()}: stop delivering data; flush the queue; shut the output down (FIN); keep
 *       reading and dropping until the peer's FIN or {@code linger-timeout} (2 s) without progress;
 *       close. Closing a socket with unread bytes makes Linux send RST, which can destroy the last
 *       replies in the peer's receive queue; lingering avoids that.</li>
 *   <li>{@code abort()}, limits and handler exceptions: close at once with SO_LINGER 0 (RST).</li>
 *   <li>{@code onClose(reason)} runs exactly once, after which the connection holds no buffer.</li>
 * </ul>
 */
final class Closing {
    private Closing() {
    }

    /** After callbacks: carries out a failure, or moves a graceful close forward when the queue has drained. */
    static void progress(EngineConnection c, IoContext ctx) {
        int s;
        CloseReason f;
        boolean shutOutput = false;
        synchronized (c.queue) {
            s = c.state;
            f = c.failure;
            if (phase(s) == CLOSING && c.queue.isEmpty() && !c.queue.writing()) {
                c.state = s = moveTo(s, LINGERING);
                shutOutput = true;
            }
        }
        int p = phase(s);
        if (p == CLOSED || p == OPEN) {
            return;
        }
        if (p == ABORTING) {
            closeNow(c, ctx, f);
            return;
        }
        if (shutOutput) {
            try {
                c.socket.shutdownOutput();
            } catch (IOException e) {
                closeNow(c, ctx, gracefulReason(s));
                return;
            }
            c.lastActivity = System.nanoTime();
            c.owner.deadlineChanged(c);
        }
        if (p == LINGERING && (s & INPUT_CLOSED) != 0) {
            closeNow(c, ctx, gracefulReason(s));
        }
        // Otherwise linger: discard what the peer sends until its FIN or the linger deadline.
    }

    /** The reason of a graceful close: the peer's if its FIN came before our close, ours otherwise. */
    static CloseReason gracefulReason(int s) {
        return (s & PEER_CLOSED_FIRST) != 0 ? CloseReason.PEER_CLOSED : CloseReason.LOCAL;
    }

    /** Closes now, whatever is queued; runs onClose. Serial context; idempotent. */
    static void closeNow(EngineConnection c, IoContext ctx, CloseReason reason) {
        Engine engine = c.engine();
        boolean resets = resets(reason);
        PooledBuffer q;
        boolean deferred;
        synchronized (c.queue) {
            int s = c.state;
            if (phase(s) == CLOSED) {
                return;
            }
            s = moveTo(s, CLOSED);
            deferred = c.queue.writing();
            if (deferred) {
                // A write outside the lock is under way: its writer gives the queue back, and the socket.
                s |= RELEASE_DEFERRED | (resets ? RESET_DEFERRED : 0);
                q = null;
            } else {
                q = c.queue.detach();
            }
            c.state = s;
            if (c.socket.isBlocking()) {
                c.queue.notifyAll();
            }
        }
        WriteQueue.releaseChain(q, ctx == null ? null : ctx.cache, engine.pool);
        Inbound.release(c, ctx);
        c.owner.closed(c, reason);
        if (deferred) {
            // Fails the writer's write at once; it releases the socket when it leaves, so that none of
            // its writes can reach a connection that reused the descriptor number.
            c.socket.shutdownToWake(false, resets);
        } else {
            c.socket.close(resets);
        }
        engine.connectionClosed(reason);
        FlightEvents.closed(c, reason);
        IoContext previous = c.swapContext(ctx);
        FlightEvents.SlowHandler timed = FlightEvents.handlerCalled(c);
        try {
            engine.handler.onClose(c, reason);
        } catch (Throwable t) {
            engine.metrics.handlerErrors.increment();
            engine.log.log(Level.WARNING, c + ": handler onClose threw " + t);
        }
        FlightEvents.handlerReturned(timed, c, "onClose");
        c.swapContext(previous);
    }

    /** Whether closing for {@code reason} resets the connection rather than ending it with FIN. */
    static boolean resets(CloseReason reason) {
        CloseReason.Kind kind = reason.kind();
        return reason == CloseReason.ABORTED || kind == CloseReason.Kind.WRITE_LIMIT
                || kind == CloseReason.Kind.READ_LIMIT || kind == CloseReason.Kind.HANDLER_ERROR;
    }

    /**
     * Server shutdown, in the serial context: handle the bytes that already arrived, then close
     * gracefully, so no request already received loses its reply.
     */
    static void shutdownGracefully(EngineConnection c, IoContext ctx) {
        c.markShutdownRequested();
        if (ConnectionState.isOpen(c.state)) {
            Inbound.readLoop(c, ctx);
        }
        c.close();
    }

    // ------------------------------------------------------------------ deadlines

    /** When {@code c} must be looked at (its timer, or closed if nothing happens), or Long.MAX_VALUE. */
    static long deadlineNanos(EngineConnection c) {
        int s = c.state;
        if (phase(s) == CLOSED) {
            return Long.MAX_VALUE;
        }
        long close = closeDeadlineNanos(c, s);
        long at = c.timerAt;
        return at != 0 && ConnectionState.isOpen(s) && at - close < 0 ? at : close;
    }

    private static long closeDeadlineNanos(EngineConnection c, int s) {
        Engine engine = c.engine();
        if (phase(s) != OPEN) {
            return c.lastActivity + engine.lingerNanos;
        }
        long idle = engine.idleTimeoutNanos;
        return idle == Long.MAX_VALUE ? Long.MAX_VALUE : c.lastActivity + idle;
    }

    /** True if nothing happened for the idle timeout (or, closing, the linger timeout). */
    static boolean expiredAt(EngineConnection c, long now) {
        int s = c.state;
        return phase(s) != CLOSED && now - closeDeadlineNanos(c, s) >= 0;
    }

    /**
     * The deadline came round, in the serial context (between enter and epilogue): fire the timer
     * if it is due, close if the idle or linger deadline really passed, else re-time.
     */
    static void checkDeadline(EngineConnection c, IoContext ctx) {
        if (phase(c.state) == CLOSED) {
            return;
        }
        long now = System.nanoTime();
        if (ConnectionState.isOpen(c.state) && c.takeTimerIfDue(now)) {
            c.fireTimer();
        }
        if (expiredAt(c, now)) {
            closeNow(c, ctx, expiryReason(c));
        } else if (phase(c.state) != CLOSED) {
            c.owner.deadlineChanged(c);
        }
    }

    /** Why the connection closes when its deadline passes. */
    static CloseReason expiryReason(EngineConnection c) {
        int s = c.state;
        return phase(s) == OPEN ? CloseReason.IDLE_TIMEOUT : gracefulReason(s);
    }
}
