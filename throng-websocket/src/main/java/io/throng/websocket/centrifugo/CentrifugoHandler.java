package io.throng.websocket.centrifugo;

import io.throng.websocket.PreparedMessage;
import io.throng.websocket.PublishResult;
import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.SharedHistory;
import io.throng.websocket.codec.Utf8;
import io.throng.websocket.history.Stream;
import io.throng.websocket.history.Streams;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Centrifugo's client protocol v2, JSON over WebSocket (docs/centrifugo.md): what lets its official
 * SDKs talk to the push service unchanged. Commands: connect (with a token signed HS, RS or ES
 * 256/384/512, or anonymous where allowed), subscribe, unsubscribe, publish, refresh, sub_refresh,
 * history, presence, presence_stats, and the pong; history and presence where their namespace has
 * them (else 108), rpc 104, send closes with 3508. Centrifugo's server HTTP API ({@link
 * CentrifugoApi}) reads history and presence and disconnects users here. Pushes: a publication to a
 * channel's subscribers whenever anything publishes to it (HTTP, the binary protocol, the API, a
 * client), through the same bus and fan-out as the raw endpoint; join and leave where enabled.
 * History lives here in one process ({@link Streams}), or in the bus's broker when it keeps it for
 * every process on it ({@link SharedHistory}: the prefork hub).
 *
 * <p>A channel's Centrifugo subscribers are the registry topic {@code #<channel>} (no push channel
 * has a '#'), so that one publish reaches them in one shared frame of their own envelope, and the
 * raw {@code /sub/<channel>} subscribers in theirs. Every Centrifugo connection is also in the
 * topic {@value #SESSIONS}, which one sweeper thread walks: every ping interval it pings
 * ({@code {}}) and, a pong timeout later, closes a connection whose pong did not come (3012); every
 * half stale delay it closes one that never connected (3502) and one whose token expired without
 * a refresh (3005). No timer and no map per connection.
 *
 * <p>Order: a subscription and its reply are made under the connection's monitor, the one every
 * frame it is sent is written under, so a publication never overtakes the reply that announces
 * its channel. Callbacks run in the connection's serial context; the sweeper on its own thread.
 */
public final class CentrifugoHandler implements WebSocketHandler, AutoCloseable {
    /** The registry topic every Centrifugo connection is in (not a channel name: no '!' there). */
    public static final String SESSIONS = "!centrifugo";
    /** Registry topics of Centrifugo subscribers start with this (no push channel has it). */
    public static final char TOPIC_PREFIX = '#';
    /**
     * Registry topics of the subscribers that asked for join/leave pushes: '!' like the sessions
     * topic, so the bus takes them for no channel of its own (join/leave stay in this process).
     */
    static final String JOIN_LEAVE_PREFIX = "!jl#";
    /** What the connect reply calls the server version. */
    static final String VERSION = "throng-0.1";

    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");
    /**
     * The ping, sent as a plain text message rather than a shared frame: a shared frame counts as a
     * delivery in /stats, and falls under the slow-subscriber policy, which would drop a ping.
     */
    private static final ByteBuffer PING = ByteBuffer.wrap("{}".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final Bus bus;
    private final Function<String, String> channelProblem;
    private final ConnectionTokens tokens;
    /** The check of subscription tokens: {@link #tokens}, or its own (Centrifugo's client.subscription_token); null for none. */
    private final ConnectionTokens subscriptionTokens;
    /** Every channel's history in this process, or null when history is off or kept by the bus ({@link #shared}). */
    private final Streams streams;
    /**
     * The history the bus keeps for every process on it (the prefork hub), or null: this process
     * keeps its own ({@link #streams}) or none.
     */
    private final SharedHistory shared;
    /**
     * Channels with a subscribe waiting for the shared history's answer, and how many: the node
     * counts as subscribed to them ({@link #subscribing}), so the bus keeps their subscription.
     */
    private final ConcurrentHashMap<String, Integer> subscribing = new ConcurrentHashMap<>();
    /** The high half of every client id: this process's, so ids differ between workers and restarts. */
    private final long clientIdHigh = ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFFF0FFFL | 0x4000L;
    private final ScheduledExecutorService sweeper;
    private final long startedMillis = System.currentTimeMillis();
    private final LongAdder connected = new LongAdder();
    private final LongAdder refusedTokens = new LongAdder();
    private final LongAdder clientPublishes = new LongAdder();
    private final LongAdder noPongCloses = new LongAdder();
    private final LongAdder recovered = new LongAdder();
    private final LongAdder notRecovered = new LongAdder();

    /**
     * @param channelProblem why a channel name cannot be used here (not a push channel, or not one
     *                       the bus carries), or null
     */
    public CentrifugoHandler(CentrifugoConfig config, TopicRegistry topics, Bus bus, Function<String, String> channelProblem) {
        this.config = config;
        this.topics = topics;
        this.bus = bus;
        this.channelProblem = channelProblem;
        this.tokens = config.keys().isEmpty() ? null : new ConnectionTokens(config.keys(), config.maxTokenBytes());
        TokenKeys subKeys = config.keys().forSubscriptions();
        this.subscriptionTokens = subKeys == config.keys() ? tokens
                : subKeys.isEmpty() ? null : new ConnectionTokens(subKeys, config.maxTokenBytes());
        this.shared = config.anyHistory() ? bus.sharedHistory() : null;
        this.streams = config.anyHistory() && shared == null ? new Streams() : null;
        if (shared != null) {
            // what is stored: publications to a channel with history that the JSON protocol can carry
            shared.storeWhen((channel, payload) -> {
                Namespace ns = config.namespaceOf(channel);
                return ns != null && ns.history().enabled() && Utf8.isValid(payload) ? ns.history() : null;
            });
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon(true)
                .name("throng-centrifugo-sweeper").factory());
        if (!config.pingInterval().isZero()) {
            long ping = config.pingInterval().toMillis();
            sweeper.scheduleAtFixedRate(this::pingAll, ping, ping, TimeUnit.MILLISECONDS);
        }
        // at half the stale delay, a connection that never connects is closed at most 1.5 delays after it opened
        long closes = Math.max(100, config.staleCloseDelay().toMillis() / 2);
        sweeper.scheduleAtFixedRate(this::closeStaleAndExpired, closes, closes, TimeUnit.MILLISECONDS);
        if (streams != null) {
            long sweep = 60_000; // a minute: meta TTLs are hours or days (tests set shorter ones and sweep themselves)
            sweeper.scheduleAtFixedRate(() -> streams.sweep(System.currentTimeMillis()), sweep, sweep, TimeUnit.MILLISECONDS);
        }
    }

    public CentrifugoConfig config() {
        return config;
    }

    /** Connects accepted since start. */
    public long connects() {
        return connected.sum();
    }

    /** Connects refused for their token (invalid or expired), since start. */
    public long refusedTokens() {
        return refusedTokens.sum();
    }

    public long clientPublishes() {
        return clientPublishes.sum();
    }

    public long noPongCloses() {
        return noPongCloses.sum();
    }

    /** Subscribes that asked to recover and got every publication they missed, since start. */
    public long recoveries() {
        return recovered.sum();
    }

    /** Subscribes that asked to recover and could not be (another epoch, too far behind, trimmed), since start. */
    public long failedRecoveries() {
        return notRecovered.sum();
    }

    /** Channels with a history in this process now (0 without history). */
    public int historyChannels() {
        return streams == null ? 0 : streams.count();
    }

    /** The counters as JSON, for the push service's /stats: sessions open now, and totals since start. */
    public String statsJson() {
        return "{\"sessions\":" + topics.subscribers(SESSIONS) + ",\"connects\":" + connects() + ",\"refusedTokens\":"
                + refusedTokens() + ",\"clientPublishes\":" + clientPublishes() + ",\"noPongCloses\":" + noPongCloses() + "}";
    }

    /** The registry topic of {@code channel}'s Centrifugo subscribers. */
    public static String topic(String channel) {
        return TOPIC_PREFIX + channel;
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

    /** A Publication object: {@code {"data":..,"offset":N}}, the offset left out when 0 (as Centrifugo does). */
    private static void pub(String dataJson, long offset, StringBuilder b) {
        pub(dataJson, null, offset, b);
    }

    /** A Publication object with its {@code info} (the publisher's ClientInfo) when not null, in the protocol's field order. */
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

    /**
     * Fans a publication to {@code channel} out to its Centrifugo subscribers; with history, stores
     * it first and gives it its offset, both under the channel's stream lock, so that every
     * subscriber sees the offsets in order and a recovering subscribe (which takes the same lock)
     * sees each publication either in its history or live, never both or neither. Called where
     * the bus delivers (its reader thread, or the publisher's on the in-process bus).
     */
    public PublishResult deliver(String channel, ByteBuffer payload) {
        String topic = topic(channel);
        Namespace ns = config.namespaceOf(channel);
        boolean history = ns != null && ns.history().enabled();
        if (!history && topics.subscribers(topic) == 0) {
            return PublishResult.NO_SUBSCRIBERS; // (an unknown namespace has no Centrifugo subscribers)
        }
        String data = dataJson(payload);
        if (data == null) {
            return PublishResult.NO_SUBSCRIBERS; // not UTF-8: neither sent nor stored
        }
        String info = PUBLISHER.get(); // a client's publish on the in-process bus: its ClientInfo
        if (!history || shared != null) {
            return topics.deliver(topic, publication(channel, data, 0, info));
        }
        byte[] stored = data.getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis();
        while (true) {
            Stream s = streams.of(channel, ns.history(), now);
            synchronized (s) {
                if (s.dead) {
                    continue; // forgotten by the sweeper just now: a new stream, a new epoch
                }
                long offset = s.append(stored, now);
                Position wanted = POSITION.get();
                if (wanted != null) {
                    wanted.offset = offset;
                    wanted.epoch = s.epoch;
                }
                return topics.subscribers(topic) == 0 ? PublishResult.NO_SUBSCRIBERS
                        : topics.deliver(topic, publication(channel, data, offset, info));
            }
        }
    }

    /**
     * Fans out a publication the bus's shared history stored at {@code offset} of {@code epoch}
     * (under prefork: the hub numbered it for every worker). Called where the bus delivers, in the
     * order of the channel's stream and of the answers to subscribes ({@link SharedHistory}).
     */
    public PublishResult deliverAt(String channel, ByteBuffer payload, long offset, String epoch) {
        String topic = topic(channel);
        if (topics.subscribers(topic) == 0) {
            return PublishResult.NO_SUBSCRIBERS;
        }
        String data = dataJson(payload);
        return data == null ? PublishResult.NO_SUBSCRIBERS : topics.deliver(topic, publication(channel, data, offset));
    }

    /** Whether a subscribe to {@code channel} waits for the shared history: the node needs the channel. Any thread. */
    public boolean subscribing(String channel) {
        return !subscribing.isEmpty() && subscribing.containsKey(channel);
    }

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

    /** Publishes {@code payload} through {@code bus} and, when delivered here with history, tells its position into {@code into}. */
    static PublishOutcome publishAt(Bus bus, String channel, ByteBuffer payload, Position into) {
        POSITION.set(into);
        try {
            return bus.publish(channel, payload);
        } finally {
            POSITION.remove();
        }
    }

    /**
     * The server API's disconnect: closes the connections of {@code user} (only the one whose client
     * id is {@code client}, if not null; none whose id is in {@code keep}) with {@code code} and
     * {@code reason}. This process's connections only. Returns how many it closed. Any thread.
     */
    int disconnect(String user, String client, java.util.Set<String> keep, int code, String reason) {
        int[] closed = {0};
        topics.forEachSubscriber(SESSIONS, ws -> {
            if (ws.attachment() instanceof ClientSession s && s.connected() && user.equals(s.user)) {
                String id = clientId(ws);
                if ((client == null || client.equals(id)) && !keep.contains(id)) {
                    ws.close(code, reason);
                    closed[0]++;
                }
            }
        });
        if (closed[0] > 0) {
            LOG.log(Level.INFO, () -> "centrifugo: the API disconnected " + closed[0] + " connection(s) of a user with " + code);
        }
        return closed[0];
    }

    /** The server API's info: this process as Centrifugo's one node. Any thread. */
    String infoJson() {
        java.util.HashSet<String> users = new java.util.HashSet<>();
        topics.forEachSubscriber(SESSIONS, ws -> {
            if (ws.attachment() instanceof ClientSession s && s.connected()) {
                users.add(s.user);
            }
        });
        int channels = 0;
        long subs = 0;
        for (String t : topics.topicNames()) {
            if (!t.isEmpty() && t.charAt(0) == TOPIC_PREFIX) {
                int n = topics.subscribers(t);
                if (n > 0) {
                    channels++;
                    subs += n;
                }
            }
        }
        StringBuilder b = new StringBuilder(200);
        b.append("{\"nodes\":[{\"uid\":\"").append(new UUID(clientIdHigh, 0)).append("\",\"name\":\"throng\",\"version\":\"")
                .append(VERSION).append("\",\"num_clients\":").append(topics.subscribers(SESSIONS))
                .append(",\"num_users\":").append(users.size()).append(",\"num_channels\":").append(channels)
                .append(",\"num_subs\":").append(subs).append(",\"uptime\":")
                .append((System.currentTimeMillis() - startedMillis) / 1000).append("}]}");
        return b.toString();
    }

    /** The channel problem function this handler was made with: why a name cannot be a channel here, or null. */
    String channelProblem(String channel) {
        return channelProblem.apply(channel);
    }

    // ================================================================ callbacks (serial context)

    @Override
    public void onOpen(WebSocket ws) {
        ws.attach(new ClientSession(System.currentTimeMillis() + config.staleCloseDelay().toMillis()));
        topics.subscribe(SESSIONS, ws);
    }

    @Override
    public void onText(WebSocket ws, ByteBuffer utf8) {
        if (!(ws.attachment() instanceof ClientSession s)) {
            return;
        }
        String frame = WebSocketHandler.text(utf8);
        int end = frame.endsWith("\n") ? frame.length() - 1 : frame.length();
        if (end == 0) {
            ws.close(Codes.CLOSE_BAD_REQUEST, "bad request");
            return;
        }
        int from = 0;
        while (from <= end) {
            int nl = frame.indexOf('\n', from);
            int to = nl < 0 || nl > end ? end : nl;
            if (to == from) {
                ws.close(Codes.CLOSE_BAD_REQUEST, "bad request"); // an empty line
                return;
            }
            if (!command(ws, s, frame.substring(from, to))) {
                return; // closed, or a connect error: the rest of the frame is dropped
            }
            from = to + 1;
        }
    }

    @Override
    public void onBinary(WebSocket ws, ByteBuffer data) {
        ws.close(Codes.CLOSE_BAD_REQUEST, "bad request"); // JSON comes in text frames
    }

    @Override
    public void onClose(WebSocket ws, int code, String reason) {
        if (ws.attachment() instanceof ClientSession s) {
            for (String channel : s.leaveAll()) {
                announce(ws, s, channel, "leave");
            }
        }
        ws.attach(null); // the registry drops its topics itself
    }

    /** One command line; false to stop reading the frame. */
    private boolean command(WebSocket ws, ClientSession s, String line) {
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (Json.JsonException e) {
            return badRequest(ws, "not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> cmd)) {
            return badRequest(ws, "a command is not a JSON object");
        }
        Object idValue = cmd.get("id");
        long id = 0;
        if (idValue != null) {
            Long v = idValue instanceof Json.Number n ? n.integer(0, 0xFFFFFFFFL) : null;
            if (v == null) {
                return badRequest(ws, "the id is not a uint32");
            }
            id = v;
        }
        if (id == 0) {
            if (cmd.isEmpty() || (cmd.size() == 1 && idValue != null)) {
                return pong(ws, s);
            }
            if (cmd.containsKey("send")) {
                ws.close(Codes.CLOSE_NOT_AVAILABLE, "not available");
                return false;
            }
            return badRequest(ws, "a command without an id");
        }
        String method = null;
        Map<?, ?> request = null;
        for (String m : METHODS) {
            if (cmd.get(m) instanceof Map<?, ?> r) {
                method = m;
                request = r;
                break;
            }
        }
        if (method == null) {
            return badRequest(ws, "no known request in command " + id);
        }
        if (!s.connected() && !method.equals("connect")) {
            return badRequest(ws, method + " before connect");
        }
        return switch (method) {
            case "connect" -> connect(ws, s, id, request);
            case "subscribe" -> subscribe(ws, s, id, request);
            case "unsubscribe" -> unsubscribe(ws, s, id, request);
            case "publish" -> publish(ws, s, id, request);
            case "refresh" -> refresh(ws, s, id, request);
            case "history" -> history(ws, id, request);
            case "sub_refresh" -> subRefresh(ws, s, id, request);
            case "presence" -> presence(ws, id, request, false);
            case "presence_stats" -> presence(ws, id, request, true);
            case "rpc" -> error(ws, id, Codes.METHOD_NOT_FOUND);
            default -> error(ws, id, Codes.NOT_AVAILABLE);
        };
    }

    private static final List<String> METHODS = List.of("connect", "subscribe", "unsubscribe", "publish", "presence",
            "presence_stats", "history", "rpc", "refresh", "sub_refresh");

    private boolean pong(WebSocket ws, ClientSession s) {
        if (!s.set(ClientSession.PONG_DUE, false)) {
            return badRequest(ws, "a pong without a ping");
        }
        return true;
    }

    private boolean connect(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        if (s.connected()) {
            return badRequest(ws, "a second connect");
        }
        String token = req.get("token") instanceof String t ? t : "";
        String user;
        long expiresAt = 0;
        List<String> channels = List.of();
        String info = null;
        long now = System.currentTimeMillis();
        if (token.isEmpty()) {
            if (!config.allowAnonymous()) {
                refusedTokens.increment();
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: no token, and anonymous connections are not allowed");
                ws.close(Codes.CLOSE_BAD_REQUEST, "client credentials not found");
                return false;
            }
            user = "";
        } else if (tokens == null) {
            refusedTokens.increment();
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: a token, and no token key is configured");
            ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
            return false;
        } else {
            switch (tokens.verify(token, now)) {
                case ConnectionTokens.Expired e -> {
                    refusedTokens.increment();
                    LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: token expired");
                    return connectError(ws, id, Codes.TOKEN_EXPIRED);
                }
                case ConnectionTokens.Invalid invalid -> {
                    refusedTokens.increment();
                    LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: invalid token (" + invalid.why() + ")");
                    ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
                    return false;
                }
                case ConnectionTokens.Valid v -> {
                    user = v.user();
                    expiresAt = v.expiresAt();
                    channels = v.channels();
                    info = v.infoJson();
                }
            }
        }
        for (String ch : channels) {
            if (channelProblem.apply(ch) != null) {
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: its token lists channel '" + ch + "': "
                        + channelProblem.apply(ch));
                return connectError(ws, id, Codes.UNKNOWN_CHANNEL);
            }
        }
        if (channels.size() > config.channelLimit()) {
            return connectError(ws, id, Codes.LIMIT_EXCEEDED);
        }
        StringBuilder reply = new StringBuilder(160);
        reply.append("{\"id\":").append(id).append(",\"connect\":{\"client\":\"").append(clientId(ws))
                .append("\",\"version\":\"").append(VERSION).append('"');
        if (expiresAt != 0) {
            long ttl = Math.max(1, expiresAt - now / 1000);
            reply.append(",\"expires\":true,\"ttl\":").append(ttl);
        }
        if (!channels.isEmpty()) {
            reply.append(",\"subs\":{");
            for (int i = 0; i < channels.size(); i++) {
                if (i > 0) {
                    reply.append(',');
                }
                Json.quote(channels.get(i), reply);
                reply.append(":{}");
            }
            reply.append('}');
        }
        if (!config.pingInterval().isZero()) {
            reply.append(",\"ping\":").append(config.pingInterval().toSeconds()).append(",\"pong\":true");
        }
        reply.append("}}");
        s.user = user;
        s.connInfo(info);
        s.deadline = expiresAt == 0 ? Long.MAX_VALUE : expiresAt * 1000 + config.expiredCloseDelay().toMillis();
        synchronized (ws) {
            // connected, subscribed and answered at once for the sweeper's pings and the fan-out's publications
            s.markConnected();
            for (String ch : channels) {
                topics.subscribe(topic(ch), ws);
            }
            connected.increment(); // before the reply: whoever reads it sees the count
            ws.sendText(reply);
        }
        return true;
    }

    private boolean subscribe(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = channelCode(channel);
        if (code != 0) {
            return error(ws, id, code);
        }
        Namespace ns = config.namespaceOf(channel);
        String token = req.get("token") instanceof String t ? t : "";
        long expiresAt = 0;
        String tokenData = null;
        String chanInfo = null;
        if (!token.isEmpty()) {
            // Centrifugo's order: a valid subscription token allows any channel, private or not
            ConnectionTokens.SubscriptionValid v = subscriptionToken(ws, s, channel, token, id);
            if (v == null) {
                return ws.isOpen();
            }
            expiresAt = v.expiresAt();
            tokenData = v.dataJson();
            chanInfo = v.infoJson();
        } else if (channel.charAt(0) == '$' || !ns.allowSubscribe() || (s.user.isEmpty() && !config.allowAnonymous())) {
            return error(ws, id, Codes.PERMISSION_DENIED); // a private channel needs a subscription token
        }
        if (topics.topicsOf(ws).size() - 1 >= config.channelLimit()) { // less the sessions topic
            return error(ws, id, Codes.LIMIT_EXCEEDED);
        }
        HistoryOptions history = ns.history();
        boolean recoverable = history.enabled() && (history.forceRecovery() || req.get("recoverable") == Boolean.TRUE);
        if (!history.enabled() || !(recoverable || req.get("positioned") == Boolean.TRUE)) {
            synchronized (ws) {
                if (!topics.subscribe(topic(channel), ws)) {
                    return ws.isOpen() && error(ws, id, Codes.ALREADY_SUBSCRIBED);
                }
                ws.sendText("{\"id\":" + id + ",\"subscribe\":{" + tokenFields(expiresAt, tokenData) + "}}");
                expiresAfter(s, channel, expiresAt);
                s.chanInfo(channel, chanInfo);
            }
            joinLeave(ws, s, channel, req, true);
            return true;
        }
        boolean recover = recoverable && req.get("recover") == Boolean.TRUE;
        long offset = req.get("offset") instanceof Json.Number n && n.integer(0, Long.MAX_VALUE) != null ? n.integer(0, Long.MAX_VALUE) : 0;
        String epoch = req.get("epoch") instanceof String e ? e : "";
        long flag = req.get("flag") instanceof Json.Number n && n.integer(0, 0xFFFFFFFFL) != null ? n.integer(0, 0xFFFFFFFFL) : 0;
        if (shared != null) {
            return subscribeShared(ws, s, id, req, channel, history,
                    new Asked(recoverable, recover, offset, epoch, flag, expiresAt, tokenData));
        }
        long now = System.currentTimeMillis();
        while (true) {
            Stream stream = streams.of(channel, history, now);
            synchronized (stream) { // no publication of the channel between the history read and the subscription
                if (stream.dead) {
                    continue;
                }
                Stream.Recovery r = recover ? stream.recover(offset, epoch, history.recoveryMaxPublications(), now) : null;
                if (r != null && !r.recovered() && (flag & 2) != 0) {
                    return error(ws, id, Codes.UNRECOVERABLE_POSITION); // the SDK asked to be refused rather than resubscribed blind
                }
                Asked asked = new Asked(recoverable, recover, offset, epoch, flag, expiresAt, tokenData);
                String reply = positionedReply(id, asked, stream.epoch, stream.top(), r != null && r.recovered(),
                        r == null ? List.of() : r.publications(), false);
                synchronized (ws) {
                    if (!topics.subscribe(topic(channel), ws)) {
                        return ws.isOpen() && error(ws, id, Codes.ALREADY_SUBSCRIBED);
                    }
                    if (r != null) {
                        (r.recovered() ? recovered : notRecovered).increment(); // before the reply: whoever reads it sees the count
                    }
                    ws.sendText(reply);
                    expiresAfter(s, channel, expiresAt);
                    s.chanInfo(channel, chanInfo);
                }
                joinLeave(ws, s, channel, req, true);
                return true;
            }
        }
    }

    /** What a positioned subscribe asked for, and what its token gave. */
    private record Asked(boolean recoverable, boolean recover, long offset, String epoch, long flag, long expiresAt,
                         String tokenData) {
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
                appendPublications(publications, reply, raw);
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
                                    HistoryOptions history, Asked asked) {
        HistoryQuery q = new HistoryQuery(asked.recover() ? HistoryQuery.Mode.RECOVER : HistoryQuery.Mode.POSITION, history,
                asked.offset(), asked.epoch(), history.recoveryMaxPublications(), false);
        subscribing.merge(channel, 1, Integer::sum);
        bus.subscribe(channel);
        String refused = shared.query(channel, q, a -> {
            try {
                subscribeAnswered(ws, s, id, req, channel, asked, a);
            } finally {
                doneSubscribing(channel);
            }
        });
        if (refused != null) {
            doneSubscribing(channel);
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " failed: " + refused);
            return error(ws, id, Codes.INTERNAL); // the SDK retries with back-off
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
            error(ws, id, Codes.INTERNAL);
            return;
        }
        boolean recovered = asked.recover() && a.recovered();
        if (asked.recover() && !recovered && (asked.flag() & 2) != 0) {
            error(ws, id, Codes.UNRECOVERABLE_POSITION);
            return;
        }
        String reply = positionedReply(id, asked, a.epoch(), a.top(), recovered, a.publications(), true);
        synchronized (ws) {
            if (!topics.subscribe(topic(channel), ws)) {
                if (ws.isOpen()) {
                    error(ws, id, Codes.ALREADY_SUBSCRIBED);
                }
                return;
            }
            if (asked.recover()) {
                (recovered ? this.recovered : notRecovered).increment(); // before the reply: whoever reads it sees the count
            }
            ws.sendText(reply);
            expiresAfter(s, channel, asked.expiresAt());
        }
        joinLeave(ws, s, channel, req, true);
    }

    /**
     * Checks a subscription token for {@code channel} (Centrifugo's rules): expired is error 109
     * (the SDK fetches a new one), a bad or unparsable one 103, one for another user, channel or
     * client closes with 3500. Returns the token's claims, or null after answering.
     */
    private ConnectionTokens.SubscriptionValid subscriptionToken(WebSocket ws, ClientSession s, String channel, String token,
                                                                 long id) {
        if (subscriptionTokens == null) {
            LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " refused: a token, and no token key");
            error(ws, id, Codes.PERMISSION_DENIED);
            return null;
        }
        switch (subscriptionTokens.verifySubscription(token, System.currentTimeMillis())) {
            case ConnectionTokens.Expired e -> {
                refusedTokens.increment();
                error(ws, id, Codes.TOKEN_EXPIRED);
                return null;
            }
            case ConnectionTokens.Invalid invalid -> {
                refusedTokens.increment();
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " subscribe to " + channel + " refused: invalid"
                        + " subscription token (" + invalid.why() + ")");
                error(ws, id, Codes.PERMISSION_DENIED);
                return null;
            }
            case ConnectionTokens.SubscriptionValid v -> {
                String mismatch = !v.channel().equals(channel) ? "it is for another channel"
                        : !v.user().equals(s.user) ? "it is for another user"
                        : v.client() != null && !v.client().equals(clientId(ws)) ? "it is for another client" : null;
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
    private boolean subRefresh(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        String token = req.get("token") instanceof String t ? t : "";
        if (channel.isEmpty() || token.isEmpty()) {
            return error(ws, id, Codes.BAD_REQUEST);
        }
        if (!topics.topicsOf(ws).contains(topic(channel))) {
            return error(ws, id, Codes.PERMISSION_DENIED);
        }
        ConnectionTokens.SubscriptionValid v = subscriptionToken(ws, s, channel, token, id);
        if (v == null) {
            return ws.isOpen();
        }
        s.subscriptionDeadline(channel, v.expiresAt() == 0 ? Long.MAX_VALUE
                : v.expiresAt() * 1000 + config.expiredCloseDelay().toMillis());
        s.chanInfo(channel, v.infoJson()); // Centrifuge sets the refreshed token's info, none included
        ws.sendText("{\"id\":" + id + ",\"sub_refresh\":{" + tokenFields(v.expiresAt(), null) + "}}");
        return true;
    }

    /**
     * After a subscribe, with join/leave on: this subscriber joins the topic of those who get the
     * pushes if it asked ({@code join_leave: true}, the SDK's {@code joinLeave}), and its join is
     * pushed to them (or to every subscriber, with force-push-join-leave).
     */
    private void joinLeave(WebSocket ws, ClientSession s, String channel, Map<?, ?> req, boolean join) {
        PresenceOptions p = config.namespaceOf(channel).presence();
        if (!p.joinLeave()) {
            return;
        }
        if (!p.forcePushJoinLeave() && req.get("join_leave") == Boolean.TRUE) {
            topics.subscribe(JOIN_LEAVE_PREFIX + channel, ws);
        }
        s.joined(channel);
        announce(ws, s, channel, join ? "join" : "leave");
    }

    /** An unsubscribe (or an expiry): the leave, if the join was announced. */
    private void leave(WebSocket ws, ClientSession s, String channel) {
        topics.unsubscribe(JOIN_LEAVE_PREFIX + channel, ws);
        if (s.left(channel)) {
            announce(ws, s, channel, "leave");
        }
        s.chanInfo(channel, null); // after the leave, which carries it
    }

    /** Pushes {@code kind} (join or leave) of {@code ws} to the channel's join/leave audience in this process. */
    private void announce(WebSocket ws, ClientSession s, String channel, String kind) {
        StringBuilder b = new StringBuilder(128).append("{\"push\":{\"channel\":");
        Json.quote(channel, b);
        b.append(",\"").append(kind).append("\":{\"info\":");
        clientInfo(ws, s, channel, b);
        b.append("}}}");
        Namespace ns = config.namespaceOf(channel);
        topics.deliver(ns != null && ns.presence().forcePushJoinLeave() ? topic(channel) : JOIN_LEAVE_PREFIX + channel,
                PreparedMessage.text(b.toString()));
    }

    /**
     * ClientInfo in {@code channel}: {@code {"user":"..","client":".."}}, with {@code conn_info}
     * (the connection token's info) and {@code chan_info} (the channel's subscription token's info)
     * when it has them.
     */
    private void clientInfo(WebSocket ws, ClientSession s, String channel, StringBuilder b) {
        b.append("{\"user\":");
        Json.quote(s.user == null ? "" : s.user, b);
        b.append(",\"client\":\"").append(clientId(ws)).append('"');
        s.appendInfo(channel, b);
        b.append('}');
    }

    /**
     * presence and presence_stats (for the channel's subscribers, where allowed): the channel's
     * Centrifugo subscribers connected to this process, by client id; or their counts.
     */
    private boolean presence(WebSocket ws, long id, Map<?, ?> req, boolean stats) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = channelCode(channel);
        if (code != 0) {
            return error(ws, id, code);
        }
        PresenceOptions p = config.namespaceOf(channel).presence();
        if (!p.presence()) {
            return error(ws, id, Codes.NOT_AVAILABLE);
        }
        if (!p.allowPresence() || !topics.topicsOf(ws).contains(topic(channel))) {
            return error(ws, id, Codes.PERMISSION_DENIED);
        }
        ws.sendText("{\"id\":" + id + (stats ? ",\"presence_stats\":" : ",\"presence\":") + presenceJson(channel, stats) + "}");
        return true;
    }

    /** The server API's presence and presence_stats: as the client commands, without their permission checks. */
    Reply apiPresence(Map<?, ?> req, boolean stats) {
        String channel = req.get("channel") instanceof String c ? c : "";
        if (channel.isEmpty() || channelProblem.apply(channel) != null) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        Namespace ns = config.namespaceOf(channel);
        if (ns == null) {
            return Reply.error(Codes.UNKNOWN_CHANNEL);
        }
        if (!ns.presence().presence()) {
            return Reply.error(Codes.NOT_AVAILABLE);
        }
        return new Reply(0, presenceJson(channel, stats));
    }

    /** {@code {"presence":{<client>:{user,client},..}}}, or {@code {"num_clients":N,"num_users":U}}: this process's subscribers. */
    private String presenceJson(String channel, boolean stats) {
        StringBuilder b = new StringBuilder(64);
        if (stats) {
            java.util.Set<String> users = new java.util.HashSet<>();
            int[] clients = {0};
            topics.forEachSubscriber(topic(channel), sub -> {
                if (sub.attachment() instanceof ClientSession cs) {
                    clients[0]++;
                    users.add(cs.user == null ? "" : cs.user);
                }
            });
            return b.append("{\"num_clients\":").append(clients[0]).append(",\"num_users\":").append(users.size()).append('}')
                    .toString();
        }
        b.append("{\"presence\":{");
        boolean[] first = {true};
        topics.forEachSubscriber(topic(channel), sub -> {
            if (sub.attachment() instanceof ClientSession cs) {
                if (!first[0]) {
                    b.append(',');
                }
                first[0] = false;
                b.append('"').append(clientId(sub)).append("\":");
                clientInfo(sub, cs, channel, b);
            }
        });
        return b.append("}}").toString();
    }

    /** {@code raw}: the entries hold data as published (the shared history's), made JSON here; else JSON already. */
    private static void appendPublications(List<Stream.Entry> entries, StringBuilder b, boolean raw) {
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
            pub(data, e.offset(), b);
        }
    }

    /**
     * The history command (Centrifugo's rules): for subscribers of the channel where allowed
     * ({@link HistoryOptions#allowHistory()}, else 103), 108 where the channel has no history; a
     * limit of 0 gives the position only, a negative one or one over 300 is 300; {@code since}
     * from another epoch is 112; {@code reverse} with {@code since.offset} 0 is 107.
     */
    private boolean history(WebSocket ws, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = channelCode(channel);
        if (code != 0) {
            return error(ws, id, code);
        }
        HistoryOptions history = config.namespaceOf(channel).history();
        if (!history.enabled()) {
            return error(ws, id, Codes.NOT_AVAILABLE);
        }
        if (!history.allowHistory() || !topics.topicsOf(ws).contains(topic(channel))) {
            return error(ws, id, Codes.PERMISSION_DENIED);
        }
        if (!(historyAsk(req, true) instanceof HistoryAsk ask)) {
            return error(ws, id, Codes.BAD_REQUEST);
        }
        if (shared == null) {
            return historyReply(ws, id, readHistory(channel, history, ask));
        }
        String refused = shared.query(channel, ask.query(history),
                a -> historyReply(ws, id, a.failed() ? Reply.error(Codes.INTERNAL) : historyResult(ask, a.epoch(), a.top(), a.publications(), true)));
        return refused == null || error(ws, id, Codes.INTERNAL);
    }

    private static boolean historyReply(WebSocket ws, long id, Reply r) {
        if (r.code() != 0) {
            return error(ws, id, r.code());
        }
        ws.sendText("{\"id\":" + id + ",\"history\":" + r.resultJson() + "}");
        return true;
    }

    /**
     * What a history read or a server API call answers: code 0 and its result object as JSON, or an
     * error code and, in {@code resultJson}, null or a detail the error's message adds.
     */
    record Reply(int code, String resultJson) {
        static final Reply EMPTY = new Reply(0, "{}");

        static Reply error(int code) {
            return new Reply(code, null);
        }
    }

    /**
     * The server API's history (Centrifugo's {@code history} method): as the client command, without
     * its permission checks (the API is trusted) and without its cap: a negative limit is every
     * publication kept, as in Centrifuge. Any thread.
     */
    Reply apiHistory(Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        if (channel.isEmpty() || channelProblem.apply(channel) != null) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        Namespace ns = config.namespaceOf(channel);
        if (ns == null) {
            return Reply.error(Codes.UNKNOWN_CHANNEL);
        }
        if (!ns.history().enabled()) {
            return Reply.error(Codes.NOT_AVAILABLE);
        }
        if (!(historyAsk(req, false) instanceof HistoryAsk ask)) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        if (shared == null) {
            return readHistory(channel, ns.history(), ask);
        }
        java.util.concurrent.CompletableFuture<HistoryAnswer> answer = new java.util.concurrent.CompletableFuture<>();
        if (shared.query(channel, ask.query(ns.history()), answer::complete) != null) {
            return Reply.error(Codes.INTERNAL);
        }
        try {
            // the API's own thread (not an event loop); the answer is a round trip to the hub, or a failure when its link drops
            HistoryAnswer a = answer.get(API_WAIT_SECONDS, TimeUnit.SECONDS);
            return a.failed() ? Reply.error(Codes.INTERNAL) : historyResult(ask, a.epoch(), a.top(), a.publications(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(Codes.INTERNAL);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return Reply.error(Codes.INTERNAL);
        }
    }

    /** How long the server API waits for the shared history's answer: the bus's link fails long before. */
    private static final long API_WAIT_SECONDS = 30;

    /**
     * A history read as asked ({@code limit}, {@code since}, {@code reverse}): a client's limit is
     * capped at 300 ({@code capped}); the server API's is not.
     */
    private record HistoryAsk(long sinceOffset, String sinceEpoch, int limit, boolean reverse) {
        HistoryQuery query(HistoryOptions history) {
            return new HistoryQuery(HistoryQuery.Mode.READ, history, sinceOffset, sinceEpoch, limit, reverse);
        }
    }

    /** The read {@code req} asks for, or an error {@link Reply} (107: reverse from offset 0). */
    private static Object historyAsk(Map<?, ?> req, boolean capped) {
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
        return new HistoryAsk(sinceOffset, sinceEpoch, (int) limit, reverse);
    }

    /**
     * The result object {@code {"publications":[..],"epoch":..,"offset":..}}, or 112 when the read
     * was asked since another epoch. {@code raw}: as {@link #appendPublications}.
     */
    private static Reply historyResult(HistoryAsk ask, String epoch, long top, List<Stream.Entry> entries, boolean raw) {
        if (ask.sinceEpoch() != null && !ask.sinceEpoch().equals(epoch)) {
            return Reply.error(Codes.UNRECOVERABLE_POSITION);
        }
        StringBuilder result = new StringBuilder(48 + entries.size() * 32);
        result.append('{');
        if (!entries.isEmpty()) {
            result.append("\"publications\":[");
            appendPublications(entries, result, raw);
            result.append("],");
        }
        result.append("\"epoch\":\"").append(epoch).append("\",\"offset\":").append(top).append('}');
        return new Reply(0, result.toString());
    }

    /** Reads {@code channel}'s history in this process's own streams. */
    private Reply readHistory(String channel, HistoryOptions history, HistoryAsk ask) {
        long now = System.currentTimeMillis();
        while (true) {
            Stream stream = streams.of(channel, history, now);
            synchronized (stream) {
                if (stream.dead) {
                    continue;
                }
                if (ask.sinceEpoch() != null && !ask.sinceEpoch().equals(stream.epoch)) {
                    return Reply.error(Codes.UNRECOVERABLE_POSITION);
                }
                return historyResult(ask, stream.epoch, stream.top(), stream.read(ask.sinceOffset(), ask.limit(), ask.reverse(), now),
                        false);
            }
        }
    }

    private boolean unsubscribe(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        if (channel.isEmpty()) {
            return error(ws, id, Codes.BAD_REQUEST);
        }
        topics.unsubscribe(topic(channel), ws);
        s.subscriptionDeadline(channel, Long.MAX_VALUE);
        leave(ws, s, channel);
        ws.sendText("{\"id\":" + id + ",\"unsubscribe\":{}}");
        return true;
    }

    private boolean publish(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = channelCode(channel);
        if (code != 0) {
            return error(ws, id, code);
        }
        if (!config.namespaceOf(channel).allowPublish() || (s.user.isEmpty() && !config.allowAnonymous()) || channel.charAt(0) == '$') {
            return error(ws, id, Codes.PERMISSION_DENIED); // private channels are published to by the server only
        }
        Object data = req.get("data");
        if (data == null) {
            return error(ws, id, Codes.BAD_REQUEST);
        }
        // Fanned out here, on the connection's thread, when the bus is this process (docs/centrifugo.md: not yet moved off the loop).
        StringBuilder info = new StringBuilder(96);
        clientInfo(ws, s, channel, info);
        PublishOutcome outcome;
        PUBLISHER.set(info.toString());
        try {
            outcome = bus.publish(channel, ByteBuffer.wrap(Json.write(data).getBytes(StandardCharsets.UTF_8)));
        } finally {
            PUBLISHER.remove();
        }
        if (outcome instanceof PublishOutcome.Refused) {
            ws.sendText("{\"id\":" + id + ",\"error\":{\"code\":" + Codes.INTERNAL + ",\"message\":\""
                    + Codes.message(Codes.INTERNAL) + "\",\"temporary\":true}}");
            return true;
        }
        clientPublishes.increment();
        ws.sendText("{\"id\":" + id + ",\"publish\":{}}");
        return true;
    }

    private boolean refresh(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String token = req.get("token") instanceof String t ? t : "";
        if (tokens == null || token.isEmpty()) {
            ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
            return false;
        }
        long now = System.currentTimeMillis();
        switch (tokens.verify(token, now)) {
            case ConnectionTokens.Expired e -> {
                ws.close(Codes.CLOSE_CONNECTION_EXPIRED, "connection expired");
                return false;
            }
            case ConnectionTokens.Invalid invalid -> {
                refusedTokens.increment();
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refresh refused: invalid token (" + invalid.why() + ")");
                ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
                return false;
            }
            case ConnectionTokens.Valid v -> {
                if (!v.user().equals(s.user)) {
                    LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refresh refused: a token for another user");
                    ws.close(Codes.CLOSE_INVALID_TOKEN, "invalid token");
                    return false;
                }
                s.connInfo(v.infoJson()); // a new info replaces the old; none keeps it (Centrifuge's refresh)
                if (v.expiresAt() == 0) {
                    s.deadline = Long.MAX_VALUE;
                    ws.sendText("{\"id\":" + id + ",\"refresh\":{}}");
                } else {
                    s.deadline = v.expiresAt() * 1000 + config.expiredCloseDelay().toMillis();
                    ws.sendText("{\"id\":" + id + ",\"refresh\":{\"expires\":true,\"ttl\":"
                            + Math.max(1, v.expiresAt() - now / 1000) + "}}");
                }
                return true;
            }
        }
    }

    /** 0 if clients may use {@code channel}, else the error code. */
    private int channelCode(String channel) {
        if (channel.isEmpty()) {
            return Codes.BAD_REQUEST;
        }
        if (channelProblem.apply(channel) != null) {
            return Codes.BAD_REQUEST;
        }
        return config.namespaceOf(channel) == null ? Codes.UNKNOWN_CHANNEL : 0;
    }

    private static boolean error(WebSocket ws, long id, int code) {
        ws.sendText("{\"id\":" + id + ",\"error\":{\"code\":" + code + ",\"message\":\"" + Codes.message(code) + "\"}}");
        return true;
    }

    /** A connect that failed: the error, and the rest of the frame is dropped (the SDK then closes or reconnects). */
    private static boolean connectError(WebSocket ws, long id, int code) {
        error(ws, id, code);
        return false;
    }

    private static boolean badRequest(WebSocket ws, String why) {
        LOG.log(Level.DEBUG, () -> "centrifugo: " + ws + " closed with 3501: " + why);
        ws.close(Codes.CLOSE_BAD_REQUEST, "bad request");
        return false;
    }

    /** A UUID for the connection: this process's random half and the connection's id. */
    String clientId(WebSocket ws) {
        long low = (ws.id() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(clientIdHigh, low).toString();
    }

    // ================================================================ the sweeper (its own thread)

    /** Pings every connected client, and checks their pongs a pong timeout later. */
    private void pingAll() {
        try {
            topics.forEachSubscriber(SESSIONS, ws -> {
                if (ws.attachment() instanceof ClientSession s && s.connected()) {
                    s.set(ClientSession.PONG_DUE, true);
                    ws.sendText(PING.duplicate());
                }
            });
            sweeper.schedule(this::checkPongs, config.pongTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            // closed meanwhile
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "centrifugo: the ping round failed", e); // the next one runs all the same
        }
    }

    /** Closes the connections that never connected (3502) and those whose token expired without a refresh (3005). */
    private void closeStaleAndExpired() {
        try {
            long now = System.currentTimeMillis();
            topics.forEachSubscriber(SESSIONS, ws -> {
                if (ws.attachment() instanceof ClientSession s) {
                    for (String channel : s.takeExpired(now)) {
                        // not refreshed in time: 2501, and the SDK subscribes again (with a new token)
                        if (!topics.unsubscribe(topic(channel), ws)) {
                            continue; // unsubscribed meanwhile
                        }
                        leave(ws, s, channel);
                        StringBuilder push = new StringBuilder(96).append("{\"push\":{\"channel\":");
                        Json.quote(channel, push);
                        ws.sendText(push.append(",\"unsubscribe\":{\"code\":2501,\"reason\":\"subscription expired\"}}}"));
                    }
                }
                if (ws.attachment() instanceof ClientSession s && now > s.deadline) {
                    if (s.connected()) {
                        ws.close(Codes.CLOSE_CONNECTION_EXPIRED, "connection expired");
                    } else {
                        ws.close(Codes.CLOSE_STALE, "stale");
                    }
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "centrifugo: the stale and expiry round failed", e);
        }
    }

    private void checkPongs() {
        topics.forEachSubscriber(SESSIONS, ws -> {
            if (ws.attachment() instanceof ClientSession s && s.connected() && s.pongDue()) {
                noPongCloses.increment();
                ws.close(Codes.CLOSE_NO_PONG, "no pong");
            }
        });
    }

    /** Says "shutdown" (3001: the SDK reconnects) to every Centrifugo connection, and stops the sweeper. */
    @Override
    public void close() {
        sweeper.shutdownNow();
        topics.forEachSubscriber(SESSIONS, ws -> ws.close(Codes.CLOSE_SHUTDOWN, "shutdown"));
    }
}
