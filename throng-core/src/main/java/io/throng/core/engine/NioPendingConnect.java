package io.throng.core.engine;

import io.throng.core.Connection;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;

/** A pending client connection on the NIO transport, registered for OP_CONNECT. */
final class NioPendingConnect extends PendingConnect {
    final SocketChannel channel;
    SelectionKey key;

    NioPendingConnect(SocketChannel channel, Object attachment, CompletableFuture<Connection> future, long deadline) {
        super(attachment, future, deadline);
        this.channel = channel;
    }

    void onConnectable(NioLoop loop) {
        try {
            if (!channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            fail(loop, e);
            return;
        }
        loop.established(this);
    }

    @Override
    void closeSocket() {
        if (key != null) {
            key.cancel();
        }
        Sockets.closeQuietly(channel);
    }
}
