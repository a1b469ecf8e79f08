package io.throng.core.transport;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;

/** A JDK {@link Selector}: one thread selects it; it has no one-shot registration. */
public final class NioPoller extends Poller {
    private final Selector selector;
    private final Consumer<SelectionKey> onKey = this::onKey;
    /** The sink of the poll under way (one thread polls a selector). */
    private ReadySink sink;

    NioPoller() throws IOException {
        this.selector = Selector.open();
    }

    @Override
    public void add(TransportSocket socket, Object attachment, int interest) throws IOException {
        NioSocket s = (NioSocket) socket;
        s.key = s.channel.register(selector, interest, attachment);
    }

    @Override
    public void addListener(ListenSocket listener, Object attachment) throws IOException {
        NioListenSocket l = (NioListenSocket) listener;
        l.key = l.channel.register(selector, SelectionKey.OP_ACCEPT, attachment);
    }

    @Override
    public void addConnecting(TransportSocket socket, Object attachment) throws IOException {
        NioSocket s = (NioSocket) socket;
        // Connected at once (loopback can): writability reports it, as OP_CONNECT would have.
        s.key = s.channel.register(selector, s.connectedAtOnce ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, attachment);
    }

    @Override
    public void connected(TransportSocket socket, Object attachment, int interest) {
        SelectionKey k = ((NioSocket) socket).key;
        k.attach(attachment);
        k.interestOps(interest);
    }

    @Override
    public int poll(Scratch s, long timeoutMillis, ReadySink sink) throws IOException {
        this.sink = sink;
        try {
            // select(Consumer) walks the ready keys without the selected-key set and its garbage
            return timeoutMillis == 0 ? selector.selectNow(onKey) : selector.select(onKey, timeoutMillis);
        } finally {
            this.sink = null;
        }
    }

    private void onKey(SelectionKey key) {
        int ready;
        try {
            ready = key.readyOps();
        } catch (CancelledKeyException e) {
            return;
        }
        // accept and connect readiness are reported as the epoll transport reports them
        int ops = 0;
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            ops |= Interest.READ;
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            ops |= Interest.WRITE;
        }
        sink.ready(key.attachment(), ops);
    }

    @Override
    public void wakeup() {
        selector.wakeup();
    }

    @Override
    public boolean interestNeedsWakeup() {
        return true;
    }

    @Override
    public boolean oneShot() {
        return false;
    }

    @Override
    public void forEachAttachment(Consumer<Object> action) {
        for (SelectionKey k : selector.keys().toArray(new SelectionKey[0])) {
            Object a = k.attachment();
            if (a != null) {
                action.accept(a);
            }
        }
    }

    @Override
    public void close() {
        NioTransport.closeQuietly(selector);
    }
}
