package io.throng.websocket.bus;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * One node's subscribers, as a bus sees them: where messages from the bus are fanned out, and the
 * truth about which channels this node needs (a bus re-reads it rather than trusting the order of
 * subscribe and unsubscribe calls). Any thread.
 */
public interface LocalSubscribers {

    /**
     * Sends {@code payload} (valid during the call) to this node's subscribers of {@code channel};
     * returns what the fan-out did. Never blocks on a slow subscriber.
     */
    io.throng.websocket.PublishResult deliver(String channel, ByteBuffer payload);

    /**
     * As {@link #deliver}, for a publication the bus's shared history stored at {@code offset} of
     * {@code epoch} ({@link SharedHistory}).
     */
    default io.throng.websocket.PublishResult deliverAt(String channel, ByteBuffer payload, long offset, String epoch) {
        return deliver(channel, payload);
    }

    /** Whether {@code channel} has a subscriber on this node now (or one on its way, waiting for its history). */
    boolean hasSubscribers(String channel);

    /** The channels with a subscriber on this node now (a snapshot). */
    List<String> channels();
}
