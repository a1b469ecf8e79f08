package io.throng.websocket.bus;

import io.throng.websocket.PublishResult;
import io.throng.websocket.codec.JsonString;

/**
 * What became of one publish. {@code POST /pub} answers 200, 202 and 503 for the three; the binary
 * publish protocol has a status byte for each.
 */
public sealed interface PublishOutcome {

    /** {@code outcome} once settled: {@link Accepted#confirmed()} for an accepted one, else itself. Blocks (see there). */
    static PublishOutcome confirmed(PublishOutcome outcome) {
        return outcome instanceof Accepted a ? a.confirmed() : outcome;
    }

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
     * fails is lost, and counted in {@link BusStats#dropped()}; a publisher that waits for {@link
     * #confirmed()} learns of that loss instead.
     *
     * @param bus     the bus's name
     * @param node    this node (host:port, pid), so that a client behind a balancer sees who took it
     * @param receipt what became of it at the broker, or null where no one will tell (a reply read
     *                from the binary protocol, an in-process bus)
     */
    record Accepted(String bus, String node, Receipt receipt) implements PublishOutcome {
        public Accepted(String bus, String node) {
            this(bus, node, null);
        }

        /**
         * This outcome once the broker has acknowledged the message, or {@link Refused} if the link
         * dropped it; blocks until then (within the link's own timeouts), so call it from a thread
         * that may block, never an event loop. Without a receipt, this.
         */
        public PublishOutcome confirmed() {
            if (receipt == null) {
                return this;
            }
            return switch (receipt.await()) {
                case RELAYED -> this;
                case DROPPED -> new Refused(receipt.reason() + "; retry later");
                case PENDING -> new Refused("the bus " + bus + " did not confirm the publish in time; it may yet be"
                        + " delivered; retry later");
            };
        }

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
