package io.throng.bench;

import java.util.List;
import java.util.Map;

/** What a benchmark produces, as records that serialise to JSON as they stand. */
public final class Results {
    private Results() {
    }

    /**
     * One ping-pong cell: one server, one connection count, one round.
     *
     * @param cpuSecondsPerMillion server CPU (user + system) per million requests, over the window
     * @param loadCpuSecondsPerMillion the load process's CPU per million requests, over the window
     * @param rssPerConnection     server RSS growth per connection, once all were established
     * @param heapPerConnection    server live-heap growth per connection (after a full GC)
     */
    public record Cell(String target, int connections, int round, String unavailable, double requestsPerSecond,
                       double p50Micros, double p90Micros, double p99Micros, double p999Micros, double maxMicros,
                       double cpuSecondsPerMillion, double loadCpuSecondsPerMillion, double rssPerConnection,
                       double heapPerConnection, double connectSeconds, long established, long connectFailures, long mismatches,
                       long disconnects) {
    }

    /** One connection-rate cell. */
    public record RateCell(String target, int round, String unavailable, double connectionsPerSecond,
                           double p99Micros, long connectFailures, long mismatches) {
    }

    /** Median and spread over the rounds of one server at one connection count. */
    public record Summary(String target, String label, int connections, int rounds, double requestsPerSecond,
                          double minRequestsPerSecond, double maxRequestsPerSecond, double spread,
                          double p50Micros, double p99Micros, double p999Micros, double cpuSecondsPerMillion,
                          double loadCpuSecondsPerMillion, double rssPerConnection, double heapPerConnection, long mismatches, long connectFailures) {
    }

    /** Median over the rounds of one server's connection rate. */
    public record RateSummary(String target, String label, int rounds, double connectionsPerSecond, double spread,
                              double p99Micros) {
    }

    /** The machine a report was made on. */
    public record Machine(int cores, String cpu, long memoryBytes, String kernel, String jdk, String os) {
    }

    /** A whole report. */
    public record Report(String command, String started, double durationSeconds, Machine machine, BenchOptions options,
                         List<Cell> cells, List<RateCell> rates, List<Summary> summary, List<RateSummary> rateSummary,
                         Map<String, String> unavailable) {
    }
}
