package io.throng.websocket.bus;

import java.nio.ByteBuffer;

/**
 * Where the push service publishes, and where it learns of messages published elsewhere: the
 * boundary between one node's subscribers ({@link LocalSubscribers}) and every other node's.
 *
 * <ul>
 *   <li>{@link LocalBus}: one process; a publish is the local fan-out, done before it returns.</li>
 *   <li>{@link RelayBus}: a broker link (the prefork hub, Redis, NATS): a publish is queued for the
 *       broker and every node, this one included, fans it out when the broker hands it back.</li>
 * </ul>
 *
 * <p>The push service calls {@link #subscribe} when a channel gets its first subscriber on this node
 * and {@link #unsubscribe} when its last one leaves, so a node asks the broker only for the channels
 * someone here listens to. A bus must treat both as hints to look again at {@link
 * LocalSubscribers#hasSubscribers}: two threads may report a channel's first and last subscriber
 * out of order.
 *
 * <p>Semantics (docs/push-bus.md): at most once; in order per publisher and channel; a publish
 * the bus cannot take is {@link PublishOutcome.Refused refused}, never silently lost. Any thread;
 * nothing here blocks on the network.
 */
public interface Bus extends AutoCloseable {

    /**
     * Publishes {@code payload} (its remaining bytes; not consumed, not kept after the call) to
     * {@code channel}'s subscribers on every node.
     */
    PublishOutcome publish(String channel, ByteBuffer payload);

    /** {@code channel} has its first subscriber on this node. */
    void subscribe(String channel);

    /** {@code channel}'s last subscriber on this node left. */
    void unsubscribe(String channel);

    /**
     * Why {@code channel} (already a valid push channel, see {@code Channels}) cannot be used on
     * this bus, or null: NATS subjects, for one, have no empty tokens ("a..b").
     */
    default String channelProblem(String channel) {
        return null;
    }

    /** The bus as configured, for logs and JSON: "local", "embedded", "redis://127.0.0.1:6379". */
    String name();

    BusStats stats();

    /** The history this bus's broker keeps for every node on it, or null: each node keeps its own. */
    default SharedHistory sharedHistory() {
        return null;
    }

    /** The way to ask every process on this bus a question, or null: the bus cannot. */
    default Gathering gathering() {
        return null;
    }

    /** Stops relaying; queued publishes are dropped (and counted). */
    @Override
    void close();
}
