package io.throng.core.engine;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/** A connection over a JDK {@link SocketChannel}: non-blocking under a loop, blocking on its own thread. */
final class NioConnection extends ConnectionImpl {
    final SocketChannel channel;
    /** The registration with the owning loop's selector; null for a blocking connection. */
    SelectionKey key;

    NioConnection(Engine engine, Owner owner, SocketChannel channel) {
        super(engine, owner);
        this.channel = channel;
    }

    @Override
    int readSocket(IoContext ctx, ByteBuffer dst, long dstBase) throws IOException {
        return channel.read(dst);
    }

    @Override
    long writeSocket(IoContext ctx, ByteBuffer src, long srcBase) throws IOException {
        return channel.write(src);
    }

    @Override
    long writeSocket(IoContext ctx, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    void shutdownOutputSocket() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    void closeSocket(boolean reset) {
        if (reset) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException ignored) {
                // already closed: nothing to reset
            }
        }
        SelectionKey k = key;
        if (k != null) {
            k.cancel();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is released whatever close reports
        }
    }

    @Override
    void wakeReader(boolean graceful, boolean reset) {
        if (graceful) {
            try {
                channel.shutdownInput();
            } catch (IOException ignored) {
                // not connected any more: the reader is failing already
            }
        } else {
            closeSocket(reset); // the JDK defers the real close until the blocked reader has left
        }
    }

    @Override
    int available() {
        try {
            return channel.socket().getInputStream().available();
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public SocketAddress remoteAddress() {
        try {
            return channel.getRemoteAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public SocketAddress localAddress() {
        try {
            return channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    boolean setInterest(int ops) {
        SelectionKey k = key;
        if (k == null) {
            return false;
        }
        try {
            if (k.interestOps() != ops) {
                k.interestOps(ops);
                return true;
            }
        } catch (java.nio.channels.CancelledKeyException ignored) {
            // closed meanwhile
        }
        return false;
    }
}
