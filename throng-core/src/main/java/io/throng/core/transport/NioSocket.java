package io.throng.core.transport;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A socket over a JDK {@link SocketChannel}: non-blocking in a poller, blocking on its own thread.
 * The JDK's channel guards its descriptor itself (a close while another thread is blocked on it is
 * deferred until that thread leaves), so this class adds no lock of its own.
 */
public final class NioSocket extends TransportSocket {
    final SocketChannel channel;
    /** The registration with a poller's selector; null for a blocking socket. */
    SelectionKey key;
    boolean connectedAtOnce;

    NioSocket(SocketChannel channel) {
        this.channel = channel;
    }

    @Override
    public int read(Scratch s, ByteBuffer dst, long dstBase) throws IOException {
        return channel.read(dst);
    }

    @Override
    public long write(Scratch s, ByteBuffer src, long srcBase) throws IOException {
        return channel.write(src);
    }

    @Override
    public long write(Scratch s, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        return channel.write(srcs, offset, length);
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void shutdownToWake(boolean graceful, boolean reset) {
        if (graceful) {
            try {
                channel.shutdownInput();
            } catch (IOException ignored) {
                // not connected any more: the reader is failing already
            }
        } else {
            close(reset); // the JDK defers the real close until the blocked reader has left
        }
    }

    @Override
    public void close(boolean reset) {
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
        NioTransport.closeQuietly(channel);
    }

    @Override
    public boolean setInterest(int ops) {
        SelectionKey k = key;
        if (k == null) {
            return false;
        }
        try {
            if (k.interestOps() != ops) {
                k.interestOps(ops);
                return true;
            }
        } catch (CancelledKeyException ignored) {
            // closed meanwhile
        }
        return false;
    }

    @Override
    public int available() {
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
    public boolean finishConnect() throws IOException {
        return connectedAtOnce || channel.finishConnect();
    }

    @Override
    public void makeBlocking(Parker parker) throws IOException {
        channel.configureBlocking(true);
    }

    @Override
    public boolean isBlocking() {
        return channel.isBlocking();
    }
}
