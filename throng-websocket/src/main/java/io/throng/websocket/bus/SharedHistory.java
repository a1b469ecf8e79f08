package io.throng.websocket.bus;

import io.throng.websocket.history.StreamLimits;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * A bus whose broker keeps channel history for every node on it (the prefork hub, Redis):
 * publishes to a channel with history are stored and numbered there, and come back to each node
 * with their offset and epoch ({@link LocalSubscribers#deliverAt}); a node asks it for positions,
 * recoveries and history reads ({@link #query}).
 *
 * <p>The ordering a recovering subscriber relies on: an answer reaches the node on the same
 * connection, and after the same lock in the broker (the hub's stream lock; Redis: a script, which
 * runs alone), as the channel's publications, so every
 * publication numbered before the answer is in it (or before its top) and every one after it
 * arrives after the answer. A query that subscribes ({@link HistoryQuery#subscribes()}) puts the
 * node's subscription in place at the broker before it reads, so nothing falls between.
 */
public interface SharedHistory {

    /** Which publishes are stored: the limits of a channel that keeps them, null for a plain publish. */
    @FunctionalInterface
    interface StorePolicy {
        StreamLimits limits(String channel, ByteBuffer payload);
    }

    /** Sets which publishes are stored from now on (null: none). */
    void storeWhen(StorePolicy policy);

    /**
     * Asks the shared history about {@code channel}. Returns null and calls {@code then} once later
     * (on the thread that delivers the bus's messages, in order with them; or with a failed answer
     * if the link goes down first), or returns why the question cannot be asked now (the link is
     * down, the queue full) and never calls {@code then}.
     */
    String query(String channel, HistoryQuery query, Consumer<HistoryAnswer> then);
}
