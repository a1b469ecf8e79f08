/**
 * WebSocket (RFC 6455, with permessage-deflate from RFC 7692) on the throng engine: a zero-copy
 * upgrade, a frame decoder that holds no buffer while a connection is idle, topics with fan-out
 * of one encoded frame, a client, and the push service.
 */
module io.throng.websocket {
    requires transitive io.throng.core;
    requires jdk.jfr; // the bus's flight-recorder event
    requires com.nimbusds.jose.jwt; // the Centrifugo protocol's connection tokens

    exports io.throng.websocket;
    exports io.throng.websocket.bus;
    exports io.throng.websocket.history; // HistoryAnswer carries its entries; the brokers that keep history read their limits
    exports io.throng.websocket.push;
    exports io.throng.websocket.centrifugo;
    exports io.throng.websocket.probe;

    opens io.throng.websocket.push; // push.html, read as a resource
}
