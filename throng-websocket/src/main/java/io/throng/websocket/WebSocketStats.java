package io.throng.websocket;

/**
 * A snapshot of a WebSocket server's (or client's) counters, totals since start.
 *
 * @param open                connections upgraded and not yet closed
 * @param handshakesInFlight  connections accepted and not yet upgraded
 * @param upgrades            handshakes completed
 * @param refused             requests answered with an error status (400, 405, 426, 431, 503, ...)
 * @param handshakeTimeouts   connections closed for not completing a request in time
 * @param overloaded          connections refused with 503 for too many handshakes in flight (only
 *                            when every one of them is a request body being answered)
 * @param handshakesEvicted   handshakes cut (408, or a silent close if nothing had arrived) because
 *                            newer connections took their place at max-handshakes-in-flight and
 *                            their request was still incomplete after the grace
 * @param httpResponses       plain HTTP requests answered (not upgrades)
 * @param messagesIn          data messages received
 * @param messagesOut         data messages sent (one per connection a broadcast reached)
 * @param pingsSent           pings sent by the server (keepalive and the application's)
 * @param pongsReceived       pongs received
 * @param protocolErrors      connections failed with 1002
 * @param invalidPayloads     connections failed with 1007 (bad UTF-8, bad compressed data)
 * @param tooBig              connections failed with 1009
 * @param handlerErrors       exceptions thrown by the application's handler (each closes with 1011)
 * @param idleCloses          connections closed (1001) for sending nothing within the idle timeout
 * @param closeTimeouts       connections dropped for not answering our Close in time
 * @param publishes           messages published to topics
 * @param deliveries          messages a publish put on a subscriber's connection
 * @param dropped             messages skipped for slow subscribers
 * @param slowCloses          subscribers closed (1008) for being slow
 * @param subscriptions       (topic, subscriber) pairs now
 * @param topics              topics with at least one subscriber now
 */
public record WebSocketStats(int open, int handshakesInFlight, long upgrades, long refused, long handshakeTimeouts,
                             long overloaded, long handshakesEvicted, long httpResponses, long messagesIn,
                             long messagesOut, long pingsSent, long pongsReceived, long protocolErrors,
                             long invalidPayloads, long tooBig,
                             long handlerErrors, long idleCloses, long closeTimeouts, long publishes, long deliveries,
                             long dropped, long slowCloses, long subscriptions, int topics) {
}
