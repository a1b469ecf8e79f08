package io.throng.websocket;

/**
 * What a fan-out does with a subscriber that does not keep up: one whose queued bytes would pass
 * {@code maxQueuedBytes} with the next message. "Either you drop slow receivers, or you drop
 * outgoing messages to slow receivers. You have to drop something" (uWebSockets.js#292): the
 * choice is the operator's, and each drop or close is counted.
 *
 * @param maxQueuedBytes queued bytes a subscriber may hold; 1 MiB by default, a few seconds of a
 *                       busy feed, 1 GB across 1,000 stalled subscribers
 * @param action         what to do past it
 */
public record SlowSubscriberPolicy(long maxQueuedBytes, Action action) {

    public enum Action {
        /** Skip the message for that subscriber (it misses it; the connection stays). */
        DROP,
        /** Close the subscriber with 1008 (policy violation); it may reconnect and catch up. */
        CLOSE
    }

    public static final SlowSubscriberPolicy DEFAULT = new SlowSubscriberPolicy(1 << 20, Action.DROP);

    public SlowSubscriberPolicy {
        if (maxQueuedBytes < 1) {
            throw new IllegalArgumentException("maxQueuedBytes must be >= 1, got " + maxQueuedBytes);
        }
        if (action == null) {
            throw new IllegalArgumentException("action is required (drop or close)");
        }
    }

    public static Action parseAction(String text) {
        for (Action a : Action.values()) {
            if (a.name().equalsIgnoreCase(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown slow-subscriber action '" + text + "'; expected drop or close");
    }
}
