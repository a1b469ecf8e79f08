/**
 * Topics and fan-out: {@link io.throng.websocket.topic.TopicRegistry} keeps who listens to what
 * and writes one encoded frame to every subscriber; {@link io.throng.websocket.topic.TopicListener}
 * tells a bus ({@link io.throng.websocket.bus.Bus}) when a topic gains its first subscriber or
 * loses its last. Everything here is safe from any thread; publishing never blocks on a slow
 * subscriber.
 */
package io.throng.websocket.topic;
