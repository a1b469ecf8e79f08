/**
 * Centrifugo's client protocol v2 (JSON) for the push service, so that Centrifugo's official SDKs
 * connect to {@code throng push} unchanged, and its server HTTP API. {@code CentrifugoHandler} reads
 * the commands and connects; subscriptions, history reads, presence, publications and the sweeper
 * are one class each; tokens, JSON, codes and config are their own. Handler callbacks run in each
 * connection's serial context; one sweeper thread pings and closes; nothing here knows the push
 * package (it is given the bus, the registry and a channel check).
 */
package io.throng.websocket.centrifugo;
