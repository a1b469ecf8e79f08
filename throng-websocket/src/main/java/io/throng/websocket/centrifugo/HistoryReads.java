package io.throng.websocket.centrifugo;

import io.throng.websocket.WebSocket;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.history.Stream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads of a channel's history: the history command and the server API's history, from this
 * process's streams or through the bus's shared history ({@link ChannelHistory}). A client's
 * command runs in its connection's serial context and, with the shared history, answers when the
 * hub does; the API's call waits for that answer on its own thread.
 */
final class HistoryReads {
    /** How long the server API waits for the shared history's answer: the bus's link fails long before. */
    private static final long API_WAIT_SECONDS = 30;

    private final ChannelAccess access;
    private final ChannelHistory history;
    private final CentrifugoConfig config;

    HistoryReads(CentrifugoConfig config, ChannelAccess access, ChannelHistory history) {
        this.config = config;
        this.access = access;
        this.history = history;
    }

    /**
     * The history command (Centrifugo's rules): for subscribers of the channel where allowed
     * ({@link HistoryOptions#allowHistory()}, else 103), 108 where the channel has no history; a
     * limit of 0 gives the position only, a negative one or one over 300 is 300; {@code since}
     * from another epoch is 112; {@code reverse} with {@code since.offset} 0 is 107.
     */
    boolean command(WebSocket ws, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.readerCode(ws, channel, ns -> ns.history().enabled(), ns -> ns.history().allowHistory());
        if (code != 0) {
            return Reply.sendError(ws, id, code);
        }
        if (!(ask(req, true) instanceof Ask ask)) {
            return Reply.sendError(ws, id, Codes.BAD_REQUEST);
        }
        HistoryOptions options = config.namespaceOf(channel).history();
        if (history.shared() == null) {
            return readHere(channel, options, ask).sendTo(ws, id, "history");
        }
        String refused = history.shared().query(channel, ask.query(options),
                a -> (a.failed() ? Reply.error(Codes.INTERNAL) : result(ask, a.epoch(), a.top(), a.publications(), true))
                        .sendTo(ws, id, "history"));
        return refused == null || Reply.sendError(ws, id, Codes.INTERNAL);
    }

    /**
     * The server API's history (Centrifugo's {@code history} method): as the client command, without
     * its permission checks (the API is trusted) and without its cap: a negative limit is every
     * publication kept, as in Centrifuge. Any thread.
     */
    Reply api(Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.apiReaderCode(channel, ns -> ns.history().enabled());
        if (code != 0) {
            return Reply.error(code);
        }
        if (!(ask(req, false) instanceof Ask ask)) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        HistoryOptions options = config.namespaceOf(channel).history();
        if (history.shared() == null) {
            return readHere(channel, options, ask);
        }
        CompletableFuture<HistoryAnswer> answer = new CompletableFuture<>();
        if (history.shared().query(channel, ask.query(options), answer::complete) != null) {
            return Reply.error(Codes.INTERNAL);
        }
        try {
            // the API's own thread (not an event loop); the answer is a round trip to the hub, or a failure when its link drops
            HistoryAnswer a = answer.get(API_WAIT_SECONDS, TimeUnit.SECONDS);
            return a.failed() ? Reply.error(Codes.INTERNAL) : result(ask, a.epoch(), a.top(), a.publications(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(Codes.INTERNAL);
        } catch (ExecutionException | TimeoutException e) {
            return Reply.error(Codes.INTERNAL);
        }
    }

    /**
     * A history read as asked ({@code limit}, {@code since}, {@code reverse}): a client's limit is
     * capped at 300 ({@code capped}); the server API's is not.
     */
    private record Ask(long sinceOffset, String sinceEpoch, int limit, boolean reverse) {
        HistoryQuery query(HistoryOptions history) {
            return new HistoryQuery(HistoryQuery.Mode.READ, history, sinceOffset, sinceEpoch, limit, reverse);
        }
    }

    /** The read {@code req} asks for, or an error {@link Reply} (107: reverse from offset 0). */
    private static Object ask(Map<?, ?> req, boolean capped) {
        long limit = req.get("limit") instanceof Json.Number n && n.integer(Integer.MIN_VALUE, Integer.MAX_VALUE) != null
                ? n.integer(Integer.MIN_VALUE, Integer.MAX_VALUE) : 0;
        if (capped && (limit < 0 || limit > HistoryOptions.HISTORY_MAX)) {
            limit = HistoryOptions.HISTORY_MAX;
        }
        boolean reverse = req.get("reverse") == Boolean.TRUE;
        long sinceOffset = -1;
        String sinceEpoch = null;
        if (req.get("since") instanceof Map<?, ?> since) {
            sinceOffset = since.get("offset") instanceof Json.Number n && n.integer(0, Long.MAX_VALUE) != null
                    ? n.integer(0, Long.MAX_VALUE) : 0;
            sinceEpoch = since.get("epoch") instanceof String e ? e : "";
            if (reverse && sinceOffset == 0) {
                return Reply.error(Codes.BAD_REQUEST);
            }
        }
        return new Ask(sinceOffset, sinceEpoch, (int) limit, reverse);
    }

    /**
     * The result object {@code {"publications":[..],"epoch":..,"offset":..}}, or 112 when the read
     * was asked since another epoch. {@code raw}: as {@link Publications#appendPublications}.
     */
    private static Reply result(Ask ask, String epoch, long top, List<Stream.Entry> entries, boolean raw) {
        if (ask.sinceEpoch() != null && !ask.sinceEpoch().equals(epoch)) {
            return Reply.error(Codes.UNRECOVERABLE_POSITION);
        }
        StringBuilder result = new StringBuilder(48 + entries.size() * 32);
        result.append('{');
        if (!entries.isEmpty()) {
            result.append("\"publications\":[");
            Publications.appendPublications(entries, result, raw);
            result.append("],");
        }
        result.append("\"epoch\":\"").append(epoch).append("\",\"offset\":").append(top).append('}');
        return new Reply(0, result.toString());
    }

    /** Reads {@code channel}'s history in this process's own streams. */
    private Reply readHere(String channel, HistoryOptions options, Ask ask) {
        long now = System.currentTimeMillis();
        return history.locked(channel, options, now, stream -> {
            if (ask.sinceEpoch() != null && !ask.sinceEpoch().equals(stream.epoch)) {
                return Reply.error(Codes.UNRECOVERABLE_POSITION);
            }
            return result(ask, stream.epoch, stream.top(), stream.read(ask.sinceOffset(), ask.limit(), ask.reverse(), now), false);
        });
    }
}
