package io.throng.cli.prefork;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.throng.core.ServerStats;
import io.throng.load.Json;
import io.throng.websocket.WebSocketStats;

/**
 * One status report of a prefork worker, as it printed it ({@code {"status":{...}}} on its stdout,
 * see {@code ServeCommand.StatusLine.json()} and {@code PushStatus.json()}), parsed once on the
 * supervisor's reading thread.
 *
 * @param pid           the worker process
 * @param stats         its engine's counters
 * @param push          its push service's counters, or null (a {@code throng serve} worker)
 * @param rss           its resident set in bytes, -1 where /proc could not tell
 * @param heapUsed      heap in use
 * @param heapCommitted heap the JVM holds, or -1 from a worker that did not say
 * @param heapMax       the heap's limit (-Xmx), or -1
 * @param threads       the worker JVM's live threads, or -1
 * @param receivedNanos when the supervisor read it ({@link System#nanoTime})
 * @param raw           the status object as sent, for /dump and the status line
 */
record WorkerReport(long pid, ServerStats stats, WebSocketStats push, long rss, long heapUsed, long heapCommitted,
                    long heapMax, long threads, long receivedNanos, JsonNode raw) {

    /** Throws IllegalArgumentException if {@code status} lacks the engine's counters or they do not parse. */
    static WorkerReport parse(JsonNode status, long receivedNanos) {
        JsonNode stats = status.get("stats");
        if (stats == null || !stats.isObject()) {
            throw new IllegalArgumentException("a status report without \"stats\": " + status);
        }
        try {
            ServerStats s = Json.mapper().treeToValue(stats, ServerStats.class);
            JsonNode ws = status.get("ws");
            WebSocketStats p = ws == null || ws.isNull() ? null : Json.mapper().treeToValue(ws, WebSocketStats.class);
            return new WorkerReport(status.path("pid").asLong(-1), s, p, status.path("rss").asLong(-1),
                    status.path("heap").asLong(-1), status.path("heap_committed").asLong(-1),
                    status.path("heap_max").asLong(-1), status.path("threads").asLong(-1), receivedNanos, status);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a status report that does not parse: " + e.getOriginalMessage(), e);
        }
    }
}
