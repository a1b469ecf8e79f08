/**
 * Topics and fan-out: {@link io.throng.websocket.topic.TopicRegistry} keeps who listens to what
 * and writes one encoded frame to every subscriber; {@link io.throng.websocket.topic.MessageBus}
 * is where publishers send, so that a cross-process bus can replace the local one. Everything here
 * is safe from any thread; publishing never blocks on a slow subscriber.
 */
package io.throng.websocket.topic;
