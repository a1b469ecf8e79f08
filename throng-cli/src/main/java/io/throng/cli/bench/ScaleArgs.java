package io.throng.cli.bench;

import io.throng.bench.scale.LeanJvm;
import io.throng.bench.scale.ScaleBench;
import io.throng.bench.scale.ScaleOptions;
import io.throng.bench.scale.ScaleReport;
import io.throng.bench.scale.ScaleResult;
import io.throng.bench.scale.Sysctls;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** The options of {@code throng bench --scale N}, and the run they describe. */
final class ScaleArgs {
    private static final ScaleOptions DEFAULTS = ScaleOptions.defaults();

    @Option(names = "--scale", arity = "0..1", fallbackValue = "1000000", paramLabel = "<N>", converter = Count.class,
            description = {"hold N connections on this machine (server and load together) and report; "
                    + "N like 1000000, 100k or 1M (default N: 1M)"})
    Integer connections;

    @Option(names = "--ws", description = "scale: WebSocket subscribers of one channel instead of TCP echo connections, "
            + "and the time one broadcast takes to reach them all")
    boolean ws;

    @Option(names = "--centrifugo-hmac-secret-file", paramLabel = "<file>", description = "scale, with --ws: the subscribers "
            + "speak Centrifugo's client protocol (HS256 tokens signed with this file's key) to 'push --centrifugo' workers "
            + "that check them with the same file")
    String centrifugoSecretFile;

    @Option(names = "--worker-model", paramLabel = "<model>",
            description = "scale: the model of every prefork worker (default: ${DEFAULT-VALUE})")
    String workerModel = DEFAULTS.workerModel();

    @Option(names = "--transport", paramLabel = "<transport>",
            description = "scale: the workers' transport, auto, io_uring, epoll or nio (default: ${DEFAULT-VALUE})")
    String transport = DEFAULTS.transport();

    @Option(names = "--workers", description = "scale: server worker processes, 0 to fit the descriptor limit (default: 0)")
    int workers;

    @Option(names = "--load-procs", description = "scale: load processes, 0 to fit the descriptor limit (default: 0)")
    int loadProcs;

    @Option(names = "--src-ips", description = "scale: loopback source addresses, 0 to fit the ephemeral port range (default: 0)")
    int srcIps;

    @Option(names = "--rate", description = "scale: new connections per second (default: ${DEFAULT-VALUE})")
    double rate = DEFAULTS.rate();

    @Option(names = "--ping-interval", description = "scale: seconds between one connection's pings; 0 keeps all pings "
            + "near 8,333/s, between 10 and 120 s (default: 0)")
    double pingInterval;

    @Option(names = "--hold", description = "scale: seconds to hold every connection once all are open; at least a ping "
            + "interval and 5 s, so that every connection pings (default: ${DEFAULT-VALUE})")
    double hold = DEFAULTS.holdSeconds();

    @Option(names = "--connect-timeout", description = "scale: seconds before a connect counts as failed (default: ${DEFAULT-VALUE})")
    double connectTimeout = DEFAULTS.connectTimeoutSeconds();

    @Option(names = "--worker-jvm", paramLabel = "<options>", description = "scale: the workers' JVM options "
            + "(default: the lean set, see docs/scale.md)")
    String workerJvm = String.join(" ", LeanJvm.WORKER);

    @Option(names = "--load-jvm", paramLabel = "<options>", description = "scale: the load processes' JVM options "
            + "(default: the lean set)")
    String loadJvm = String.join(" ", LeanJvm.LOAD);

    @Option(names = "--compare", description = "scale: then run the seed's comparison at N: every model that holds "
            + "the count as the workers' model, closed-loop timestamp echo")
    boolean compare;

    @Option(names = "--compare-models", split = ",", paramLabel = "<model>",
            description = "scale: the comparison's models (default: multi-reactor,single-reactor,worker-pool,leader-follower,virtual-threads)")
    List<String> compareModels;

    boolean requested() {
        return connections != null;
    }

    ScaleOptions options(Double warmup, Double window, String loadTransport) {
        List<String> models = compareModels != null ? compareModels : compare ? ScaleOptions.COMPARABLE_MODELS : List.of();
        return DEFAULTS.withConnections(connections)
                .withProtocol(ws ? ScaleOptions.Protocol.WS : ScaleOptions.Protocol.TCP)
                .withWorkerModel(workerModel, transport).withProcesses(workers, loadProcs, srcIps)
                .withTiming(rate, pingInterval, hold).withJvm(words(workerJvm), words(loadJvm))
                .withComparison(models, warmup != null ? warmup : DEFAULTS.compareWarmupSeconds(),
                        window != null ? window : DEFAULTS.compareWindowSeconds())
                .withConnectTimeout(connectTimeout).withLoadTransport(loadTransport).withCentrifugo(centrifugoSecretFile);
    }

    /** Runs it; 0 if every connection held with every ping answered, 3 if not, 2 if the machine could not be set up. */
    int run(String command, Double warmup, Double window, Path out, String loadTransport) throws Exception {
        ScaleOptions options = options(warmup, window, loadTransport);
        String name = "scale-" + (connections % 1_000_000 == 0 ? connections / 1_000_000 + "m"
                : connections % 1000 == 0 ? connections / 1000 + "k" : Integer.toString(connections))
                + (ws ? "-ws" : "-tcp") + (centrifugoSecretFile != null ? "-centrifugo" : "");
        Path dir = out != null ? out : Path.of("reports");
        System.out.printf("throng bench --scale %,d (%s): report in %s/%s.{json,md}%n", connections,
                ws ? centrifugoSecretFile != null ? "WebSocket, Centrifugo protocol" : "WebSocket" : "TCP",
                dir, name);
        ScaleResult result;
        try {
            result = new ScaleBench(options, Sysctls.system(), line -> {
                System.out.println(line);
                System.out.flush();
            }).run(command);
        } catch (ScaleBench.SetupException e) {
            System.err.println("throng bench --scale: " + e.getMessage());
            return 2;
        }
        String md = ScaleReport.write(result, dir, name);
        System.out.println();
        System.out.println(md);
        System.out.printf("written: %s/%s.{json,md}%n", dir, name);
        return result.passed() ? 0 : 3;
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    /** 1000000, 1,000,000, 100k, 1M. */
    static final class Count implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String v = value.trim().replace(",", "").replace("_", "").toLowerCase(Locale.ROOT);
            long factor = v.endsWith("k") ? 1000 : v.endsWith("m") ? 1_000_000 : 1;
            if (factor > 1) {
                v = v.substring(0, v.length() - 1);
            }
            double n = Double.parseDouble(v) * factor;
            if (n < 1 || n > Integer.MAX_VALUE || n != Math.rint(n)) {
                throw new IllegalArgumentException("not a connection count: " + value);
            }
            return (int) n;
        }
    }
}
