package io.throng.websocket;

/**
 * Told when a topic gains its first local subscriber and loses its last: what a cross-process bus
 * needs to subscribe upstream only to topics someone here listens to. Called on the thread that
 * subscribed or unsubscribed; must not block.
 */
public interface TopicListener {

    default void firstSubscriber(String topic) {}

    default void lastSubscriberLeft(String topic) {}
}
