package io.throng.core.transport;

import io.throng.core.config.SocketOptions;
import io.throng.core.config.TransportKind;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** The JDK's {@code Selector} and {@code SocketChannel}: portable, no reflection into the JDK. */
public final class NioTransport implements Transport {
    static final NioTransport INSTANCE = new NioTransport();

    private NioTransport() {
    }

    @Override
    public TransportKind kind() {
        return TransportKind.NIO;
    }

    @Override
    public Poller openPoller(boolean oneShot, int eventsPerWait) throws IOException {
        // A Selector has no one-shot registration: the worker pool disarms by setting interest 0.
        return new NioPoller();
    }

    @Override
    public ListenSocket listen(InetSocketAddress address, SocketOptions o, boolean reusePort) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (reusePort || o.reusePort()) {
                ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            if (o.receiveBufferSize() > 0) {
                // on the listener, so that accepted sockets start with it (the window is negotiated at SYN)
                ch.setOption(StandardSocketOptions.SO_RCVBUF, o.receiveBufferSize());
            }
            ch.bind(address, o.backlog());
            ch.configureBlocking(false);
            return new NioListenSocket(ch, o);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    @Override
    public TransportSocket connect(Scratch s, InetSocketAddress remote, InetSocketAddress local, SocketOptions o)
            throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.configureBlocking(false);
            configure(ch, o);
            if (local != null) {
                ch.bind(local);
            }
            NioSocket socket = new NioSocket(ch);
            socket.connectedAtOnce = ch.connect(remote);
            return socket;
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    @Override
    public Scratch newScratch(int iovCapacity) {
        return new NioScratch(iovCapacity);
    }

    @Override
    public Parker newParker(String name) {
        return Parker.NONE; // a blocking SocketChannel waits by itself (virtual threads on the JDK's poller)
    }

    @Override
    public boolean sharedOneShotSets() {
        return false;
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

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    /** NIO needs no native scratch; this only carries the capacity the engine sizes its arrays by. */
    static final class NioScratch extends Scratch {
        private final int iovCapacity;

        NioScratch(int iovCapacity) {
            this.iovCapacity = iovCapacity;
        }

        @Override
        public int iovCapacity() {
            return iovCapacity;
        }
    }
}
