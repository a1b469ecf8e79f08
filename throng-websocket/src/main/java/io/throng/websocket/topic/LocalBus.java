package io.throng.websocket.topic;

import io.throng.websocket.PreparedMessage;
import java.util.Objects;

/** The in-process bus: a publish is a fan-out to this process's subscribers. */
public final class LocalBus implements MessageBus {
    private final TopicRegistry registry;

    public LocalBus(TopicRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public PublishResult publish(String topic, PreparedMessage message) {
        return registry.publish(topic, message);
    }
}
