package io.throng.websocket.centrifugo;

import io.throng.websocket.bus.Gathering;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What one prefork worker or bus node cannot do alone, asked of the others through the bus ({@link
 * Gathering}: the prefork hub, or the nodes of a Redis or NATS bus, each called a worker here): a channel's presence (and its counts) over the workers that have subscribers of it,
 * for the server API and for a client's presence command; a disconnect wherever the user is
 * connected; and a join or leave pushed to the channel's audience on the other workers. This class
 * is both sides: the question and the merge of the replies on the asking worker, and the reply on
 * each worker asked.
 *
 * <p>Questions are one letter and an argument: {@code p} (the channel is the gather's channel),
 * {@code d} followed by the disconnect's JSON, and {@code j} followed by the asking worker's node
 * id, a line break and the join or leave push (the asking worker has pushed it to its own audience
 * already and skips it). A presence reply is the worker's own presence result object; a disconnect
 * reply, how many connections it closed (ASCII); an announcement's, nothing.
 *
 * <p>Threads: {@link #answer} on the worker's hub reader (short: a walk of the channel's or the
 * sessions' subscribers); the server API's side on its executor, which may wait; the client
 * command's and the announcement's on the connection's serial context, which does not wait (the
 * reply is sent from the hub reader).
 */
final class WorkerQuestions implements Gathering.Responder {
    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");
    private static final byte PRESENCE = 'p';
    private static final byte DISCONNECT = 'd';
    private static final byte ANNOUNCE = 'j';
    /** The gather's channel for a disconnect, asked of every worker: outside the push alphabet, never a real channel. */
    private static final String EVERYWHERE = "!disconnect";
    /** Longer than the hub's own limit for a worker's reply (4 s), so that the hub's partial answer comes first. */
    private static final long WAIT_SECONDS = 10;

    private final CentrifugoHandler handler;
    private final Gathering gathering;
    /** This worker's node id, which an announcement carries so that the asking worker skips its own. */
    private final String node;

    WorkerQuestions(CentrifugoHandler handler, Gathering gathering, String node) {
        this.handler = handler;
        this.gathering = gathering;
        this.node = node;
    }

    // ---------------------------------------------------------------- on the worker asked

    @Override
    public byte[] answer(String channel, byte[] question) {
        if (question.length == 0) {
            return new byte[0];
        }
        String argument = new String(question, 1, question.length - 1, StandardCharsets.UTF_8);
        return switch (question[0]) {
            case PRESENCE -> {
                Reply r = handler.apiPresence(Map.of("channel", channel), false);
                yield r.code() == 0 ? r.resultJson().getBytes(StandardCharsets.UTF_8) : new byte[0];
            }
            case DISCONNECT -> Integer.toString(disconnectHere(argument)).getBytes(StandardCharsets.US_ASCII);
            case ANNOUNCE -> {
                int nl = argument.indexOf('\n');
                if (nl > 0 && !argument.substring(0, nl).equals(node)) {
                    handler.announceHere(channel, argument.substring(nl + 1));
                }
                yield new byte[0];
            }
            default -> new byte[0]; // a newer worker's question: nothing to say
        };
    }

    private int disconnectHere(String json) {
        try {
            if (!(Json.parse(json) instanceof Map<?, ?> d)) {
                return 0;
            }
            Set<String> keep = new HashSet<>();
            if (d.get("whitelist") instanceof List<?> list) {
                for (Object o : list) {
                    if (o instanceof String s) {
                        keep.add(s);
                    }
                }
            }
            int code = d.get("code") instanceof Json.Number n && n.integer(3000, 4999) != null ? n.integer(3000, 4999).intValue()
                    : CentrifugoApi.FORCE_DISCONNECT;
            return handler.disconnect((String) d.get("user"), d.get("client") instanceof String c ? c : null, keep, code,
                    d.get("reason") instanceof String r ? r : "force disconnect");
        } catch (Json.JsonException | ClassCastException e) {
            return 0; // both ends are ours: not expected
        }
    }

    // ---------------------------------------------------------------- on the asking worker

    /**
     * The presence (or the counts) of {@code req}'s channel over every worker: this worker's checks
     * (the channel, its namespace's presence) first, then each worker's own presence, merged.
     */
    Reply presence(Map<?, ?> req, boolean stats) {
        String channel = req.get("channel") instanceof String c ? c : "";
        int code = handler.apiPresenceCode(channel);
        if (code != 0) {
            return Reply.error(code);
        }
        Gathering.Gathered g = ask(channel, Gathering.Scope.CHANNEL, new byte[] {PRESENCE});
        if (g == null) {
            return Reply.error(Codes.INTERNAL);
        }
        return merge(channel, g, stats);
    }

    /**
     * A client's presence command over every worker, its checks done: asks, and gives {@code then}
     * the merged reply on the hub's reader thread, or error 100 (internal) at once if the workers
     * cannot be asked now (the hub is away) or later if no answer came. Does not wait.
     */
    void presenceThen(String channel, boolean stats, java.util.function.Consumer<Reply> then) {
        String refused = gathering.gather(channel, Gathering.Scope.CHANNEL, new byte[] {PRESENCE},
                g -> then.accept(g.failed() ? Reply.error(Codes.INTERNAL) : merge(channel, g, stats)));
        if (refused != null) {
            LOG.log(Level.INFO, () -> "centrifugo: cannot ask the other workers for a presence: " + refused);
            then.accept(Reply.error(Codes.INTERNAL));
        }
    }

    /**
     * Pushes a join or leave ({@code frame}, pushed here already) to the channel's audience on the
     * other workers with subscribers of it. Does not wait; if the hub is away they miss it.
     */
    void announce(String channel, String frame) {
        byte[] q = ((char) ANNOUNCE + node + "\n" + frame).getBytes(StandardCharsets.UTF_8);
        String refused = gathering.gather(channel, Gathering.Scope.CHANNEL, q, g -> { });
        if (refused != null) {
            LOG.log(Level.DEBUG, () -> "centrifugo: a " + channel + " join or leave stays on this worker: " + refused);
        }
    }

    /** The workers' presence replies as one: clients by id (a client is on one worker only), or their counts. */
    private static Reply merge(String channel, Gathering.Gathered g, boolean stats) {
        Map<String, Object> clients = new LinkedHashMap<>();
        for (byte[] reply : g.replies()) {
            try {
                if (reply.length > 0 && Json.parse(new String(reply, StandardCharsets.UTF_8)) instanceof Map<?, ?> m
                        && m.get("presence") instanceof Map<?, ?> p) {
                    p.forEach((client, info) -> clients.put((String) client, info));
                }
            } catch (Json.JsonException e) {
                LOG.log(Level.WARNING, "centrifugo: a worker's presence reply is not JSON: " + e.getMessage());
            }
        }
        if (g.missing() > 0) {
            LOG.log(Level.INFO, () -> "centrifugo: presence of " + channel + " without " + g.missing()
                    + " worker(s) that did not reply");
        }
        if (stats) {
            Set<Object> users = new HashSet<>();
            for (Object info : clients.values()) {
                users.add(info instanceof Map<?, ?> m ? m.get("user") : null);
            }
            return new Reply(0, "{\"num_clients\":" + clients.size() + ",\"num_users\":" + users.size() + "}");
        }
        StringBuilder b = new StringBuilder(32 + clients.size() * 96).append("{\"presence\":");
        Json.write(clients, b);
        return new Reply(0, b.append('}').toString());
    }

    /** Disconnects {@code user}'s connections on every worker; how many were closed, or -1 if the question could not be asked. */
    int disconnect(String user, String client, Set<String> keep, int code, String reason) {
        StringBuilder q = new StringBuilder(64).append((char) DISCONNECT).append("{\"user\":");
        Json.quote(user, q);
        if (client != null) {
            q.append(",\"client\":");
            Json.quote(client, q);
        }
        q.append(",\"whitelist\":");
        Json.write(List.copyOf(keep), q);
        q.append(",\"code\":").append(code).append(",\"reason\":");
        Json.quote(reason, q);
        q.append('}');
        Gathering.Gathered g = ask(EVERYWHERE, Gathering.Scope.ALL, q.toString().getBytes(StandardCharsets.UTF_8));
        if (g == null) {
            return -1;
        }
        int closed = 0;
        for (byte[] reply : g.replies()) {
            try {
                closed += Integer.parseInt(new String(reply, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                // an empty reply: a worker without the Centrifugo protocol
            }
        }
        return closed;
    }

    /** Asks and waits (the API's executor); null if it cannot be asked or no answer came. */
    private Gathering.Gathered ask(String channel, Gathering.Scope scope, byte[] question) {
        CompletableFuture<Gathering.Gathered> done = new CompletableFuture<>();
        String refused = gathering.gather(channel, scope, question, done::complete);
        if (refused != null) {
            LOG.log(Level.INFO, () -> "centrifugo: cannot ask the other workers: " + refused);
            return null;
        }
        try {
            Gathering.Gathered g = done.get(WAIT_SECONDS, TimeUnit.SECONDS);
            return g.failed() ? null : g;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return null;
        }
    }
}
