package io.throng.core.transport;

import io.throng.core.config.SocketOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A listener on a non-blocking {@link ServerSocketChannel}. */
public final class NioListenSocket extends ListenSocket {
    final ServerSocketChannel channel;
    private final SocketOptions options;
    private final InetSocketAddress address;
    SelectionKey key;

    NioListenSocket(ServerSocketChannel channel, SocketOptions options) throws IOException {
        this.channel = channel;
        this.options = options;
        this.address = (InetSocketAddress) channel.getLocalAddress();
    }

    @Override
    public TransportSocket accept(Scratch s) throws IOException {
        SocketChannel ch = channel.accept();
        if (ch == null) {
            return null;
        }
        try {
            ch.configureBlocking(false);
            NioTransport.configure(ch, options);
            return new NioSocket(ch);
        } catch (IOException | RuntimeException e) {
            NioTransport.closeQuietly(ch);
            throw e;
        }
    }

    @Override
    public void acceptInterest(boolean on) {
        SelectionKey k = key;
        if (k != null && k.isValid()) {
            k.interestOps(on ? SelectionKey.OP_ACCEPT : 0);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        SelectionKey k = key;
        if (k != null) {
            k.cancel();
        }
        NioTransport.closeQuietly(channel);
    }
}
