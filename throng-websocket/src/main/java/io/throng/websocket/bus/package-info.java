/**
 * The push service's bus: how a message published on one node (a process) reaches the subscribers
 * of its channel on every node. {@link io.throng.websocket.bus.Bus} is the boundary; {@link
 * io.throng.websocket.bus.LocalBus} is the in-process one, {@link io.throng.websocket.bus.RelayBus}
 * relays through a {@link io.throng.websocket.bus.Broker} (the prefork {@link
 * io.throng.websocket.bus.HubServer}, Redis and NATS in module throng-bus) with one set of
 * semantics for all: at most once, in order per publisher, refused rather than lost while the
 * broker is away, reconnection with back-off and re-subscription. Every public method is safe from
 * any thread; each relay link has one thread of its own.
 */
package io.throng.websocket.bus;
