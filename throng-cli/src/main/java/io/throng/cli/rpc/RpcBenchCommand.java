package io.throng.cli.rpc;

import io.throng.core.config.ClientConfig;
import io.throng.rpc.client.CallOptions;
import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.PooledClient;
import io.throng.rpc.client.RpcClient;
import io.throng.rpc.client.RpcClientOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code throng rpc bench}: QPS and latency percentiles of the multiplexed and pooled clients at
 * several caller counts (tnet's comparison), against throng's echo server and, for the
 * server-versus-server figure, tRPC-Java 1.1.0's, each in its own JVM. Every loop is bounded by
 * the durations given; nothing runs longer than servers x clients x callers x (warmup + duration).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures multiplexed versus pooled tRPC clients: QPS and latency percentiles per caller count.",
                "p50/p90/p99/p99.9 at each caller count, against throng's echo server and optionally tRPC-Java 1.1.0's, each started as a child process.",
                "A benchmark on a shared or small machine measures that machine: report it with the figures."})
public final class RpcBenchCommand implements Callable<Integer> {

    @Option(names = "--callers", split = ",", description = "concurrent callers, one call in flight each (default: 1,100,1000)")
    List<Integer> callers = List.of(1, 100, 1000);

    @Option(names = "--clients", split = ",", description = "multiplexed, pooled (default: both)")
    List<String> clients = List.of("multiplexed", "pooled");

    @Option(names = "--servers", split = ",", description = "throng, trpc-java (default: throng)")
    List<String> servers = List.of("throng");

    @Option(names = "--duration", description = "measured time per cell (default: ${DEFAULT-VALUE})")
    String duration = "5s";

    @Option(names = "--warmup", description = "unmeasured time before each cell (default: ${DEFAULT-VALUE})")
    String warmup = "2s";

    @Option(names = "--server-warmup", description = "unmeasured load on each new server before its first cell, so JIT compilation does not land in the first figures (default: ${DEFAULT-VALUE})")
    String serverWarmup = "3s";

    @Option(names = "--payload", description = "request body bytes (a protobuf StringValue, so tRPC-Java can decode it) (default: ${DEFAULT-VALUE})")
    int payload = 64;

    @Option(names = "--model", description = "throng server model (default: ${DEFAULT-VALUE})")
    String model = "multi-reactor";

    @Option(names = "--loops", description = "throng server loops (default: ${DEFAULT-VALUE})")
    int loops = 2;

    @Option(names = "--execution", description = "throng server execution: worker or inline (default: ${DEFAULT-VALUE})")
    String execution = "worker";

    @Option(names = "--client-loops", description = "client event loops (default: ${DEFAULT-VALUE})")
    int clientLoops = 2;

    @Option(names = "--max-vir-conns", description = "multiplexed: max_vir_conns_per_conn, 0 for one connection (default: ${DEFAULT-VALUE})")
    int maxVirConns = 0;

    @Option(names = "--pool-size", description = "pooled: connections per address; 0 for one per caller (default: ${DEFAULT-VALUE})")
    int poolSize = 0;

    @Option(names = "--trpc-java-peer", description = "the built peer module's target directory (default: ${DEFAULT-VALUE})")
    Path peerTarget = Path.of("throng-rpc-trpc-java-peer", "target");

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Duration d = duration(duration);
        Duration w = duration(warmup);
        if (d.isZero() || d.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--duration must be within (0, 10m], got " + duration);
        }
        long cellSeconds = (d.toMillis() + w.toMillis()) / 1000 + 1;
        long life = cellSeconds * callers.size() * clients.size() + duration(serverWarmup).toSeconds() + 120;
        byte[] body = stringValue(payload);
        out.printf("rpc bench: %s x %s x callers %s, warmup %s + %s each, payload %d B, %d cores, pid %d%n",
                servers, clients, callers, warmup, duration, payload, Runtime.getRuntime().availableProcessors(),
                ProcessHandle.current().pid());
        List<BenchCell.Result> results = new ArrayList<>();
        for (String s : servers) {
            try (ChildServer server = switch (s.toLowerCase(Locale.ROOT)) {
                case "throng" -> ChildServer.throng(model, loops, execution, life);
                case "trpc-java", "trpcjava" -> ChildServer.trpcJava(peerTarget);
                default -> throw new IllegalArgumentException("unknown server '" + s + "'; expected throng or trpc-java");
            }) {
                out.println("server: " + server.name + " on " + server.address + " (func " + server.func + ")");
                Duration sw = duration(serverWarmup);
                if (!sw.isZero()) {
                    for (String c : clients) {
                        try (RpcClient client = client(c, server, 64)) {
                            BenchCell.run(server.name, c, client, server.func, body, 64, sw.dividedBy(clients.size()),
                                    Duration.ofMillis(1), server::cpuNanos);
                        }
                    }
                }
                for (String c : clients) {
                    for (int n : callers) {
                        try (RpcClient client = client(c, server, n)) {
                            BenchCell.Result r = BenchCell.run(server.name, c, client, server.func, body, n, w, d, server::cpuNanos);
                            results.add(r);
                            out.println(row(r));
                            out.flush();
                        }
                    }
                }
            }
        }
        out.println();
        out.println(header());
        out.println("(srv/cli cpu us/op: CPU time of the server process / this client process per completed call, warm-up included)");
        for (BenchCell.Result r : results) {
            out.println(row(r));
        }
        ratios(out, results);
        return 0;
    }

    private RpcClient client(String kind, ChildServer server, int n) throws java.io.IOException {
        RpcClientOptions o = RpcClientOptions.to(server.address)
                .withDefaults(CallOptions.DEFAULT.withTimeout(Duration.ofSeconds(10)))
                .withEngine(ClientConfig.defaults().withLoops(clientLoops).withConnectTimeout(Duration.ofSeconds(5)))
                .withMultiplexed(RpcClientOptions.Multiplexed.DEFAULT.withMaxVirConnsPerConn(maxVirConns))
                .withPool(RpcClientOptions.Pool.DEFAULT.withMaxActive(poolSize > 0 ? poolSize : Math.max(1, n)));
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "multiplexed" -> MultiplexedClient.start(o);
            case "pooled" -> PooledClient.start(o);
            default -> throw new IllegalArgumentException("unknown client '" + kind + "'; expected multiplexed or pooled");
        };
    }

    static String header() {
        return String.format("%-34s %-12s %7s %10s %9s %9s %9s %9s %9s %7s %13s %13s", "server", "client", "callers", "qps",
                "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "errors", "srv cpu us/op", "cli cpu us/op");
    }

    static String row(BenchCell.Result r) {
        var h = r.latencyMicros();
        String line = String.format("%-34s %-12s %7d %10.0f %9d %9d %9d %9d %9d %7d %13.1f %13.1f", r.server(), r.client(),
                r.callers(), r.qps(), h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9), h.getMaxValue(), r.errors(), r.serverCpuMicrosPerCall(), r.clientCpuMicrosPerCall());
        return r.firstError() == null ? line : line + "  first error: " + r.firstError();
    }

    /** throng's QPS over tRPC-Java's for each client and caller count measured against both. */
    private static void ratios(PrintStream out, List<BenchCell.Result> results) {
        for (BenchCell.Result a : results) {
            if (!a.server().startsWith("throng")) {
                continue;
            }
            for (BenchCell.Result b : results) {
                if (b.server().startsWith("tRPC-Java") && b.client().equals(a.client()) && b.callers() == a.callers()) {
                    out.printf("throng / tRPC-Java, %s client, %d callers: QPS %.2fx, server CPU per call %.2fx less%n",
                            a.client(), a.callers(), a.qps() / b.qps(), b.serverCpuMicrosPerCall() / a.serverCpuMicrosPerCall());
                }
            }
        }
    }

    /** A protobuf StringValue of {@code n} bytes of text: field 1, length-delimited. */
    static byte[] stringValue(int n) {
        byte[] text = "x".repeat(Math.max(0, n)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.write(0x0A);
        int len = text.length;
        while ((len & ~0x7F) != 0) {
            b.write((len & 0x7F) | 0x80);
            len >>>= 7;
        }
        b.write(len);
        b.writeBytes(text);
        return b.toByteArray();
    }

    /** "30s", "500ms", "2m", or a bare number of seconds. */
    static Duration duration(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' is not a duration (examples: 500ms, 30s, 2m)");
        }
    }
}
