package io.throng.rpc.client;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.RetCode;
import io.throng.rpc.frame.UnaryFrames;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pooled connection: one call in flight at a time, as tRPC-Go's connection pool. A response is
 * checked against the call's {@code request_id}. A call that times out or is cancelled leaves its
 * response still to come, so the connection is closed rather than reused (a late response must
 * never be read as the next call's).
 */
final class PooledConnection extends ClientConnection {
    static final int BUSY = 0;
    static final int IDLE = 1;
    static final int CLOSED = 2;

    private final PoolHost host;
    final AtomicInteger state = new AtomicInteger(BUSY);
    private volatile PendingCall current;
    volatile long idleSinceNanos;

    PooledConnection(Connection connection, PoolHost host) {
        super(connection);
        this.host = host;
    }

    /** Takes the connection out of the idle set for a call; false if it was closed meanwhile. */
    boolean takeIdle() {
        return state.compareAndSet(IDLE, BUSY);
    }

    /** Marks it idle (the caller then puts it in the idle set) and arms the idle timer. */
    void markIdle(Duration idleTimeout) {
        idleSinceNanos = System.nanoTime();
        state.set(IDLE);
        if (!idleTimeout.isZero()) {
            connection.setTimer(idleTimeout);
        }
    }

    void start(PendingCall call, byte[] frame) {
        current = call;
        call.owner = this;
        if (call.claimed()) {
            callFinished(call, false); // timed out or cancelled while waiting for a connection
            return;
        }
        if (!send(frame)) {
            call.fail(RetCode.CLIENT_NETWORK, "connection to " + address() + " is closing");
            return;
        }
        if (call.oneWay) {
            call.complete(RpcResponse.ONE_WAY_SENT);
        }
    }

    @Override
    void callFinished(PendingCall call, boolean abandoned) {
        if (current != call) {
            return;
        }
        current = null;
        if (closed) {
            return;
        }
        if (abandoned && !call.oneWay) {
            connection.close();
        } else {
            host.release(this);
        }
    }

    @Override
    void onFrame(FrameHeader header, ByteBuffer in) {
        if (!header.isUnary()) {
            throw new FrameException("stream frame on a pooled connection");
        }
        UnaryFrames.Response r = UnaryFrames.decodeResponse(in, header);
        PendingCall call = current;
        if (call == null || call.requestId != r.header().requestId()) {
            throw new FrameException("response for request " + (r.header().requestId() & 0xFFFFFFFFL)
                    + " while " + (call == null ? "no call is in flight" : "waiting for " + (call.requestId & 0xFFFFFFFFL)));
        }
        call.completeWith(r);
    }

    @Override
    void onTimer() {
        long idleFor = System.nanoTime() - idleSinceNanos;
        Duration timeout = host.idleTimeout();
        if (state.get() != IDLE) {
            return; // taken again; the next release re-arms the timer
        }
        if (idleFor < timeout.toNanos()) {
            connection.setTimer(Duration.ofNanos(timeout.toNanos() - idleFor));
            return;
        }
        if (state.compareAndSet(IDLE, CLOSED)) {
            PoolHost.LOG.log(Level.DEBUG, "pooled " + connection + " closed: idle for " + idleFor / 1_000_000 + " ms");
            host.dropIdle(this);
            connection.close();
        }
    }

    @Override
    void onClosed(CloseReason reason) {
        closed = true;
        state.set(CLOSED);
        host.closed(this);
        PendingCall call = current;
        if (call != null) {
            call.fail(RetCode.CLIENT_NETWORK, "connection to " + address() + " closed: " + reason);
        }
    }
}
