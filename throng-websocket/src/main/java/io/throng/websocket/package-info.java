/**
 * WebSocket servers and clients on the throng engine. {@link io.throng.websocket.WebSocketProtocol}
 * is the protocol as an engine handler; {@link io.throng.websocket.WebSocketHandler} is what the
 * application implements; {@link io.throng.websocket.WebSocket} is a connection (safe from any
 * thread). Callbacks of one connection never overlap and run on the model's threads (under the
 * reactors they must not block); message payloads are valid only during the callback.
 */
package io.throng.websocket;
