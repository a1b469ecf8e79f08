package io.throng.websocket.bus;

import io.throng.websocket.PublishResult;
import io.throng.websocket.codec.JsonString;

/**
 * What became of one publish. {@code POST /pub} answers 200, 202 and 503 for the three; the binary
 * publish protocol has a status byte for each.
 */
public sealed interface PublishOutcome {

    /** The answer's JSON for a publish to {@code channel} (a valid channel name: no escaping needed). */
    String toJson(String channel);

    /** Fanned out to this process's subscribers before the call returned (the in-process bus). */
    record Delivered(PublishResult result) implements PublishOutcome {
        @Override
        public String toJson(String channel) {
            return result.toJson(channel);
        }
    }

    /**
     * Queued for the broker: every node subscribed to the channel, this one included, fans it out
     * when the broker hands it back. At most once: a message accepted in the instant the broker
     * fails is lost, and counted in {@link BusStats#dropped()}.
     *
     * @param bus  the bus's name
     * @param node this node (host:port, pid), so that a client behind a balancer sees who took it
     */
    record Accepted(String bus, String node) implements PublishOutcome {
        @Override
        public String toJson(String channel) {
            return "{\"channel\":\"" + channel + "\",\"accepted\":true,\"bus\":\"" + JsonString.escape(bus)
                    + "\",\"node\":\"" + JsonString.escape(node) + "\"}";
        }
    }

    /** Not taken: the bus is down or its relay queue is full. Nothing was sent; retry later. */
    record Refused(String reason) implements PublishOutcome {
        @Override
        public String toJson(String channel) {
            return "{\"channel\":\"" + channel + "\",\"accepted\":false,\"error\":\"" + JsonString.escape(reason) + "\"}";
        }
    }
}
