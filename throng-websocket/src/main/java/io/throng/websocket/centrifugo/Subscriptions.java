package io.throng.websocket.centrifugo;

import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocket;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.history.Stream;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A connection's channels: subscribe (with or without a subscription token; positioned and
 * recovering where the channel has history, in this process's streams or through the bus's shared
 * history), unsubscribe, sub_refresh, and the end of a subscription whose token expired. A
 * channel's Centrifugo subscribers are the registry topic {@code #<channel>}.
 *
 * <p>Order: a subscription and its reply are made under the connection's monitor, the one every
 * frame it is sent is written under, so a publication never overtakes the reply that announces
 * its channel; a positioned one also under the channel's stream lock, or, with the shared history,
 * on the thread that delivers the channel's publications. Commands run in the connection's serial
 * context; {@link #endExpired} on the sweeper's thread; {@link #subscribing} on any.
 */
final class Subscriptions {
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final Bus bus;
    private final ChannelAccess access;
    private final ChannelHistory history;
    private final Presence presence;
    private final ClientIds ids;
    /** The check of subscription tokens: the connection tokens', or its own (Centrifugo's client.subscription_token); null for none. */
    private final ConnectionTokens tokens;
    /** Tokens refused, connection and subscription tokens alike: the handler's counter. */
    private final LongAdder refusedTokens;
    /**
     * Channels with a subscribe waiting for the shared history's answer, and how many: the node
     * counts as subscribed to them ({@link #subscribing}), so the bus keeps their subscription.
     */
    private final ConcurrentHashMap<String, Integer> subscribing = new ConcurrentHashMap<>();
    private final LongAdder recovered = new LongAdder();
    private final LongAdder notRecovered = new LongAdder();

    Subscriptions(CentrifugoConfig config, TopicRegistry topics, Bus bus, ChannelAccess access, ChannelHistory history,
                  Presence presence, ClientIds ids, ConnectionTokens tokens, LongAdder refusedTokens) {
        this.config = config;
        this.topics = topics;
        this.bus = bus;
        this.access = access;
        this.history = history;
        this.presence = presence;
        this.ids = ids;
        this.tokens = tokens;
        this.refusedTokens = refusedTokens;
    }

    /** Subscribes that asked to recover and got every publication they missed, since start. */
    long recoveries() {
        return recovered.sum();
    }

    /** Subscribes that asked to recover and could not be (another epoch, too far behind, trimmed), since start. */
    long failedRecoveries() {
        return notRecovered.sum();
    }

    /** Whether a subscribe to {@code channel} waits for the shared history: the node needs the channel. Any thread. */
    boolean subscribing(String channel) {
        return !subscribing.isEmpty() && subscribing.containsKey(channel);
    }

    boolean subscribe(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.code(channel);
        if (code != 0) {
            return Reply.sendError(ws, id, code);
        }
        Namespace ns = config.namespaceOf(channel);
        String token = req.get("token") instanceof String t ? t : "";
        long expiresAt = 0;
        String tokenData = null;
        String chanInfo = null;
        if (!token.isEmpty()) {
            // Centrifugo's order: a valid subscription token allows any channel, private or not
            ConnectionTokens.SubscriptionValid v = token(ws, s, channel, token, id);
            if (v == null) {
                return ws.isOpen();
            }
            expiresAt = v.expiresAt();
            tokenData = v.dataJson();
            chanInfo = v.infoJson();
        } else if (channel.charAt(0) == '$' || !ns.allowSubscribe() || (s.user.isEmpty() && !config.allowAnonymous())) {
            return Reply.sendError(ws, id, Codes.PERMISSION_DENIED); // a private channel needs a subscription token
        }
        if (topics.topicsOf(ws).size() - 1 >= config.channelLimit()) { // less the sessions topic
            return Reply.sendError(ws, id, Codes.LIMIT_EXCEEDED);
        }
        HistoryOptions options = ns.history();
        boolean recoverable = options.enabled() && (options.forceRecovery() || req.get("recoverable") == Boolean.TRUE);
        if (!options.enabled() || !(recoverable || req.get("positioned") == Boolean.TRUE)) {
            synchronized (ws) {
                if (!topics.subscribe(CentrifugoHandler.topic(channel), ws)) {
                    return ws.isOpen() && Reply.sendError(ws, id, Codes.ALREADY_SUBSCRIBED);
                }
                ws.sendText("{\"id\":" + id + ",\"subscribe\":{" + tokenFields(expiresAt, tokenData) + "}}");
                expiresAfter(s, channel, expiresAt);
                s.chanInfo(channel, chanInfo);
            }
            presence.join(ws, s, channel, req);
            return true;
        }
        boolean recover = recoverable && req.get("recover") == Boolean.TRUE;
        long offset = req.get("offset") instanceof Json.Number n && n.integer(0, Long.MAX_VALUE) != null ? n.integer(0, Long.MAX_VALUE) : 0;
        String epoch = req.get("epoch") instanceof String e ? e : "";
        long flag = req.get("flag") instanceof Json.Number n && n.integer(0, 0xFFFFFFFFL) != null ? n.integer(0, 0xFFFFFFFFL) : 0;
        Asked asked = new Asked(recoverable, recover, offset, epoch, flag, expiresAt, tokenData, chanInfo);
        if (history.shared() != null) {
            return subscribeShared(ws, s, id, req, channel, options, asked);
        }
        long now = System.currentTimeMillis();
        // under the stream's lock: no publication of the channel between the history read and the subscription
        return history.locked(channel, options, now, stream -> {
            Stream.Recovery r = recover ? stream.recover(offset, epoch, options.recoveryMaxPublications(), now) : null;
            if (r != null && !r.recovered() && (flag & 2) != 0) {
                return Reply.sendError(ws, id, Codes.UNRECOVERABLE_POSITION); // the SDK asked to be refused rather than resubscribed blind
            }
            String reply = positionedReply(id, asked, stream.epoch, stream.top(), r != null && r.recovered(),
                    r == null ? List.of() : r.publications(), false);
            synchronized (ws) {
                if (!topics.subscribe(CentrifugoHandler.topic(channel), ws)) {
                    return ws.isOpen() && Reply.sendError(ws, id, Codes.ALREADY_SUBSCRIBED);
                }
                if (r != null) {
                    (r.recovered() ? recovered : notRecovered).increment(); // before the reply: whoever reads it sees the count
                }
                ws.sendText(reply);
                expiresAfter(s, channel, asked.expiresAt());
                s.chanInfo(channel, asked.chanInfo());
            }
            presence.join(ws, s, channel, req);
            return true;
        });
    }

    /** What a positioned subscribe asked for, and what its token gave. */
    private record Asked(boolean recoverable, boolean recover, long offset, String epoch, long flag, long expiresAt,
                         String tokenData, String chanInfo) {
    }

    /**
     * The reply to a subscribe with a position: the stream's epoch and top, or, when it recovered,
     * the client's own offset (the SDK moves it along the publications that follow) and what it
     * missed. {@code raw}: the publications' data is as published (the shared history's), not JSON yet.
     */
    private static String positionedReply(long id, Asked asked, String epoch, long top, boolean recovered,
                                          List<Stream.Entry> publications, boolean raw) {
        StringBuilder reply = new StringBuilder(96);
        reply.append("{\"id\":").append(id).append(",\"subscribe\":{");
        String fromToken = tokenFields(asked.expiresAt(), asked.tokenData());
        if (!fromToken.isEmpty()) {
            reply.append(fromToken).append(',');
        }
        if (asked.recoverable()) {
            reply.append("\"recoverable\":true,");
        }
        reply.append("\"epoch\":\"").append(epoch).append("\",\"positioned\":true,\"offset\":");
        if (recovered) {
            reply.append(asked.offset()).append(",\"was_recovering\":true,\"recovered\":true");
            if (!publications.isEmpty()) {
                reply.append(",\"publications\":[");
                Publications.appendPublications(publications, reply, raw);
                reply.append(']');
            }
        } else {
            reply.append(top);
            if (asked.recover()) {
                reply.append(",\"was_recovering\":true"); // not recovered: the app reloads its state
            }
        }
        return reply.append("}}").toString();
    }

    /**
     * A positioned subscribe where the bus keeps the history (prefork): asks it for the position or
     * the recovery, and subscribes when the answer comes, on the thread that delivers the channel's
     * publications, in their order: what the answer holds does not come again live, and what it
     * does not hold comes live after it. Meanwhile the channel counts as needed here, so the bus
     * keeps (or takes) its subscription.
     */
    private boolean subscribeShared(WebSocket ws, ClientSession s, long id, Map<?, ?> req, String channel,
                                    HistoryOptions options, Asked asked) {
        HistoryQuery q = new HistoryQuery(asked.recover() ? HistoryQuery.Mode.RECOVER : HistoryQuery.Mode.POSITION, options,
                asked.offset(), asked.epoch(), options.recoveryMaxPublications(), false);
        subscribing.merge(channel, 1, Integer::sum);
        bus.subscribe(channel);
        String refused = history.shared().query(channel, q, a -> {
            try {
                subscribeAnswered(ws, s, id, req, channel, asked, a);
            } finally {
                doneSubscribing(channel);
            }
        });
        if (refused != null) {
            doneSubscribing(channel);
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " failed: " + refused);
            return Reply.sendError(ws, id, Codes.INTERNAL); // the SDK retries with back-off
        }
        return true;
    }

    private void doneSubscribing(String channel) {
        subscribing.computeIfPresent(channel, (c, n) -> n == 1 ? null : n - 1);
        bus.unsubscribe(channel); // a hint: the bus looks again whether this node still needs the channel
    }

    private void subscribeAnswered(WebSocket ws, ClientSession s, long id, Map<?, ?> req, String channel, Asked asked,
                                   HistoryAnswer a) {
        if (!ws.isOpen()) {
            return;
        }
        if (a.failed()) {
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " failed: " + a.failure());
            Reply.sendError(ws, id, Codes.INTERNAL);
            return;
        }
        boolean recovered = asked.recover() && a.recovered();
        if (asked.recover() && !recovered && (asked.flag() & 2) != 0) {
            Reply.sendError(ws, id, Codes.UNRECOVERABLE_POSITION);
            return;
        }
        String reply = positionedReply(id, asked, a.epoch(), a.top(), recovered, a.publications(), true);
        synchronized (ws) {
            if (!topics.subscribe(CentrifugoHandler.topic(channel), ws)) {
                if (ws.isOpen()) {
                    Reply.sendError(ws, id, Codes.ALREADY_SUBSCRIBED);
                }
                return;
            }
            if (asked.recover()) {
                (recovered ? this.recovered : notRecovered).increment(); // before the reply: whoever reads it sees the count
            }
            ws.sendText(reply);
            expiresAfter(s, channel, asked.expiresAt());
            s.chanInfo(channel, asked.chanInfo());
        }
        presence.join(ws, s, channel, req);
    }

    /**
     * Checks a subscription token for {@code channel} (Centrifugo's rules): expired is error 109
     * (the SDK fetches a new one), a bad or unparsable one 103, one for another user, channel or
     * client closes with 3500. Returns the token's claims, or null after answering.
     */
    private ConnectionTokens.SubscriptionValid token(WebSocket ws, ClientSession s, String channel, String token, long id) {
        if (tokens == null) {
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " refused: a token, and no token key");
            Reply.sendError(ws, id, Codes.PERMISSION_DENIED);
            return null;
        }
        switch (tokens.verifySubscription(token, System.currentTimeMillis())) {
            case ConnectionTokens.Expired e -> {
                refusedTokens.increment();
                Reply.sendError(ws, id, Codes.TOKEN_EXPIRED);
                return null;
            }
            case ConnectionTokens.Invalid invalid -> {
                refusedTokens.increment();
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " refused: invalid"
                        + " subscription token (" + invalid.why() + ")");
                Reply.sendError(ws, id, Codes.PERMISSION_DENIED);
                return null;
            }
            case ConnectionTokens.SubscriptionValid v -> {
                String mismatch = !v.channel().equals(channel) ? "it is for another channel"
                        : !v.user().equals(s.user) ? "it is for another user"
                        : v.client() != null && !v.client().equals(ids.of(ws)) ? "it is for another client" : null;
                if (mismatch != null) {
                    refusedTokens.increment();
                    LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " refused: " + mismatch);
                    ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
                    return null;
                }
                return v;
            }
        }
    }

    /** The subscribe result's fields from its token: {@code "expires":true,"ttl":N} and {@code "data"}; "" for none. */
    private static String tokenFields(long expiresAt, String dataJson) {
        StringBuilder b = new StringBuilder();
        if (expiresAt != 0) {
            b.append("\"expires\":true,\"ttl\":").append(Math.max(1, expiresAt - System.currentTimeMillis() / 1000));
        }
        if (dataJson != null) {
            b.append(b.isEmpty() ? "" : ",").append("\"data\":").append(dataJson);
        }
        return b.toString();
    }

    /** Remembers when a subscription made with an expiring token must have been refreshed (then 2501). */
    private void expiresAfter(ClientSession s, String channel, long expiresAtSeconds) {
        if (expiresAtSeconds != 0) {
            s.subscriptionDeadline(channel, expiresAtSeconds * 1000 + config.expiredCloseDelay().toMillis());
        }
    }

    /** sub_refresh: a new subscription token for a channel this connection is subscribed to. */
    boolean refresh(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        String token = req.get("token") instanceof String t ? t : "";
        if (channel.isEmpty() || token.isEmpty()) {
            return Reply.sendError(ws, id, Codes.BAD_REQUEST);
        }
        if (!access.subscribed(ws, channel)) {
            return Reply.sendError(ws, id, Codes.PERMISSION_DENIED);
        }
        ConnectionTokens.SubscriptionValid v = token(ws, s, channel, token, id);
        if (v == null) {
            return ws.isOpen();
        }
        s.subscriptionDeadline(channel, v.expiresAt() == 0 ? Long.MAX_VALUE
                : v.expiresAt() * 1000 + config.expiredCloseDelay().toMillis());
        s.chanInfo(channel, v.infoJson()); // Centrifuge sets the refreshed token's info, none included
        ws.sendText("{\"id\":" + id + ",\"sub_refresh\":{" + tokenFields(v.expiresAt(), null) + "}}");
        return true;
    }

    boolean unsubscribe(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        if (channel.isEmpty()) {
            return Reply.sendError(ws, id, Codes.BAD_REQUEST);
        }
        topics.unsubscribe(CentrifugoHandler.topic(channel), ws);
        s.subscriptionDeadline(channel, Long.MAX_VALUE);
        presence.leave(ws, s, channel);
        ws.sendText("{\"id\":" + id + ",\"unsubscribe\":{}}");
        return true;
    }

    /**
     * Ends {@code ws}'s subscriptions whose token expired without a sub_refresh by {@code nowMillis}:
     * 2501, and the SDK subscribes again (with a new token). The sweeper's thread.
     */
    void endExpired(WebSocket ws, ClientSession s, long nowMillis) {
        for (String channel : s.takeExpired(nowMillis)) {
            if (!topics.unsubscribe(CentrifugoHandler.topic(channel), ws)) {
                continue; // unsubscribed meanwhile
            }
            presence.leave(ws, s, channel);
            StringBuilder push = new StringBuilder(96).append("{\"push\":{\"channel\":");
            Json.quote(channel, push);
            ws.sendText(push.append(",\"unsubscribe\":{\"code\":2501,\"reason\":\"subscription expired\"}}}"));
        }
    }
}
