package io.throng.websocket;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The WebSocket layer's counters; any thread. LongAdders, so that counting costs no contention. */
public final class WsMetrics {
    public final AtomicInteger open = new AtomicInteger();
    public final AtomicInteger handshakesInFlight = new AtomicInteger();
    public final LongAdder upgrades = new LongAdder();
    public final LongAdder refused = new LongAdder();
    public final LongAdder handshakeTimeouts = new LongAdder();
    public final LongAdder overloaded = new LongAdder();
    public final LongAdder handshakesEvicted = new LongAdder();
    public final LongAdder httpResponses = new LongAdder();
    public final LongAdder messagesIn = new LongAdder();
    public final LongAdder messagesOut = new LongAdder();
    public final LongAdder pingsSent = new LongAdder();
    public final LongAdder pongsReceived = new LongAdder();
    public final LongAdder protocolErrors = new LongAdder();
    public final LongAdder invalidPayloads = new LongAdder();
    public final LongAdder tooBig = new LongAdder();
    public final LongAdder handlerErrors = new LongAdder();
    public final LongAdder idleCloses = new LongAdder();
    public final LongAdder closeTimeouts = new LongAdder();
    public final LongAdder publishes = new LongAdder();
    public final LongAdder deliveries = new LongAdder();
    public final LongAdder dropped = new LongAdder();
    public final LongAdder slowCloses = new LongAdder();

    public WebSocketStats snapshot(long subscriptions, int topics) {
        return new WebSocketStats(open.get(), handshakesInFlight.get(), upgrades.sum(), refused.sum(),
                handshakeTimeouts.sum(), overloaded.sum(), handshakesEvicted.sum(), httpResponses.sum(), messagesIn.sum(), messagesOut.sum(),
                pingsSent.sum(), pongsReceived.sum(), protocolErrors.sum(), invalidPayloads.sum(), tooBig.sum(),
                handlerErrors.sum(), idleCloses.sum(), closeTimeouts.sum(), publishes.sum(), deliveries.sum(),
                dropped.sum(), slowCloses.sum(), subscriptions, topics);
    }

    /** Counts a connection failed with {@code code}. */
    public void failedWith(int code) {
        switch (code) {
            case 1002 -> protocolErrors.increment();
            case 1007 -> invalidPayloads.increment();
            case 1009 -> tooBig.increment();
            default -> {
            }
        }
    }
}
