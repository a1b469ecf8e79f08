package io.throng.core.engine;

import io.throng.core.Connection;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;

/** A client socket waiting for its connection to complete. Loop thread. */
abstract class PendingConnect {
    final CompletableFuture<Connection> future;
    final long deadline;
    /** What the connection carries from before its onOpen (the application's per-connection state). */
    final Object attachment;

    PendingConnect(Object attachment, CompletableFuture<Connection> future, long deadline) {
        this.attachment = attachment;
        this.future = future;
        this.deadline = deadline;
    }

    /** Releases the socket. */
    abstract void closeSocket();

    final void fail(EventLoop loop, Throwable cause) {
        loop.forgetPending(this);
        closeSocket();
        loop.engine.metrics.connections.decrementAndGet();
        future.completeExceptionally(cause instanceof IOException ? cause : new ConnectException(String.valueOf(cause)));
    }
}
