package io.throng.core.engine;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/** An event loop on a JDK {@link Selector}: the portable transport. */
final class NioLoop extends EventLoop {
    final Selector selector;
    private final Consumer<SelectionKey> onKey = this::onKey;

    NioLoop(int index, Engine engine, WorkerPool pool, String threadName) throws IOException {
        super(index, engine, pool, threadName);
        this.selector = Selector.open();
    }

    @Override
    void poll(long timeoutMillis) throws IOException {
        // select(Consumer) walks the ready keys without the selected-key set and its garbage.
        if (timeoutMillis == 0) {
            selector.selectNow(onKey);
        } else {
            selector.select(onKey, timeoutMillis);
        }
    }

    private void onKey(SelectionKey key) {
        Object a = key.attachment();
        if (a instanceof ConnectionImpl c) {
            ready(c);
        } else if (a instanceof Listener l) {
            l.onAcceptable();
        } else if (a instanceof NioPendingConnect p) {
            p.onConnectable(this);
        }
    }

    @Override
    void wakeupPoller() {
        selector.wakeup();
    }

    @Override
    boolean needsWakeupForInterest() {
        return true;
    }

    @Override
    void closePoller() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    @Override
    void adopt(Object socket) {
        SocketChannel ch = (SocketChannel) socket;
        NioConnection c;
        try {
            Sockets.configure(ch, engine.socket);
            ch.configureBlocking(false);
            c = new NioConnection(engine, owner, ch);
            c.key = ch.register(selector, ConnectionImpl.READ, c);
        } catch (IOException | RuntimeException e) {
            registrationFailed(e);
            Sockets.closeQuietly(ch);
            return;
        }
        registered(c);
    }

    @Override
    void reject(Object socket) {
        Sockets.closeQuietly((SocketChannel) socket);
    }

    @Override
    void connect(java.net.InetSocketAddress remote, java.net.InetSocketAddress local, Object attachment,
                 java.util.concurrent.CompletableFuture<io.throng.core.Connection> future, long timeoutNanos) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            Sockets.configure(ch, engine.socket);
            if (local != null) {
                ch.bind(local);
            }
            NioPendingConnect p = new NioPendingConnect(ch, attachment, future, System.nanoTime() + timeoutNanos);
            if (ch.connect(remote)) {
                p.key = ch.register(selector, 0, p);
                established(p);
            } else {
                p.key = ch.register(selector, SelectionKey.OP_CONNECT, p);
                addPending(p);
            }
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                Sockets.closeQuietly(ch);
            }
            engine.metrics.connections.decrementAndGet();
            future.completeExceptionally(e);
        }
    }

    /** The socket of {@code p} is connected: the same key now serves the connection. */
    void established(NioPendingConnect p) {
        NioConnection c = new NioConnection(engine, owner, p.channel);
        c.key = p.key;
        p.key.attach(c);
        p.key.interestOps(ConnectionImpl.READ);
        connected(p, c);
    }
}
