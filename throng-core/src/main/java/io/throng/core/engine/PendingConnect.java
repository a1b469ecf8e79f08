package io.throng.core.engine;

import io.throng.core.Connection;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/** A client socket waiting for its connection to complete, registered for OP_CONNECT. */
final class PendingConnect {
    final SocketChannel channel;
    /** What the connection carries from before its onOpen (the application's per-connection state). */
    final Object attachment;
    final CompletableFuture<Connection> future;
    final long deadline;
    SelectionKey key;

    PendingConnect(SocketChannel channel, Object attachment, CompletableFuture<Connection> future, long deadline) {
        this.channel = channel;
        this.attachment = attachment;
        this.future = future;
        this.deadline = deadline;
    }

    void onConnectable(EventLoop loop) {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            fail(loop, e);
            return;
        }
        loop.connected(this);
    }

    void fail(EventLoop loop, Throwable cause) {
        loop.forgetPending(this);
        if (key != null) {
            key.cancel();
        }
        Sockets.closeQuietly(channel);
        loop.engine.metrics.connections.decrementAndGet();
        future.completeExceptionally(cause instanceof IOException ? cause : new ConnectException(String.valueOf(cause)));
    }
}
