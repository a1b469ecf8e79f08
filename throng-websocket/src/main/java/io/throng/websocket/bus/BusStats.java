package io.throng.websocket.bus;

import io.throng.websocket.codec.JsonString;

/**
 * A bus's counters (totals since start) and state, for {@code /stats} and the status line.
 *
 * @param name       the bus ({@link Bus#name()})
 * @param state      up, connecting or down (the in-process bus is always up)
 * @param problem    why it is not up (the last error), or why an up link refuses publishes (a node
 *                   has not rejoined), or null
 * @param channels   channels this node is subscribed to on the broker now
 * @param nodes      other nodes this one hears on a shared broker (Redis, NATS); 0 otherwise
 * @param queued     publishes in the relay queue now
 * @param relayed    publishes handed to the broker (Redis and NATS: acknowledged by it)
 * @param received   messages the broker handed back and this node fanned out
 * @param dropped    publishes not relayed: the relay queue was full, or the link failed under them
 * @param refused    publishes refused because the bus was down (the publisher got an error)
 * @param reconnects links re-established after a failure
 */
public record BusStats(String name, State state, String problem, int channels, int nodes, int queued, long relayed, long received,
                       long dropped, long refused, long reconnects) {

    public enum State {
        UP, CONNECTING, DOWN, CLOSED;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public String toJson() {
        return "{\"name\":\"" + JsonString.escape(name) + "\",\"state\":\"" + state.id() + "\""
                + (problem == null ? "" : ",\"problem\":\"" + JsonString.escape(problem) + "\"")
                + ",\"channels\":" + channels + ",\"nodes\":" + nodes + ",\"queued\":" + queued + ",\"relayed\":" + relayed + ",\"received\":" + received
                + ",\"dropped\":" + dropped + ",\"refused\":" + refused + ",\"reconnects\":" + reconnects + "}";
    }
}
