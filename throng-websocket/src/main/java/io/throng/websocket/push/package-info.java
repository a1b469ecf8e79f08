/**
 * The push service of the seed (Mail.Ru's notification service) on one port: WebSocket
 * subscribers ({@code /sub/<channel>}, plus subscribe/unsubscribe messages), publishers by HTTP
 * ({@code POST /pub/<channel>}) or by the binary publish protocol ({@link
 * io.throng.websocket.push.PublishProtocol}), and a browser page. Handlers run in the connections'
 * serial contexts; publishing goes through a {@link io.throng.websocket.bus.Bus} and never
 * blocks on a slow subscriber.
 */
package io.throng.websocket.push;
