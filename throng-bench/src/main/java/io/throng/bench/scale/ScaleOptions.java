package io.throng.bench.scale;

import java.util.List;
import java.util.Objects;

/**
 * A scale run, as asked for; {@link ScalePlan} turns it into process counts for this machine.
 *
 * @param connections     N: connections to open and hold
 * @param protocol        plain TCP (8-byte timestamp echoes) or WebSocket (subscribers of one channel)
 * @param workerModel     the model every prefork worker runs
 * @param transport       the workers' transport (auto, io_uring, epoll, nio)
 * @param workers         server worker processes; 0 to fit them to the descriptor limit
 * @param loadProcs       load processes; 0 to fit them to the descriptor limit
 * @param srcIps          loopback source addresses; 0 to fit them to the ephemeral port range
 * @param rate            new connections per second, over all load processes
 * @param pingInterval    seconds between one connection's pings; 0 to keep all pings near
 *                        {@link ScalePlan#PINGS_PER_SECOND} a second
 * @param holdSeconds     how long every connection is held once open
 * @param connectTimeoutSeconds a connect not done within this counts as failed
 * @param workerJvm       JVM options of each worker (see {@link LeanJvm})
 * @param loadJvm         JVM options of each load process
 * @param serverMain      main class of the {@code throng} command, which runs the prefork server
 * @param compareModels   worker models for the seed's comparison at this N (empty: no comparison)
 * @param compareWarmupSeconds ping-pong before the comparison's window
 * @param compareWindowSeconds the comparison's measured window
 * @param loadTransport   the load processes' own transport (auto, io_uring, epoll, nio): with auto they
 *                        take io_uring where the workers may too, so a run meant to measure the workers'
 *                        transport alone sets the load's
 * @param centrifugoSecretFile WebSocket: the subscribers speak Centrifugo's client protocol, with
 *                        HS256 tokens signed with the key in this file (the workers check them with
 *                        the same file: {@code push --centrifugo}); null for the raw endpoint. The
 *                        file's name travels on command lines, never the key
 */
public record ScaleOptions(int connections, Protocol protocol, String workerModel, String transport, int workers,
                           int loadProcs, int srcIps, double rate, double pingInterval, double holdSeconds,
                           double connectTimeoutSeconds, List<String> workerJvm, List<String> loadJvm,
                           String serverMain, List<String> compareModels, double compareWarmupSeconds,
                           double compareWindowSeconds, String loadTransport, String centrifugoSecretFile) {

    /** What the connections speak. */
    public enum Protocol { TCP, WS }

    /** The CLI's main class, which every scale server is started through. */
    public static final String THRONG_MAIN = "io.throng.cli.ThrongCommand";

    /** Models the comparison runs by default: every one that holds a million (platform threads cannot). */
    public static final List<String> COMPARABLE_MODELS = List.of("multi-reactor", "single-reactor", "worker-pool",
            "leader-follower", "virtual-threads");

    public ScaleOptions {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(workerModel, "workerModel");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(loadTransport, "loadTransport");
        if (connections < 1) {
            throw new IllegalArgumentException("--scale must be >= 1, got " + connections);
        }
        if (workers < 0 || loadProcs < 0 || srcIps < 0 || srcIps > 250) {
            throw new IllegalArgumentException("workers and load processes must be >= 0 (0: fit them), source addresses 0..250");
        }
        if (rate <= 0 || pingInterval < 0 || holdSeconds <= 0 || connectTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("rate, hold and connect timeout must be > 0, ping interval >= 0");
        }
        if (compareWarmupSeconds < 0 || compareWindowSeconds <= 0) {
            throw new IllegalArgumentException("comparison warm-up must be >= 0 and window > 0");
        }
        if (workerModel.equals("prefork") || compareModels.contains("prefork")) {
            throw new IllegalArgumentException("the workers are prefork's: give the model each one runs");
        }
        if (protocol == Protocol.WS && !compareModels.isEmpty()) {
            throw new IllegalArgumentException("the comparison is the seed's TCP timestamp echo: run --compare without --ws");
        }
        if (centrifugoSecretFile != null && protocol != Protocol.WS) {
            throw new IllegalArgumentException("the Centrifugo protocol is for WebSocket subscribers: add --ws");
        }
        workerJvm = List.copyOf(workerJvm);
        loadJvm = List.copyOf(loadJvm);
        compareModels = List.copyOf(compareModels);
    }

    /** A million TCP connections, held 60 s, multi-reactor workers with {@link LeanJvm}'s options. */
    public static ScaleOptions defaults() {
        return new ScaleOptions(1_000_000, Protocol.TCP, "multi-reactor", "auto", 0, 0, 0, 1_200, 0, 60, 30,
                LeanJvm.WORKER, LeanJvm.LOAD, THRONG_MAIN, List.of(), 20, 40, "auto", null);
    }

    public ScaleOptions withConnections(int n) {
        return new ScaleOptions(n, protocol, workerModel, transport, workers, loadProcs, srcIps, rate, pingInterval,
                holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withProtocol(Protocol p) {
        return new ScaleOptions(connections, p, workerModel, transport, workers, loadProcs, srcIps, rate, pingInterval,
                holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withWorkerModel(String m, String t) {
        return new ScaleOptions(connections, protocol, m, t, workers, loadProcs, srcIps, rate, pingInterval,
                holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withProcesses(int w, int l, int ips) {
        return new ScaleOptions(connections, protocol, workerModel, transport, w, l, ips, rate, pingInterval,
                holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withTiming(double r, double ping, double hold) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, r, ping,
                hold, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withJvm(List<String> worker, List<String> load) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, rate,
                pingInterval, holdSeconds, connectTimeoutSeconds, worker, load, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withConnectTimeout(double seconds) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, rate,
                pingInterval, holdSeconds, seconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withComparison(List<String> models, double warmup, double window) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, rate,
                pingInterval, holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, models, warmup, window, loadTransport, centrifugoSecretFile);
    }

    public ScaleOptions withLoadTransport(String t) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, rate,
                pingInterval, holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, t, centrifugoSecretFile);
    }

    /** WebSocket subscribers speaking Centrifugo's protocol with tokens signed with the key in {@code file} (null: the raw endpoint). */
    public ScaleOptions withCentrifugo(String file) {
        return new ScaleOptions(connections, protocol, workerModel, transport, workers, loadProcs, srcIps, rate,
                pingInterval, holdSeconds, connectTimeoutSeconds, workerJvm, loadJvm, serverMain, compareModels,
                compareWarmupSeconds, compareWindowSeconds, loadTransport, file);
    }
}
