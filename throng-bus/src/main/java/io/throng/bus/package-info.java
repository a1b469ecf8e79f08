/**
 * The push service's buses to brokers that several nodes share: {@link io.throng.bus.RedisBroker}
 * (Redis pub/sub through Jedis) and {@link io.throng.bus.NatsBroker} (NATS through jnats), both
 * driven by throng-websocket's {@link io.throng.websocket.bus.RelayBus}, which owns the semantics
 * (relay queue, reconnection, re-subscription, counters). {@link io.throng.bus.Buses} opens the
 * bus a configuration names. Kept out of throng-websocket so that a WebSocket application does not
 * carry two broker clients it does not use.
 */
package io.throng.bus;
