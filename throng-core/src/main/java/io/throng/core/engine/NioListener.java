package io.throng.core.engine;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;

/** A listener on a JDK {@link ServerSocketChannel}, registered with a {@link NioLoop}'s selector. */
final class NioListener extends Listener {
    private final ServerSocketChannel channel;
    private SelectionKey key;

    NioListener(NioLoop loop, ServerSocketChannel channel, EventLoop[] targets, AdmissionGate gate) {
        super(loop, targets, gate);
        this.channel = channel;
    }

    @Override
    void registerSocket() throws IOException {
        channel.configureBlocking(false);
        key = channel.register(((NioLoop) loop).selector, SelectionKey.OP_ACCEPT, this);
    }

    @Override
    Object acceptOne() throws IOException {
        return channel.accept();
    }

    @Override
    void acceptInterest(boolean on) {
        if (key != null && key.isValid()) {
            key.interestOps(on ? SelectionKey.OP_ACCEPT : 0);
        }
    }

    @Override
    boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    String localAddress() {
        try {
            return String.valueOf(channel.getLocalAddress());
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    void closeSocket() {
        if (key != null) {
            key.cancel();
        }
        Sockets.closeQuietly(channel);
    }
}
