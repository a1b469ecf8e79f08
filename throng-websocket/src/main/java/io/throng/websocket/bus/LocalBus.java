package io.throng.websocket.bus;

import io.throng.websocket.PublishResult;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The in-process bus, the default without prefork: a publish is this process's fan-out, done
 * before the call returns, and there is nothing to subscribe to.
 */
public final class LocalBus implements Bus {
    private final LocalSubscribers local;
    private final LongAdder published = new LongAdder();
    private volatile boolean closed;

    public LocalBus(LocalSubscribers local) {
        this.local = Objects.requireNonNull(local, "local");
    }

    @Override
    public PublishOutcome publish(String channel, ByteBuffer payload) {
        PublishResult r = local.deliver(channel, payload);
        published.increment();
        return new PublishOutcome.Delivered(r);
    }

    @Override
    public void subscribe(String channel) {
        // every subscriber is here already
    }

    @Override
    public void unsubscribe(String channel) {
        // nothing upstream
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    public BusStats stats() {
        long n = published.sum();
        return new BusStats(name(), closed ? BusStats.State.CLOSED : BusStats.State.UP, null, 0, 0, 0, n, n, 0, 0, 0);
    }

    @Override
    public void close() {
        closed = true;
    }
}
