package io.throng.websocket.centrifugo;

import io.throng.websocket.PreparedMessage;
import io.throng.websocket.PublishResult;
import io.throng.websocket.TopicRegistry;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.SharedHistory;
import io.throng.websocket.codec.Utf8;
import io.throng.websocket.history.Stream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Publications in the Centrifugo protocol: their JSON (a push framed once for all a channel's
 * subscribers, or Publication objects in a reply), and their delivery to a channel's Centrifugo
 * subscribers, stored first where this process keeps the channel's history. Delivery runs where
 * the bus delivers (its reader thread, or the publisher's on the in-process bus); the publisher's
 * position and ClientInfo travel to it in thread-locals, which only the in-process bus, delivering
 * on the publishing thread, sees.
 */
final class Publications {
    /**
     * Where a server API publish learns the position its publication got: set on the publishing
     * thread around an in-process bus's publish, which delivers on that same thread; a bus that
     * relays through a broker delivers on its own thread later, and the position stays unknown.
     * One get per delivery with history, no allocation.
     */
    private static final ThreadLocal<Position> POSITION = new ThreadLocal<>();

    /**
     * The ClientInfo JSON of the client whose publish is being delivered, set on its thread around
     * the bus's publish as {@link #POSITION} is: Centrifugo puts the publisher's info into the
     * publication. Only the in-process bus delivers on that thread; through a broker (the prefork
     * hub, Redis, NATS) the payload travels alone and the publication arrives without info.
     */
    private static final ThreadLocal<String> PUBLISHER = new ThreadLocal<>();

    /** A publication's place in its channel's stream (offset 0: not stored, or not known). */
    static final class Position {
        long offset;
        String epoch;
    }

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final ChannelHistory history;

    Publications(CentrifugoConfig config, TopicRegistry topics, ChannelHistory history) {
        this.config = config;
        this.topics = topics;
        this.history = history;
    }

    /** Publishes {@code payload} through {@code bus} and, when delivered here with history, tells its position into {@code into}. */
    static PublishOutcome publishAt(Bus bus, String channel, ByteBuffer payload, Position into) {
        return publishWith(POSITION, into, bus, channel, payload);
    }

    /** Publishes a client's {@code payload} through {@code bus}, with its ClientInfo ({@code infoJson}) where delivered here. */
    static PublishOutcome publishAs(Bus bus, String channel, ByteBuffer payload, String infoJson) {
        return publishWith(PUBLISHER, infoJson, bus, channel, payload);
    }

    /** Publishes with {@code local} set to {@code value} on this thread for the delivery it may make here. */
    private static <T> PublishOutcome publishWith(ThreadLocal<T> local, T value, Bus bus, String channel, ByteBuffer payload) {
        local.set(value);
        try {
            return bus.publish(channel, payload);
        } finally {
            local.remove();
        }
    }

    /**
     * Fans a publication to {@code channel} out to its Centrifugo subscribers; with history, stores
     * it first and gives it its offset, both under the channel's stream lock, so that every
     * subscriber sees the offsets in order and a recovering subscribe (which takes the same lock)
     * sees each publication either in its history or live, never both or neither.
     */
    PublishResult deliver(String channel, ByteBuffer payload) {
        String topic = CentrifugoHandler.topic(channel);
        Namespace ns = config.namespaceOf(channel);
        boolean stored = ns != null && ns.history().enabled();
        if (!stored && topics.subscribers(topic) == 0) {
            return PublishResult.NO_SUBSCRIBERS; // (an unknown namespace has no Centrifugo subscribers)
        }
        String data = dataJson(payload);
        if (data == null) {
            return PublishResult.NO_SUBSCRIBERS; // not UTF-8: neither sent nor stored
        }
        String info = PUBLISHER.get(); // a client's publish on the in-process bus: its ClientInfo
        if (!stored || history.shared() != null) {
            return topics.deliver(topic, publication(channel, data, 0, info));
        }
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        return history.locked(channel, ns.history(), now, s -> {
            long offset = s.append(bytes, now);
            Position wanted = POSITION.get();
            if (wanted != null) {
                wanted.offset = offset;
                wanted.epoch = s.epoch;
            }
            return topics.subscribers(topic) == 0 ? PublishResult.NO_SUBSCRIBERS
                    : topics.deliver(topic, publication(channel, data, offset, info));
        });
    }

    /**
     * Fans out a publication the bus's shared history stored at {@code offset} of {@code epoch}
     * (under prefork: the hub numbered it for every worker). Called where the bus delivers, in the
     * order of the channel's stream and of the answers to subscribes ({@link SharedHistory}).
     */
    PublishResult deliverAt(String channel, ByteBuffer payload, long offset, String epoch) {
        String topic = CentrifugoHandler.topic(channel);
        if (topics.subscribers(topic) == 0) {
            return PublishResult.NO_SUBSCRIBERS;
        }
        String data = dataJson(payload);
        return data == null ? PublishResult.NO_SUBSCRIBERS : topics.deliver(topic, publication(channel, data, offset));
    }

    /**
     * A publication's data as JSON text: JSON goes as it is (written compactly: a line break would
     * split the newline-delimited framing), other UTF-8 text as a JSON string; null for bytes that
     * are not UTF-8, which the JSON protocol cannot carry.
     */
    static String dataJson(ByteBuffer payload) {
        if (!Utf8.isValid(payload)) {
            return null;
        }
        String text = StandardCharsets.UTF_8.decode(payload.duplicate()).toString();
        StringBuilder b = new StringBuilder(text.length() + 2);
        try {
            Json.write(Json.parse(text), b);
        } catch (Json.JsonException notJson) {
            Json.quote(text, b);
        }
        return b.toString();
    }

    /** The publication push of {@code dataJson} to {@code channel} (offset 0: none, no history), framed once for all. */
    static PreparedMessage publication(String channel, String dataJson, long offset) {
        return publication(channel, dataJson, offset, null);
    }

    /** The same with the publisher's ClientInfo JSON ({@code infoJson}; null for a publication from the server). */
    static PreparedMessage publication(String channel, String dataJson, long offset, String infoJson) {
        StringBuilder b = new StringBuilder(dataJson.length() + channel.length() + 60 + (infoJson == null ? 0 : infoJson.length()));
        b.append("{\"push\":{\"channel\":");
        Json.quote(channel, b);
        b.append(",\"pub\":");
        pub(dataJson, infoJson, offset, b);
        b.append("}}");
        return PreparedMessage.text(b.toString());
    }

    /**
     * Publication objects of {@code entries}, comma-separated, into {@code b}. {@code raw}: the
     * entries hold data as published (the shared history's), made JSON here; else JSON already.
     */
    static void appendPublications(List<Stream.Entry> entries, StringBuilder b, boolean raw) {
        boolean first = true;
        for (Stream.Entry e : entries) {
            String data = raw ? dataJson(ByteBuffer.wrap(e.data())) : e.dataJson();
            if (data == null) {
                continue; // not UTF-8: never stored by this service, but the hub takes what it is given
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            pub(data, null, e.offset(), b);
        }
    }

    /**
     * A Publication object: {@code {"data":..,"offset":N}}, the offset left out when 0 (as
     * Centrifugo does), with its {@code info} (the publisher's ClientInfo) when not null, in the
     * protocol's field order.
     */
    private static void pub(String dataJson, String infoJson, long offset, StringBuilder b) {
        b.append("{\"data\":").append(dataJson);
        if (infoJson != null) {
            b.append(",\"info\":").append(infoJson);
        }
        if (offset != 0) {
            b.append(",\"offset\":").append(offset);
        }
        b.append('}');
    }
}
