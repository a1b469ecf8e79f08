package io.throng.metrics;

import com.fasterxml.jackson.databind.util.RawValue;
import io.throng.websocket.HttpRequest;
import io.throng.websocket.HttpResponse;
import io.throng.websocket.RequestDecision;
import io.throng.websocket.RequestHook;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the admin port answers, path by path: {@code /metrics} (Prometheus), and tRPC-Go's admin
 * commands with their JSON shape ({@code errorcode}, {@code message} and the command's fields):
 * {@code /cmds}, {@code /version}, {@code /cmds/loglevel}, {@code /cmds/config}. A wrong method
 * is 405 with Allow, an unknown path 404, bad input 400; errors carry tRPC's {@code errorcode} 1
 * as well as the HTTP status. Runs on the admin connection's own (virtual) thread, where a
 * scrape may take its few milliseconds.
 */
final class AdminRoutes implements RequestHook {
    static final List<String> COMMANDS = List.of("/cmds", "/version", "/cmds/loglevel", "/cmds/config", "/metrics", "/dump");
    /** Connections described per loop or thread group in /dump unless ?first= says otherwise; the rest are counted. */
    static final int DUMP_FIRST = 20;
    /** The most ?first= may ask for: 1,000 lines a loop stays a readable page, and costs a loop ~1 ms. */
    static final int DUMP_FIRST_MAX = 1000;
    /** A PUT /cmds/loglevel body is "value=debug&logger=io.throng.websocket": 1 KiB is plenty; more is 413. */
    static final int MAX_BODY_BYTES = 1024;
    private static final String JSON = "application/json; charset=utf-8";

    private final ThrongMetrics metrics;
    private final Supplier<String> configJson;
    private final java.util.function.IntFunction<String> dump;

    /**
     * @param configJson the effective configuration as a JSON object (see {@link ConfigJson})
     * @param dump       the live view for /dump, given how many connections to describe per part
     *                   (e.g. {@code n -> server.dump(n).toText()}); null when there is none
     */
    AdminRoutes(ThrongMetrics metrics, Supplier<String> configJson, java.util.function.IntFunction<String> dump) {
        this.metrics = metrics;
        this.configJson = configJson;
        this.dump = dump;
    }

    @Override
    public RequestDecision onRequest(HttpRequest request) {
        String path = request.path();
        String method = request.method();
        if (request.isUpgrade()) {
            return respond(error(404, "no WebSocket here: the admin port speaks plain HTTP"));
        }
        return switch (path) {
            case "/" -> get(method) ? respond(StatusPage.response()) : notAllowed(method, "GET");
            case "/stats.json" -> get(method)
                    ? respond(StatusJson.response(metrics, request.queryParameter("after"))) : notAllowed(method, "GET");
            case "/metrics" -> get(method) ? respond(scrape(request.header("accept"))) : notAllowed(method, "GET");
            case "/cmds" -> get(method) ? respond(ok(Map.of("cmds", COMMANDS))) : notAllowed(method, "GET");
            case "/version" -> get(method) ? respond(ok(Map.of("version", ThrongVersion.get()))) : notAllowed(method, "GET");
            case "/cmds/config" -> get(method) ? respond(config()) : notAllowed(method, "GET");
            case "/dump" -> get(method) ? respond(dump(request.queryParameter("first"))) : notAllowed(method, "GET");
            case "/cmds/loglevel" -> switch (method) {
                case "GET" -> respond(readLevel(request.queryParameter("logger")));
                case "PUT" -> {
                    String logger = request.queryParameter("logger");
                    String value = request.queryParameter("value");
                    yield new RequestDecision.ReadBody(MAX_BODY_BYTES, body -> setLevel(logger, value, body));
                }
                default -> notAllowed(method, "GET, PUT");
            };
            default -> respond(error(404, "no command at " + path + "; GET /cmds lists them"));
        };
    }

    /** The live view as text; {@code first}: connections described per part (default 20, at most 1,000). */
    private HttpResponse dump(String first) {
        if (dump == null) {
            return error(404, "no dump for this server");
        }
        int n = DUMP_FIRST;
        if (first != null) {
            try {
                n = Integer.parseInt(first);
            } catch (NumberFormatException e) {
                return error(400, "first must be a number of connections, 0 to " + DUMP_FIRST_MAX + ": " + first);
            }
            if (n < 0 || n > DUMP_FIRST_MAX) {
                return error(400, "first must be 0 to " + DUMP_FIRST_MAX + ": " + first);
            }
        }
        return HttpResponse.of(200, "text/plain; charset=utf-8", dump.apply(n).getBytes(StandardCharsets.UTF_8))
                .withHeader("Cache-Control", "no-store");
    }

    private static boolean get(String method) {
        return method.equals("GET");
    }

    private static RequestDecision respond(HttpResponse r) {
        return RequestDecision.respond(r);
    }

    private static RequestDecision notAllowed(String method, String allow) {
        return respond(error(405, "method " + method + " not allowed here; use " + allow).withHeader("Allow", allow));
    }

    private HttpResponse scrape(String accept) {
        ThrongMetrics.Scrape s = metrics.scrape(accept);
        return HttpResponse.of(200, s.contentType(), s.body()).withHeader("Cache-Control", "no-store");
    }

    private HttpResponse config() {
        String content;
        try {
            content = configJson.get();
        } catch (RuntimeException e) {
            return error(500, "the configuration could not be rendered: " + e.getMessage());
        }
        return ok(Map.of("content", new RawValue(content)));
    }

    private static HttpResponse readLevel(String logger) {
        try {
            LogLevels.Read r = LogLevels.read(logger);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("logger", r.logger());
            m.put("level", r.level());
            m.put("java_level", r.javaLevel());
            return ok(m);
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
    }

    /** PUT /cmds/loglevel: {@code value} (and {@code logger}) from the form body, else from the query. */
    private static HttpResponse setLevel(String queryLogger, String queryValue, ByteBuffer body) {
        Map<String, String> form;
        try {
            form = form(body);
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
        String logger = form.getOrDefault("logger", queryLogger);
        String value = form.getOrDefault("value", queryValue);
        try {
            LogLevels.Read[] change = LogLevels.set(logger, value);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("logger", change[1].logger());
            m.put("level", change[1].level());
            m.put("prelevel", change[0].level());
            m.put("java_level", change[1].javaLevel());
            String filtered = LogLevels.filteredBy(logger);
            return ok(m, filtered == null ? "" : "set, but " + filtered);
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
    }

    /** An application/x-www-form-urlencoded body ("value=debug&logger=io.throng"), UTF-8. */
    static Map<String, String> form(ByteBuffer body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(body).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the body is not UTF-8");
        }
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : text.strip().split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            form.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return form;
    }

    private static HttpResponse ok(Map<String, ?> fields) {
        return ok(fields, "");
    }

    /** tRPC-Go's success shape: errorcode 0, the message, then the command's fields. */
    private static HttpResponse ok(Map<String, ?> fields, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("errorcode", 0);
        m.put("message", message);
        m.putAll(fields);
        return json(200, m);
    }

    /** tRPC-Go's error shape (errorcode 1, the message) under the HTTP status that says what went wrong. */
    static HttpResponse error(int status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("errorcode", 1);
        m.put("message", message);
        return json(status, m);
    }

    private static HttpResponse json(int status, Map<String, Object> m) {
        return HttpResponse.of(status, JSON, (Json.write(m) + "\n").getBytes(StandardCharsets.UTF_8))
                .withHeader("X-Content-Type-Options", "nosniff").withHeader("Cache-Control", "no-store");
    }
}
