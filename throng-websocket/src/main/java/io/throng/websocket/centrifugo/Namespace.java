package io.throng.websocket.centrifugo;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A channel namespace and its options (Centrifugo's {@code channel.namespaces}): a channel's
 * namespace is the part of its name before the first ':' (a leading '$' aside), so {@code
 * chat:lobby} and {@code $chat:ann} are in {@code chat}, and {@code news} in none, which takes the
 * options without a namespace ({@code channel.without_namespace}, the top-level ones of {@link
 * CentrifugoConfig}). A channel in a namespace that is not configured is unknown (error 102).
 *
 * @param name           1-64 characters of {@code A-Z a-z 0-9 _ -} ("" for no namespace)
 * @param allowSubscribe connected clients may subscribe without a token ({@code allow_subscribe_for_client})
 * @param allowPublish   connected clients may publish ({@code allow_publish_for_client})
 * @param history        history and recovery
 * @param presence       presence and join/leave
 */
public record Namespace(String name, boolean allowSubscribe, boolean allowPublish, HistoryOptions history,
                        PresenceOptions presence) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public Namespace {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(presence, "presence");
        if (!name.isEmpty() && !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("namespace name '" + name + "': use 1-64 characters of A-Z a-z 0-9 _ -");
        }
    }

    /** {@code channel}'s namespace name, "" for none. */
    public static String of(String channel) {
        int from = channel.startsWith("$") ? 1 : 0;
        int colon = channel.indexOf(':', from);
        return colon < 0 ? "" : channel.substring(from, colon);
    }
}
