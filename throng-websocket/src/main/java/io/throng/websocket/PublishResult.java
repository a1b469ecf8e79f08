package io.throng.websocket;

/**
 * What one publish did.
 *
 * @param subscribers the topic's subscribers when the publish walked it
 * @param delivered   those whose connection took the message
 * @param dropped     those skipped as too slow (policy: drop)
 * @param closed      those closed with 1008 as too slow (policy: close)
 */
public record PublishResult(int subscribers, int delivered, int dropped, int closed) {

    public static final PublishResult NO_SUBSCRIBERS = new PublishResult(0, 0, 0, 0);

    /** This result added to another (for a bus that publishes to several registries). */
    public PublishResult plus(PublishResult o) {
        return new PublishResult(subscribers + o.subscribers, delivered + o.delivered, dropped + o.dropped, closed + o.closed);
    }

    public String toJson(String topic) {
        return "{\"channel\":\"" + topic + "\",\"subscribers\":" + subscribers + ",\"delivered\":" + delivered
                + ",\"dropped\":" + dropped + ",\"closed\":" + closed + "}";
    }
}
