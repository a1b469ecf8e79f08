package io.throng.websocket.topic;

import io.throng.websocket.PreparedMessage;

/**
 * Where publishers send messages. {@link LocalBus} hands them to this process's
 * {@link TopicRegistry}; a cross-process bus (embedded broker, Redis, NATS) implements the same
 * interface by sending to the broker and, on the way back, publishing into the local registry,
 * using {@link TopicListener} to subscribe upstream only to topics that have local subscribers.
 */
public interface MessageBus extends AutoCloseable {

    /** Publishes {@code message} to {@code topic}; returns what the local fan-out did. */
    PublishResult publish(String topic, PreparedMessage message);

    @Override
    default void close() {}
}
