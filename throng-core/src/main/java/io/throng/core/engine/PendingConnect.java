package io.throng.core.engine;

import io.throng.core.Connection;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;

/** A client socket waiting for its connect to complete, in one loop's poller. Loop thread. */
final class PendingConnect {
    final TransportSocket socket;
    final CompletableFuture<Connection> future;
    final long deadline;
    /** What the connection carries from before its onOpen (the application's per-connection state). */
    final Object attachment;

    PendingConnect(TransportSocket socket, Object attachment, CompletableFuture<Connection> future, long deadline) {
        this.socket = socket;
        this.attachment = attachment;
        this.future = future;
        this.deadline = deadline;
    }

    /** The poller reported the socket writable (or failed): the connect completed, one way or the other. */
    void onConnectable(EventLoop loop) {
        try {
            if (!socket.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            fail(loop, e);
            return;
        }
        loop.established(this);
    }

    void fail(EventLoop loop, Throwable cause) {
        loop.forgetPending(this);
        socket.close(false);
        loop.engine.metrics.connections.decrementAndGet();
        future.completeExceptionally(cause instanceof IOException ? cause : new ConnectException(String.valueOf(cause)));
    }
}
