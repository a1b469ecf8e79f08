package io.throng.rpc.server;

import io.throng.core.Connection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server connection's RPC state, kept in the engine connection's attachment. The I/O thread
 * (the connection's serial context) decodes and dispatches; workers send replies from their own
 * threads with a write and a flush, which the engine coalesces (replies finished together leave in
 * one gathering write); replies sent on the I/O thread are only queued, since the engine flushes
 * them all in one write when the callback returns.
 */
final class ServerConnection implements ReplySink {
    final Connection connection;
    /** Requests of this connection being handled: the connection is not idle while any is. */
    final AtomicInteger inFlight = new AtomicInteger();
    /** The thread running this connection's callback now, or null. */
    volatile Thread ioThread;
    volatile long lastActivityNanos = System.nanoTime();
    /** The peer sent FIN: close once the last in-flight request is answered. */
    volatile boolean inputClosed;
    /** Streams of this connection; created on the first INIT. */
    Object streams;

    ServerConnection(Connection connection) {
        this.connection = connection;
    }

    /** Queues a reply (flushed at the callback's end on the I/O thread, at once elsewhere). */
    @Override
    public boolean send(byte[] frame) {
        lastActivityNanos = System.nanoTime();
        if (Thread.currentThread() == ioThread) {
            return connection.write(frame);
        }
        if (!connection.write(frame)) {
            return false;
        }
        connection.flush();
        return true;
    }

    @Override
    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** A request finished (replied to, or one-way done): close if the peer is gone and this was the last. */
    @Override
    public void requestDone() {
        if (inFlight.decrementAndGet() == 0 && inputClosed) {
            connection.close();
        }
    }
}
