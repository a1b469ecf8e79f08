package io.throng.bench;

import java.util.List;
import java.util.Objects;

/**
 * A benchmark run.
 *
 * @param targets          servers to measure, in the order each round starts from
 * @param connections      connection counts for the ping-pong cells
 * @param repeat           rounds; each round runs every cell once, in a rotated order
 * @param warmupSeconds    load before each window
 * @param windowSeconds    each measured window
 * @param pipeline         pings in flight per connection (1: the seed's closed loop)
 * @param connrate         also measure connections per second
 * @param connrateConcurrency short connections in progress at once
 * @param serverJvm        JVM options of every server process (the same for all, peers included)
 * @param quick            the small run (for the README's first try)
 * @param loadTransport    the load's own engine transport (auto, io_uring, epoll, nio): auto
 *                         follows the engine's choice, so runs from before auto took io_uring used epoll
 */
public record BenchOptions(List<Target> targets, List<Integer> connections, int repeat, double warmupSeconds,
                           double windowSeconds, int pipeline, boolean connrate, int connrateConcurrency,
                           List<String> serverJvm, boolean quick, String loadTransport) {

    /** The same for every server: compact headers, a 2 GiB heap ceiling, native access for FFM. */
    public static final List<String> SERVER_JVM = List.of("-XX:+UseCompactObjectHeaders", "-Xmx2g",
            "--enable-native-access=ALL-UNNAMED");

    public BenchOptions {
        Objects.requireNonNull(targets);
        Objects.requireNonNull(connections);
        if (targets.isEmpty() || connections.isEmpty()) {
            throw new IllegalArgumentException("a benchmark needs at least one target and one connection count");
        }
        if (repeat < 1 || windowSeconds <= 0 || warmupSeconds < 0 || pipeline < 1 || connrateConcurrency < 1) {
            throw new IllegalArgumentException("repeat, window, pipeline and concurrency must be positive");
        }
        targets = List.copyOf(targets);
        connections = List.copyOf(connections);
        serverJvm = List.copyOf(serverJvm);
        loadTransport = io.throng.core.config.TransportKind.parse(loadTransport == null ? "auto" : loadTransport).id();
    }

    /** The full run: 100, 1,000 and 10,000 connections, three rounds. */
    public static BenchOptions full(List<String> transports) {
        return new BenchOptions(Target.standard(transports, false), List.of(100, 1_000, 10_000), 3, 3, 10, 1, true, 32,
                SERVER_JVM, false, "auto");
    }

    /** Under three minutes: 100 and 1,000 connections, one round, short windows. */
    public static BenchOptions quick(List<String> transports) {
        return new BenchOptions(Target.standard(transports, true), List.of(100, 1_000), 1, 1, 1.5, 1, true, 32, SERVER_JVM, true,
                "auto");
    }

    /**
     * The servers whose connection rate is measured: all of them, except in the quick run, which
     * measures throng's default model on each transport and the Netty epoll peer (a cell costs a
     * server start, and the quick run has to stay under three minutes on 2 cores).
     */
    public List<Target> rateTargets() {
        if (!quick) {
            return targets;
        }
        List<Target> some = targets.stream().filter(t -> t.id().startsWith("throng/multi-reactor/")
                || t.id().equals("netty/epoll")).toList();
        return some.isEmpty() ? targets : some;
    }
}
