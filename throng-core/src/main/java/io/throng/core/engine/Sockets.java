package io.throng.core.engine;

import io.throng.core.config.SocketOptions;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** Socket set-up shared by the models. */
final class Sockets {
    private Sockets() {
    }

    static void configure(SocketChannel ch, SocketOptions o) throws IOException {
        ch.setOption(StandardSocketOptions.TCP_NODELAY, o.tcpNoDelay());
        if (o.receiveBufferSize() > 0) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, o.receiveBufferSize());
        }
        if (o.sendBufferSize() > 0) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, o.sendBufferSize());
        }
    }

    /** A listening socket; with {@code reusePort} several of them can bind the same port. */
    static ServerSocketChannel listen(InetSocketAddress address, SocketOptions o, boolean reusePort)
            throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort || o.reusePort()) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            if (o.receiveBufferSize() > 0) {
                // Set on the listener so that accepted sockets start with it (the window is negotiated at SYN).
                ch.setOption(StandardSocketOptions.SO_RCVBUF, o.receiveBufferSize());
            }
            ch.bind(address, o.backlog());
            return ch;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }
}
