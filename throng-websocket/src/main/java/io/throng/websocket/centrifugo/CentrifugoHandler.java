package io.throng.websocket.centrifugo;

import io.throng.websocket.PublishResult;
import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocket;
import io.throng.websocket.WebSocketHandler;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.bus.SharedHistory;
import io.throng.websocket.history.Streams;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>This class is the WebSocket handler: it reads the commands, connects, refreshes and publishes,
 * and hands the rest to one object each: {@link Subscriptions} (subscribe, unsubscribe,
 * sub_refresh, recovery), {@link HistoryReads}, {@link Presence} (with join/leave and ClientInfo),
 * {@link Publications} (framing and delivery), and the {@link Sweeper} (pings, stale and expired
 * connections), over {@link ChannelAccess} (who may use which channel) and {@link ChannelHistory}
 * (where history is kept).
 *
 * <p>A channel's Centrifugo subscribers are the registry topic {@code #<channel>} (no push channel
 * has a '#'), so that one publish reaches them in one shared frame of their own envelope, and the
 * raw {@code /sub/<channel>} subscribers in theirs. Every Centrifugo connection is also in the
 * topic {@value #SESSIONS}, which the sweeper walks. Callbacks run in the connection's serial
 * context; the sweeper on its own thread.
 */
public final class CentrifugoHandler implements WebSocketHandler, AutoCloseable {
    /** The registry topic every Centrifugo connection is in (not a channel name: no '!' there). */
    public static final String SESSIONS = "!centrifugo";
    /** Registry topics of Centrifugo subscribers start with this (no push channel has it). */
    public static final char TOPIC_PREFIX = '#';
    /** What the connect reply calls the server version. */
    static final String VERSION = "throng-0.1";

    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");
    private static final List<String> METHODS = List.of("connect", "subscribe", "unsubscribe", "publish", "presence",
            "presence_stats", "history", "rpc", "refresh", "sub_refresh");

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final Bus bus;
    private final ChannelAccess access;
    private final ConnectionTokens tokens;
    private final ClientIds ids = new ClientIds();
    private final ChannelHistory history;
    private final Publications publications;
    private final Presence presence;
    private final WorkerQuestions workers;
    private final HistoryReads historyReads;
    private final Subscriptions subscriptions;
    private final Sweeper sweeper;
    private final long startedMillis = System.currentTimeMillis();
    private final LongAdder connected = new LongAdder();
    private final ConnectAdmission admission;
    private final LongAdder refusedTokens = new LongAdder();
    private final LongAdder clientPublishes = new LongAdder();

    /**
     * @param channelProblem why a channel name cannot be used here (not a push channel, or not one
     *                       the bus carries), or null
     */
    public CentrifugoHandler(CentrifugoConfig config, TopicRegistry topics, Bus bus, Function<String, String> channelProblem) {
        this.config = config;
        this.topics = topics;
        this.bus = bus;
        this.access = new ChannelAccess(config, topics, channelProblem);
        this.tokens = config.keys().isEmpty() ? null : new ConnectionTokens(config.keys(), config.maxTokenBytes());
        TokenKeys subKeys = config.keys().forSubscriptions();
        ConnectionTokens subscriptionTokens = subKeys == config.keys() ? tokens
                : subKeys.isEmpty() ? null : new ConnectionTokens(subKeys, config.maxTokenBytes());
        this.history = new ChannelHistory(config, bus);
        this.publications = new Publications(config, topics, history);
        io.throng.websocket.bus.Gathering gathering = bus.gathering();
        // the handler under construction is only kept here; the bus asks it once answerWith below has run
        this.workers = gathering == null ? null : new WorkerQuestions(this, gathering, ids.node().toString());
        this.presence = new Presence(config, topics, access, ids, workers);
        this.historyReads = new HistoryReads(config, access, history);
        this.subscriptions = new Subscriptions(config, topics, bus, access, history, presence, ids, subscriptionTokens,
                refusedTokens);
        this.admission = new ConnectAdmission(config.maxPendingConnects(), config.staleCloseDelay().toNanos(), System.nanoTime());
        this.sweeper = new Sweeper(config, topics, subscriptions, history, admission);
        if (gathering != null) {
            gathering.answerWith(workers); // last: the bus's reader may call it from now on
        }
    }

    /** The other prefork workers or bus nodes, asked through the bus; null when this process is alone on its bus. */
    WorkerQuestions workers() {
        return workers;
    }

    /** A join or leave another worker or node pushed, for this process's audience of the channel (the bus's reader). */
    void announceHere(String channel, String frame) {
        presence.announceHere(channel, frame);
    }

    /**
     * Whether an upgrade to this protocol may be taken now: not while as many connections wait for
     * their connect as this process connects in a quarter of the stale delay, nor {@link
     * CentrifugoConfig#maxPendingConnects} ({@link ConnectAdmission}; a refusal is counted). Any thread.
     */
    public boolean admitUpgrade() {
        return admission.admit(System.nanoTime());
    }

    /** Upgrades refused since start because too many connections waited for their connect. */
    public long refusedUpgrades() {
        return admission.refused();
    }

    /** Connections open and not yet connected, now. */
    public int pendingConnects() {
        return admission.pending();
    }

    /** How many connections may wait for their connect now (admission's limit from this process's rate). */
    public int pendingLimit() {
        return admission.limit();
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
        return sweeper.noPongCloses();
    }

    /** Subscribes that asked to recover and got every publication they missed, since start. */
    public long recoveries() {
        return subscriptions.recoveries();
    }

    /** Subscribes that asked to recover and could not be (another epoch, too far behind, trimmed), since start. */
    public long failedRecoveries() {
        return subscriptions.failedRecoveries();
    }

    /** Channels with a history in this process now (0 without history). */
    public int historyChannels() {
        return history.channels();
    }

    /** The figures now ({@link CentrifugoStats}). Any thread. */
    public CentrifugoStats stats() {
        return new CentrifugoStats(topics.subscribers(SESSIONS), pendingConnects(), connects(), refusedUpgrades(),
                refusedTokens(), clientPublishes(), noPongCloses(), recoveries(), failedRecoveries());
    }

    /** The figures as JSON, for the push service's /stats: sessions open now, and totals since start. */
    public String statsJson() {
        CentrifugoStats s = stats();
        return "{\"sessions\":" + s.sessions() + ",\"connects\":" + s.connects() + ",\"refusedTokens\":"
                + s.refusedTokens() + ",\"clientPublishes\":" + s.clientPublishes() + ",\"noPongCloses\":" + s.noPongCloses()
                + ",\"pendingConnects\":" + s.pendingConnects() + ",\"refusedUpgrades\":" + s.refusedUpgrades()
                + ",\"recoveries\":" + s.recoveries() + ",\"failedRecoveries\":" + s.failedRecoveries() + "}";
    }

    /** The registry topic of {@code channel}'s Centrifugo subscribers. */
    public static String topic(String channel) {
        return TOPIC_PREFIX + channel;
    }

    /**
     * Fans a publication to {@code channel} out to its Centrifugo subscribers, stored first where
     * this process keeps the channel's history ({@link Publications#deliver}). Called where the bus
     * delivers (its reader thread, or the publisher's on the in-process bus).
     */
    public PublishResult deliver(String channel, ByteBuffer payload) {
        return publications.deliver(channel, payload);
    }

    /** Fans out a publication the bus's shared history stored at {@code offset} of {@code epoch} ({@link Publications#deliverAt}). */
    public PublishResult deliverAt(String channel, ByteBuffer payload, long offset, String epoch) {
        return publications.deliverAt(channel, payload, offset, epoch);
    }

    /** Whether a subscribe to {@code channel} waits for the shared history: the node needs the channel. Any thread. */
    public boolean subscribing(String channel) {
        return subscriptions.subscribing(channel);
    }

    /** The server API's history ({@link HistoryReads#api}). Any thread. */
    Reply apiHistory(Map<?, ?> req) {
        return historyReads.api(req);
    }

    /** 0 if the server API may read {@code channel}'s presence here, else its error code (no presence is read). Any thread. */
    int apiPresenceCode(String channel) {
        return access.apiReaderCode(channel, ns -> ns.presence().presence());
    }

    /** The server API's presence and presence_stats ({@link Presence#api}). Any thread. */
    Reply apiPresence(Map<?, ?> req, boolean stats) {
        return presence.api(req, stats);
    }

    /**
     * The server API's disconnect: closes the connections of {@code user} (only the one whose client
     * id is {@code client}, if not null; none whose id is in {@code keep}) with {@code code} and
     * {@code reason}. This process's connections only. Returns how many it closed. Any thread.
     */
    int disconnect(String user, String client, Set<String> keep, int code, String reason) {
        int[] closed = {0};
        topics.forEachSubscriber(SESSIONS, ws -> {
            if (ws.attachment() instanceof ClientSession s && s.connected() && user.equals(s.user)) {
                String id = ids.of(ws);
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
        Set<String> users = new HashSet<>();
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
        b.append("{\"nodes\":[{\"uid\":\"").append(ids.node()).append("\",\"name\":\"throng\",\"version\":\"")
                .append(VERSION).append("\",\"num_clients\":").append(topics.subscribers(SESSIONS))
                .append(",\"num_users\":").append(users.size()).append(",\"num_channels\":").append(channels)
                .append(",\"num_subs\":").append(subs).append(",\"uptime\":")
                .append((System.currentTimeMillis() - startedMillis) / 1000).append("}]}");
        return b.toString();
    }

    /** The channel problem function this handler was made with: why a name cannot be a channel here, or null. */
    String channelProblem(String channel) {
        return access.problem(channel);
    }

    // ================================================================ callbacks (serial context)

    @Override
    public void onOpen(WebSocket ws) {
        ws.attach(new ClientSession(System.currentTimeMillis() + config.staleCloseDelay().toMillis()));
        admission.opened();
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
            if (!s.connected()) {
                admission.closedWaiting();
            }
            presence.leaveAll(ws, s);
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
            case "subscribe" -> subscriptions.subscribe(ws, s, id, request);
            case "unsubscribe" -> subscriptions.unsubscribe(ws, s, id, request);
            case "publish" -> publish(ws, s, id, request);
            case "refresh" -> refresh(ws, s, id, request);
            case "history" -> historyReads.command(ws, id, request);
            case "sub_refresh" -> subscriptions.refresh(ws, s, id, request);
            case "presence" -> presence.command(ws, id, request, false);
            case "presence_stats" -> presence.command(ws, id, request, true);
            case "rpc" -> Reply.sendError(ws, id, Codes.METHOD_NOT_FOUND);
            default -> Reply.sendError(ws, id, Codes.NOT_AVAILABLE);
        };
    }

    private boolean pong(WebSocket ws, ClientSession s) {
        if (!s.ponged()) {
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
            if (access.problem(ch) != null) {
                LOG.log(Level.INFO, () -> "centrifugo: " + ws + " refused: its token lists channel '" + ch + "': "
                        + access.problem(ch));
                return connectError(ws, id, Codes.UNKNOWN_CHANNEL);
            }
        }
        if (channels.size() > config.channelLimit()) {
            return connectError(ws, id, Codes.LIMIT_EXCEEDED);
        }
        StringBuilder reply = new StringBuilder(160);
        reply.append("{\"id\":").append(id).append(",\"connect\":{\"client\":\"").append(ids.of(ws))
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
            admission.connected();
            for (String ch : channels) {
                topics.subscribe(topic(ch), ws);
            }
            connected.increment(); // before the reply: whoever reads it sees the count
            ws.sendText(reply);
        }
        return true;
    }

    private boolean publish(WebSocket ws, ClientSession s, long id, Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.code(channel);
        if (code != 0) {
            return Reply.sendError(ws, id, code);
        }
        if (!config.namespaceOf(channel).allowPublish() || (s.user.isEmpty() && !config.allowAnonymous()) || channel.charAt(0) == '$') {
            return Reply.sendError(ws, id, Codes.PERMISSION_DENIED); // private channels are published to by the server only
        }
        Object data = req.get("data");
        if (data == null) {
            return Reply.sendError(ws, id, Codes.BAD_REQUEST);
        }
        // Fanned out here, on the connection's thread, when the bus is this process (docs/centrifugo.md: not yet moved off the loop).
        StringBuilder info = new StringBuilder(96);
        presence.clientInfo(ws, s, channel, info);
        PublishOutcome outcome = Publications.publishAs(bus, channel,
                ByteBuffer.wrap(Json.write(data).getBytes(StandardCharsets.UTF_8)), info.toString());
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

    /** A connect that failed: the error, and the rest of the frame is dropped (the SDK then closes or reconnects). */
    private static boolean connectError(WebSocket ws, long id, int code) {
        Reply.sendError(ws, id, code);
        return false;
    }

    private static boolean badRequest(WebSocket ws, String why) {
        LOG.log(Level.DEBUG, () -> "centrifugo: " + ws + " closed with 3501: " + why);
        ws.close(Codes.CLOSE_BAD_REQUEST, "bad request");
        return false;
    }

    /** Says "shutdown" (3001: the SDK reconnects) to every Centrifugo connection, and stops the sweeper. */
    @Override
    public void close() {
        sweeper.close();
        topics.forEachSubscriber(SESSIONS, ws -> ws.close(Codes.CLOSE_SHUTDOWN, "shutdown"));
    }
}
