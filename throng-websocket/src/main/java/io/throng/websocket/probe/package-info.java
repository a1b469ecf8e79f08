/**
 * Measurement programs built on the WebSocket client, meant to be reused by the load tool: {@link
 * io.throng.websocket.probe.BroadcastProbe} holds many subscribers and times how long one published
 * message takes to reach all of them. Runs on the client's loops; the report is computed on the
 * caller's thread.
 */
package io.throng.websocket.probe;
