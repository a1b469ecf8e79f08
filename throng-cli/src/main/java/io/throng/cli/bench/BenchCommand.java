package io.throng.cli.bench;

import io.throng.bench.Bench;
import io.throng.bench.BenchOptions;
import io.throng.bench.Reports;
import io.throng.bench.Results;
import io.throng.bench.Target;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code throng bench}: the seed's comparison, every model beside Netty and plain JDK threads. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures every server model beside Netty and JDK threads, or holds N connections (--scale).",
                "Runs every server model (and the Netty 4.2 nio/epoll/io_uring and JDK virtual-thread peers),",
                "each in its own process, under the seed's timestamp-echo load, and writes JSON, CSV, Markdown and HTML.",
                "The full run takes about 50 minutes on 2 cores; --quick under 3.",
                "With --scale N: holds N connections on this machine (prefork server and multi-process load together),",
                "setting the kernel limits it needs and restoring them; see docs/scale.md."})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "100 and 1,000 connections, one round, short windows: under 3 minutes")
    boolean quick;

    @Option(names = "--conns", split = ",", paramLabel = "<n>", description = "connection counts (default: 100,1000,10000; quick: 100,1000)")
    List<Integer> conns;

    @Option(names = "--repeat", description = "rounds (default: 3; quick: 1)")
    Integer repeat;

    @Option(names = "--warmup", description = "seconds before each window (default: 3; quick: 1)")
    Double warmup;

    @Option(names = "--window", description = "seconds measured per cell (default: 10; quick: 1.5)")
    Double window;

    @Option(names = "--pipeline", description = "pings in flight per connection (default: 1, as the seed)")
    int pipeline = 1;

    @Option(names = "--targets", split = ",", paramLabel = "<id>",
            description = "only these servers, e.g. throng/worker-pool/nio,netty/epoll (default: all)")
    List<String> targets;

    @Option(names = "--transports", split = ",", description = "throng transports to measure (default: ${DEFAULT-VALUE})")
    List<String> transports = List.of("epoll", "io_uring", "nio");

    @Option(names = "--load-transport", paramLabel = "<transport>",
            description = "the load's own transport: auto (the engine's choice: io_uring here), io_uring, epoll or nio"
                    + " (default: ${DEFAULT-VALUE}); runs before auto took io_uring had the load on epoll")
    String loadTransport = "auto";

    @Option(names = "--baseline", paramLabel = "<jar>",
            description = "also run each throng target from this other build (a throng.jar from an earlier commit), "
                    + "in the same rounds, and report the ratios round by round: before/after figures from one run")
    Path baseline;

    @Option(names = "--no-connrate", description = "skip the connection-rate cells")
    boolean noConnrate;

    @Option(names = "--out", paramLabel = "<dir>", description = "report directory (default: reports/bench-<time>; scale: reports)")
    Path out;

    @Mixin
    ScaleArgs scale = new ScaleArgs();

    @Override
    public Integer call() throws Exception {
        // originalArgs are the whole command line's, which start with this subcommand's name
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!args.isEmpty() && args.getFirst().equals("bench")) {
            args.removeFirst();
        }
        String command = "throng bench" + (args.isEmpty() ? "" : " " + String.join(" ", args));
        if (scale.requested()) {
            return scale.run(command, warmup, window, out, loadTransport);
        }
        BenchOptions base = quick ? BenchOptions.quick(transports) : BenchOptions.full(transports);
        List<Target> chosen = base.targets();
        if (targets != null) {
            chosen = new ArrayList<>();
            for (String id : targets) {
                chosen.add(base.targets().stream().filter(t -> t.id().equals(id)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown target '" + id + "'; known: "
                                + base.targets().stream().map(Target::id).toList())));
            }
        }
        if (baseline != null) {
            if (!java.nio.file.Files.isRegularFile(baseline)) {
                throw new IllegalArgumentException("--baseline " + baseline + " is not a file (build one: git worktree add "
                        + "DIR COMMIT && (cd DIR && ./mvnw -q -DskipTests package); then DIR/throng-cli/target/throng.jar)");
            }
            String jar = baseline.toAbsolutePath().toString();
            List<Target> withBaseline = new ArrayList<>();
            for (Target t : chosen) {
                withBaseline.add(t);
                if (t.kind() == Target.Kind.THRONG) {
                    withBaseline.add(t.asBaseline(jar));
                }
            }
            chosen = withBaseline;
        }
        BenchOptions options = new BenchOptions(chosen, conns != null ? conns : base.connections(),
                repeat != null ? repeat : base.repeat(), warmup != null ? warmup : base.warmupSeconds(),
                window != null ? window : base.windowSeconds(), pipeline, !noConnrate, base.connrateConcurrency(),
                base.serverJvm(), quick, loadTransport);
        Path dir = out != null ? out
                : Path.of("reports", "bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        System.out.printf("throng bench: %d servers x %s connections x %d round(s)%s; reports in %s%n",
                options.targets().size(), options.connections(), options.repeat(),
                options.connrate() ? ", plus connection rate" : "", dir);
        Results.Report report = new Bench(options, line -> {
            System.out.println(line);
            System.out.flush();
        }).run(command);
        String md = Reports.write(report, dir);
        System.out.println();
        System.out.println(md);
        System.out.printf("written: %s/bench.{json,csv,md,html} (%.1f minutes)%n", dir, report.durationSeconds() / 60);
        return report.summary().stream().anyMatch(s -> s.mismatches() > 0) ? 3 : 0;
    }
}
