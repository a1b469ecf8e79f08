package io.throng.websocket.centrifugo;

import io.throng.websocket.PreparedMessage;
import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocket;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Presence and join/leave: the presence and presence_stats commands and the API's, the join and
 * leave pushes, and ClientInfo, the JSON that names a subscriber in all of them (and in a client's
 * publications). Subscribers that asked for join/leave pushes are the registry topic {@value
 * #JOIN_LEAVE_PREFIX}{@code <channel>}. Under prefork and across Redis or NATS nodes ({@link
 * WorkerQuestions}, through the bus's gathering) the commands answer for every process and the
 * pushes reach every process's audience; alone, a process answers with its own subscribers. Any
 * thread: what it reads of a connection is its session's.
 */
final class Presence {
    /**
     * Registry topics of the subscribers that asked for join/leave pushes: '!' like the sessions
     * topic, so the bus takes them for no channel of its own (join/leave stay in this process).
     */
    static final String JOIN_LEAVE_PREFIX = "!jl#";

    private final CentrifugoConfig config;
    private final TopicRegistry topics;
    private final ChannelAccess access;
    private final ClientIds ids;
    /** The other prefork workers, through the hub; null: this process alone. */
    private final WorkerQuestions workers;

    Presence(CentrifugoConfig config, TopicRegistry topics, ChannelAccess access, ClientIds ids, WorkerQuestions workers) {
        this.config = config;
        this.topics = topics;
        this.access = access;
        this.ids = ids;
        this.workers = workers;
    }

    /**
     * presence and presence_stats (for the channel's subscribers, where allowed): the channel's
     * Centrifugo subscribers, by client id, or their counts; under prefork those of every worker,
     * the reply sent when the workers have answered (commands are matched to replies by id).
     */
    boolean command(WebSocket ws, long id, Map<?, ?> req, boolean stats) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.readerCode(ws, channel, ns -> ns.presence().presence(), ns -> ns.presence().allowPresence());
        if (code != 0) {
            return Reply.sendError(ws, id, code);
        }
        String method = stats ? "presence_stats" : "presence";
        if (workers != null) {
            workers.presenceThen(channel, stats, reply -> reply.sendTo(ws, id, method));
            return true;
        }
        return new Reply(0, json(channel, stats)).sendTo(ws, id, method);
    }

    /** The server API's presence and presence_stats: as the client commands, without their permission checks. */
    Reply api(Map<?, ?> req, boolean stats) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = access.apiReaderCode(channel, ns -> ns.presence().presence());
        return code != 0 ? Reply.error(code) : new Reply(0, json(channel, stats));
    }

    /** {@code {"presence":{<client>:{user,client},..}}}, or {@code {"num_clients":N,"num_users":U}}: this process's subscribers. */
    private String json(String channel, boolean stats) {
        StringBuilder b = new StringBuilder(64);
        if (stats) {
            Set<String> users = new HashSet<>();
            int[] clients = {0};
            topics.forEachSubscriber(CentrifugoHandler.topic(channel), sub -> {
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
        topics.forEachSubscriber(CentrifugoHandler.topic(channel), sub -> {
            if (sub.attachment() instanceof ClientSession cs) {
                if (!first[0]) {
                    b.append(',');
                }
                first[0] = false;
                b.append('"').append(ids.of(sub)).append("\":");
                clientInfo(sub, cs, channel, b);
            }
        });
        return b.append("}}").toString();
    }

    /**
     * After a subscribe, with join/leave on: this subscriber joins the topic of those who get the
     * pushes if it asked ({@code join_leave: true}, the SDK's {@code joinLeave}), and its join is
     * pushed to them (or to every subscriber, with force-push-join-leave).
     */
    void join(WebSocket ws, ClientSession s, String channel, Map<?, ?> req) {
        PresenceOptions p = config.namespaceOf(channel).presence();
        if (!p.joinLeave()) {
            return;
        }
        if (!p.forcePushJoinLeave() && req.get("join_leave") == Boolean.TRUE) {
            topics.subscribe(JOIN_LEAVE_PREFIX + channel, ws);
        }
        s.joined(channel);
        announce(ws, s, channel, "join");
    }

    /** An unsubscribe (or an expiry): the leave, if the join was announced. */
    void leave(WebSocket ws, ClientSession s, String channel) {
        topics.unsubscribe(JOIN_LEAVE_PREFIX + channel, ws);
        if (s.left(channel)) {
            announce(ws, s, channel, "leave");
        }
        s.chanInfo(channel, null); // after the leave, which carries it
    }

    /** The connection ends: the leaves of every channel whose join was announced. */
    void leaveAll(WebSocket ws, ClientSession s) {
        for (String channel : s.leaveAll()) {
            announce(ws, s, channel, "leave");
        }
    }

    /** Pushes {@code kind} (join or leave) of {@code ws} to the channel's join/leave audience here, then on the other workers. */
    private void announce(WebSocket ws, ClientSession s, String channel, String kind) {
        StringBuilder b = new StringBuilder(128).append("{\"push\":{\"channel\":");
        Json.quote(channel, b);
        b.append(",\"").append(kind).append("\":{\"info\":");
        clientInfo(ws, s, channel, b);
        b.append("}}}");
        String frame = b.toString();
        announceHere(channel, frame);
        if (workers != null) {
            workers.announce(channel, frame);
        }
    }

    /** Pushes a join or leave frame to the channel's join/leave audience in this process. */
    void announceHere(String channel, String frame) {
        Namespace ns = config.namespaceOf(channel);
        if (ns == null) {
            return; // a namespace this process does not have (another worker's configuration): nobody here
        }
        topics.deliver(ns.presence().forcePushJoinLeave() ? CentrifugoHandler.topic(channel) : JOIN_LEAVE_PREFIX + channel,
                PreparedMessage.text(frame));
    }

    /**
     * ClientInfo in {@code channel}: {@code {"user":"..","client":".."}}, with {@code conn_info}
     * (the connection token's info) and {@code chan_info} (the channel's subscription token's info)
     * when it has them.
     */
    void clientInfo(WebSocket ws, ClientSession s, String channel, StringBuilder b) {
        b.append("{\"user\":");
        Json.quote(s.user == null ? "" : s.user, b);
        b.append(",\"client\":\"").append(ids.of(ws)).append('"');
        s.appendInfo(channel, b);
        b.append('}');
    }
}
