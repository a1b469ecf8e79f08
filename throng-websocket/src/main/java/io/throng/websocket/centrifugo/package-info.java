/**
 * Centrifugo's client protocol v2 (JSON) for the push service, so that Centrifugo's official SDKs
 * connect to {@code throng push} unchanged: the handler, its connection tokens (HS256 JWTs), its
 * JSON and its codes. Handler callbacks run in each connection's serial context; one sweeper
 * thread pings and closes; nothing here knows the push package (it is given the bus, the registry
 * and a channel check).
 */
package io.throng.websocket.centrifugo;
