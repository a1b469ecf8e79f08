/**
 * Channel history with offsets and an epoch (Centrifugo's stream rules): a bounded {@link
 * io.throng.websocket.history.Stream} per channel, kept by whoever sequences the channel's
 * publications: the Centrifugo handler in one process, the prefork hub across workers (Redis keeps
 * the same rules in its own keys: io.throng.bus.RedisHistory).
 */
package io.throng.websocket.history;
