package io.throng.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.bench.scale.ScaleBench;
import io.throng.bench.scale.ScaleOptions;
import io.throng.bench.scale.ScaleReport;
import io.throng.bench.scale.ScaleResult;
import io.throng.bench.scale.Sysctls;
import io.throng.load.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code throng bench --scale} end to end at a small N: a real prefork server (two worker JVMs), two
 * load processes, real sockets. The kernel settings are a directory laid out like /proc/sys, with
 * one setting too low, so that raising and restoring are exercised without touching the machine.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ScaleBenchTest {

    @Test
    void twoThousandConnectionsOverTwoWorkersAreAllHeldWithEveryPingAnswered(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("sys");
        Files.createDirectories(sys.resolve("net/netfilter"));
        Files.writeString(sys.resolve("net/netfilter/nf_conntrack_max"), "1000\n");
        Files.createDirectories(sys.resolve("fs"));
        Files.writeString(sys.resolve("fs/file-max"), "9999999\n");
        ScaleOptions options = ScaleOptions.defaults().withConnections(2000).withProcesses(2, 2, 2)
                .withTiming(2000, 1, 4);
        List<String> log = new CopyOnWriteArrayList<>();

        ScaleResult r = new ScaleBench(options, new Sysctls(sys), log::add).run("test");

        assertThat(r.failures()).as(String.join("\n", log)).isEmpty();
        assertThat(r.plan().workers()).isEqualTo(2);
        ScaleResult.Hold h = r.hold();
        assertThat(h.established()).isEqualTo(2000);
        assertThat(h.alive()).isEqualTo(2000);
        assertThat(h.connectFailures()).isEmpty();
        assertThat(h.disconnects()).isZero();
        assertThat(h.pingFailures()).isZero();
        assertThat(h.mismatches()).isZero();
        assertThat(r.plan().holdSeconds()).as("4 s asked; at least a ping interval and 5 s").isEqualTo(6);
        assertThat(h.silent()).isZero();
        assertThat(h.pingsAnswered()).as("every connection pings about once a second for 6 s").isGreaterThan(4 * 2000);
        assertThat(h.latency().p50()).isPositive().isLessThanOrEqualTo(h.latency().p99());

        ScaleResult.Memory m = r.memory();
        assertThat(m.idleWorkersPssBytes()).isPositive();
        assertThat(m.workersPssBytes()).isPositive();
        assertThat(m.workersRssBytes()).isGreaterThanOrEqualTo(m.workersPssBytes());
        assertThat(m.loadPssBytes()).isPositive();
        assertThat(r.cpu().serverSeconds()).isPositive();
        assertThat(r.timeline()).isNotEmpty();

        // raised for the run, put back after it; the one already high enough untouched
        assertThat(r.sysctls().changes()).singleElement()
                .satisfies(c -> assertThat(c.name()).isEqualTo("net.netfilter.nf_conntrack_max"));
        assertThat(r.restoreFailures()).isEmpty();
        assertThat(Files.readString(sys.resolve("net/netfilter/nf_conntrack_max"))).isEqualTo("1000");
        assertThat(Files.readString(sys.resolve("fs/file-max")).trim()).isEqualTo("9999999");

        String md = ScaleReport.write(r, dir, "scale");
        assertThat(md).contains("Result: passed", "| established | 2,000 of 2,000 |", "net.netfilter.nf_conntrack_max");
        ScaleResult back = Json.mapper().readValue(dir.resolve("scale.json").toFile(), ScaleResult.class);
        assertThat(back.hold()).isEqualTo(h);
        assertThat(back.failures()).isEmpty();
    }

    @Test
    void twoThousandWebSocketSubscribersOverTwoPushWorkersAllGetEveryBroadcast(@TempDir Path dir) throws Exception {
        Path sys = dir.resolve("sys");
        Files.createDirectories(sys.resolve("fs"));
        Files.writeString(sys.resolve("fs/file-max"), "9999999\n");
        ScaleOptions options = ScaleOptions.defaults().withConnections(2000).withProtocol(ScaleOptions.Protocol.WS)
                .withProcesses(2, 2, 2).withTiming(2000, 1, 4);
        List<String> log = new CopyOnWriteArrayList<>();

        ScaleResult r = new ScaleBench(options, new Sysctls(sys), log::add).run("test");

        assertThat(r.failures()).as(String.join("\n", log)).isEmpty();
        ScaleResult.Hold h = r.hold();
        assertThat(h.established()).isEqualTo(2000);
        assertThat(h.alive()).isEqualTo(2000);
        assertThat(h.pingFailures()).isZero();
        assertThat(h.silent()).isZero();
        // pongs, not the broadcasts' deliveries (2 measured rounds x 2,000): every subscriber pings
        // about once a second for the 6 s hold (the ramp is quiet)
        assertThat(h.pingsAnswered()).as("WebSocket pongs").isGreaterThan(4 * 2000);
        assertThat(h.latency().count()).as("the pings' round trips, not the deliveries").isEqualTo(h.pingsAnswered());
        assertThat(h.latency().p50()).isPositive().isLessThanOrEqualTo(h.latency().p99());
        ScaleResult.Broadcast b = r.broadcast();
        // published after the hold, its pings drained; the subscribers are spread over both
        // workers, so every delivery past the publishing worker went through the supervisor's bus
        assertThat(b.rounds()).hasSize(3);
        assertThat(b.rounds().getFirst().warmup()).isTrue();
        assertThat(b.rounds()).allSatisfy(x -> assertThat(x.delivered()).isEqualTo(2000));
        assertThat(b.subscribers()).isEqualTo(2000);
        assertThat(b.delivered()).isEqualTo(2000);
        assertThat(b.duplicates()).isZero();
        assertThat(b.lastDeliverySeconds()).isPositive().isGreaterThanOrEqualTo(b.p99Seconds());

        String md = ScaleReport.write(r, dir, "scale-ws");
        assertThat(md).contains("2,000 WebSocket connections", "Result: passed", "broadcast 1 (warm-up)",
                "One broadcast to every subscriber within 5 s");
        ScaleResult back = Json.mapper().readValue(dir.resolve("scale-ws.json").toFile(), ScaleResult.class);
        assertThat(back.broadcast()).isEqualTo(b);
    }

    @Test
    void theCommandLineReadsCountsLikeOneMillionAndFitsTheRest() {
        BenchCommand cmd = new BenchCommand();
        new CommandLine(cmd).parseArgs("--scale", "--workers", "3", "--rate", "20000", "--compare");
        ScaleOptions o = cmd.scale.options(null, null, "auto");
        assertThat(o.connections()).isEqualTo(1_000_000);
        assertThat(o.workers()).isEqualTo(3);
        assertThat(o.loadProcs()).isZero();
        assertThat(o.rate()).isEqualTo(20_000);
        assertThat(o.compareModels()).doesNotContain("platform-threads").contains("multi-reactor");

        BenchCommand small = new BenchCommand();
        new CommandLine(small).parseArgs("--scale", "100k", "--ws");
        assertThat(small.scale.options(null, null, "auto").connections()).isEqualTo(100_000);
        assertThat(small.scale.options(null, null, "auto").protocol()).isEqualTo(ScaleOptions.Protocol.WS);
        assertThat(new ScaleArgs.Count().convert("1,000,000")).isEqualTo(1_000_000);
        assertThat(new BenchCommand().scale.requested()).isFalse();
    }
}
