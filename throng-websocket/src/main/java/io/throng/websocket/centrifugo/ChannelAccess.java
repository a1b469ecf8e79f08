package io.throng.websocket.centrifugo;

import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocket;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Who may use which channel here, and for what: the name's checks (the push service's own, given
 * as a function: not a push channel, or not one the bus carries), its namespace (none configured:
 * unknown), the namespace's features, and whether the connection asking is subscribed. The
 * checks every command and API method opens with, in Centrifugo's order. Any thread.
 */
final class ChannelAccess {
    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final Function<String, String> channelProblem;

    ChannelAccess(CentrifugoConfig config, TopicRegistry topics, Function<String, String> channelProblem) {
        this.config = config;
        this.topics = topics;
        this.channelProblem = channelProblem;
    }

    /** Why {@code channel} cannot be a channel here, or null. */
    String problem(String channel) {
        return channelProblem.apply(channel);
    }

    /** 0 if {@code channel} may be used here, else the error code: 107 for a bad name, 102 for an unknown namespace. */
    int code(String channel) {
        if (channel.isEmpty() || channelProblem.apply(channel) != null) {
            return Codes.BAD_REQUEST;
        }
        return config.namespaceOf(channel) == null ? Codes.UNKNOWN_CHANNEL : 0;
    }

    /**
     * The server API's read of {@code channel} (history, presence): {@link #code}, then 108 where
     * the namespace does not have {@code feature}. 0 if it may read. The API is trusted: no more.
     */
    int apiReaderCode(String channel, Predicate<Namespace> feature) {
        int code = code(channel);
        if (code != 0) {
            return code;
        }
        return feature.test(config.namespaceOf(channel)) ? 0 : Codes.NOT_AVAILABLE;
    }

    /**
     * A client's read of {@code channel} (the history and presence commands): as the API's, then
     * 103 unless the namespace lets subscribers read ({@code allowed}) and {@code ws} is one.
     */
    int readerCode(WebSocket ws, String channel, Predicate<Namespace> feature, Predicate<Namespace> allowed) {
        int code = apiReaderCode(channel, feature);
        if (code != 0) {
            return code;
        }
        return allowed.test(config.namespaceOf(channel)) && subscribed(ws, channel) ? 0 : Codes.PERMISSION_DENIED;
    }

    /** Whether {@code ws} is subscribed to {@code channel} here. */
    boolean subscribed(WebSocket ws, String channel) {
        return topics.topicsOf(ws).contains(CentrifugoHandler.topic(channel));
    }
}
