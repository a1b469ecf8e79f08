package io.throng.websocket.centrifugo;

import io.throng.websocket.HttpRequest;
import io.throng.websocket.HttpResponse;
import io.throng.websocket.RequestDecision;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.codec.Utf8;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Centrifugo's server HTTP API on the push port (docs/centrifugo.md, *Server HTTP API*): {@code
 * POST /api/<method>} with the request object as JSON, for Centrifugo's API clients. Methods:
 * publish, broadcast, history, presence and presence_stats (108 where presence is off), disconnect and
 * info. Answers as Centrifugo's default error mode does: HTTP 200 with {@code {"result":{..}}} or
 * {@code {"error":{"code":N,"message":".."}}}; the HTTP status speaks only for what is not a
 * call: 401 without the key, 404 for an unknown method, 400 for a body that is not a JSON object,
 * 405 for another HTTP method, 413 over the body limit.
 *
 * <p>Under prefork, presence, presence_stats and disconnect are asked of every worker through the
 * hub ({@link WorkerQuestions}); with Redis or NATS they see this node only.
 *
 * <p>Closed by default: without an {@link ApiKey} every {@code /api} path answers 404 saying how to
 * set one. With one it also guards {@code POST /pub} ({@link #authorized}).
 *
 * <p>Threads: {@link #decide} runs on the event loop that read the request head; the call itself
 * runs on the publishing executor (a virtual thread each), where a publish may wait for the
 * broker's acknowledgement, or, without one (the in-memory fuzz tests), where the body was read.
 */
public final class CentrifugoApi {
    /** Where the API is served. */
    public static final String PREFIX = "/api/";

    private static final System.Logger LOG = System.getLogger("io.throng.websocket.centrifugo");
    private static final List<String> METHODS = List.of("publish", "broadcast", "history", "presence", "presence_stats",
            "disconnect", "info");
    /** Centrifugo's API default for disconnect: final for the SDK, which then does not reconnect. */
    static final int FORCE_DISCONNECT = 3503;

    private final CentrifugoHandler handler;
    private final Bus bus;
    private final ApiKey key;
    private final int maxBody;
    private final Executor executor;
    /** Presence and disconnect over every prefork worker, when the bus can ask them (null: this process only). */
    private final WorkerQuestions workers;

    /**
     * @param maxBody  the largest request body (the push service's largest message; JSON around it
     *                 is counted too)
     * @param executor where calls run (null: where the body was read)
     */
    public CentrifugoApi(CentrifugoHandler handler, Bus bus, int maxBody, Executor executor) {
        this.handler = handler;
        this.bus = bus;
        this.key = handler.config().apiKey();
        this.maxBody = maxBody;
        this.executor = executor;
        this.workers = handler.workers();
    }

    /** Whether {@code path} is the API's ({@code /api} or under {@code /api/}). */
    public static boolean isApiPath(String path) {
        return path.equals("/api") || path.startsWith(PREFIX);
    }

    /**
     * Whether {@code request} may publish: always without a key; with one, only if it presents it
     * ({@code X-API-Key}, or {@code Authorization: apikey}).
     */
    public boolean authorized(HttpRequest request) {
        return !key.isSet() || key.matches(ApiKey.presented(request.header("X-API-Key"), request.header("Authorization")));
    }

    /** Is set: {@code POST /pub} answers 401 without it. */
    public boolean guardsPublish() {
        return key.isSet();
    }

    /** 401, and a line in the log that says why, never what was presented. */
    public static HttpResponse unauthorized(HttpRequest request) {
        boolean none = request.header("X-API-Key") == null && request.header("Authorization") == null;
        LOG.log(Level.DEBUG, () -> "centrifugo api: 401 for " + request.method() + " " + request.path() + " from "
                + request.remoteAddress() + (none ? ": no key" : ": a wrong key"));
        return HttpResponse.text(401, "unauthorized: send the API key as X-API-Key: <key> or Authorization: apikey <key>")
                .withHeader("WWW-Authenticate", "apikey");
    }

    /** What to do with a request to an API path. Runs on the event loop: nothing here waits. */
    public RequestDecision decide(HttpRequest request) {
        if (!key.isSet()) {
            return RequestDecision.respond(HttpResponse.text(404, "the Centrifugo server API is off: it needs an API key"
                    + " (throng push --centrifugo-api-key-file <file> or --centrifugo-api-key-env <variable>;"
                    + " in the YAML centrifugo.api-key-file or api-key-env)"));
        }
        if (!authorized(request)) {
            return RequestDecision.respond(unauthorized(request));
        }
        if (!request.method().equals("POST")) {
            return RequestDecision.respond(HttpResponse.text(405, "the server API takes POST").withHeader("Allow", "POST"));
        }
        String method = request.path().length() > PREFIX.length() ? request.path().substring(PREFIX.length()) : "";
        if (!METHODS.contains(method)) {
            return RequestDecision.respond(HttpResponse.text(404, "no API method " + (method.isEmpty() ? "given" : method)
                    + ": POST /api/<method>, one of " + String.join(", ", METHODS)
                    + " (the {\"method\":..,\"params\":..} form on /api is not served)"));
        }
        return new RequestDecision.ReadBody(maxBody + 64 * 1024, body -> call(method, body), executor);
    }

    private HttpResponse call(String method, ByteBuffer body) {
        if (!Utf8.isValid(body)) {
            return HttpResponse.text(400, "the body is not UTF-8 JSON");
        }
        Object parsed;
        try {
            String text = StandardCharsets.UTF_8.decode(body).toString();
            parsed = text.isBlank() ? Map.of() : Json.parse(text);
        } catch (Json.JsonException e) {
            return HttpResponse.text(400, "the body is not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> req)) {
            return HttpResponse.text(400, "the body is not a JSON object");
        }
        Reply reply = switch (method) {
            case "publish" -> publish(req);
            case "broadcast" -> broadcast(req);
            case "history" -> handler.apiHistory(req);
            case "disconnect" -> disconnect(req);
            case "info" -> new Reply(0, handler.infoJson());
            case "presence" -> workers != null ? workers.presence(req, false) : handler.apiPresence(req, false);
            case "presence_stats" -> workers != null ? workers.presence(req, true) : handler.apiPresence(req, true);
            default -> Reply.error(Codes.METHOD_NOT_FOUND);
        };
        return HttpResponse.of(200, "application/json", (json(reply) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String json(Reply r) {
        return r.code() == 0 ? "{\"result\":" + r.resultJson() + "}" : errorJson(r.code(), r.resultJson());
    }

    private static String errorJson(int code, String detail) {
        StringBuilder b = new StringBuilder(64).append("{\"error\":{\"code\":").append(code).append(",\"message\":");
        Json.quote(detail == null ? Codes.message(code) : Codes.message(code) + ": " + detail, b);
        return b.append("}}").toString();
    }

    /** What a publish sends: {@code b64data} decoded (it wins, as in Centrifugo), else {@code data} as JSON text; null if neither. */
    private static ByteBuffer payload(Map<?, ?> req) {
        if (req.get("b64data") instanceof String b64 && !b64.isEmpty()) {
            try {
                return ByteBuffer.wrap(Base64.getDecoder().decode(b64));
            } catch (IllegalArgumentException notBase64) {
                return null;
            }
        }
        Object data = req.get("data");
        return data == null ? null : ByteBuffer.wrap(Json.write(data).getBytes(StandardCharsets.UTF_8));
    }

    private Reply publish(Map<?, ?> req) {
        String channel = req.get("channel") instanceof String c ? c : "";
        ByteBuffer payload = payload(req);
        if (payload == null) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        return publishOne(channel, payload);
    }

    /**
     * One publish through the bus, as {@code POST /pub} does: on the executor it waits for the
     * broker's confirmation, so that a result is never a message the link then dropped. The
     * result carries the offset and epoch when the publication was stored here (in-process bus,
     * history on); through a broker they are not known when the answer goes.
     */
    private Reply publishOne(String channel, ByteBuffer payload) {
        String problem = channel.isEmpty() ? "no channel" : handler.channelProblem(channel);
        if (problem != null) {
            return new Reply(Codes.BAD_REQUEST, problem);
        }
        Publications.Position position = new Publications.Position();
        PublishOutcome outcome = Publications.publishAt(bus, channel, payload.duplicate(), position);
        if (executor != null) {
            outcome = PublishOutcome.confirmed(outcome);
        }
        if (outcome instanceof PublishOutcome.Refused r) {
            return new Reply(Codes.INTERNAL, r.reason());
        }
        if (position.offset == 0) {
            return Reply.EMPTY;
        }
        return new Reply(0, "{\"offset\":" + position.offset + ",\"epoch\":\"" + position.epoch + "\"}");
    }

    private Reply broadcast(Map<?, ?> req) {
        if (!(req.get("channels") instanceof List<?> channels) || channels.isEmpty()) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        ByteBuffer payload = payload(req);
        if (payload == null) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        StringBuilder b = new StringBuilder(32 + channels.size() * 16).append("{\"responses\":[");
        for (int i = 0; i < channels.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Reply r = publishOne(channels.get(i) instanceof String c ? c : "", payload);
            b.append(r.code() == 0 ? "{\"result\":" + r.resultJson() + "}" : errorJson(r.code(), r.resultJson()));
        }
        return new Reply(0, b.append("]}").toString());
    }

    /**
     * Closes a user's connections: {@code user} (required), {@code client} (one connection),
     * {@code whitelist} (client ids kept), {@code disconnect} {code, reason} (3503 "force
     * disconnect" by default). {@code session} is not known here and is ignored.
     */
    private Reply disconnect(Map<?, ?> req) {
        String user = req.get("user") instanceof String u ? u : "";
        if (user.isEmpty()) {
            return Reply.error(Codes.BAD_REQUEST);
        }
        String client = req.get("client") instanceof String c && !c.isEmpty() ? c : null;
        Set<String> keep = new HashSet<>();
        if (req.get("whitelist") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s) {
                    keep.add(s);
                }
            }
        }
        int code = FORCE_DISCONNECT;
        String reason = "force disconnect";
        if (req.get("disconnect") instanceof Map<?, ?> d) {
            if (d.get("code") != null) {
                Long c = d.get("code") instanceof Json.Number n ? n.integer(3000, 4999) : null;
                if (c == null) {
                    return Reply.error(Codes.BAD_REQUEST); // a close code the SDK reads: 3000-4999
                }
                code = c.intValue();
            }
            if (d.get("reason") instanceof String r && !r.isEmpty()) {
                // a close frame's reason is at most 123 bytes; the SDK reads a final code only with a reason
                if (r.getBytes(StandardCharsets.UTF_8).length > 123) {
                    return Reply.error(Codes.BAD_REQUEST);
                }
                reason = r;
            }
        }
        if (workers != null) {
            // every prefork worker's connections; a worker that did not reply in time keeps its own
            return workers.disconnect(user, client, keep, code, reason) < 0 ? Reply.error(Codes.INTERNAL)
                    : Reply.EMPTY;
        }
        handler.disconnect(user, client, keep, code, reason);
        return Reply.EMPTY;
    }
}
