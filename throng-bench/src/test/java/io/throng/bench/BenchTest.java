package io.throng.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.load.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A tiny benchmark, end to end: real server processes, real load, every report written. */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BenchTest {

    @Test
    void aTinyBenchmarkMeasuresEveryKindOfServerAndWritesEveryReport(@TempDir Path dir) throws Exception {
        List<Target> targets = List.of(Target.throng("single-reactor", "nio"), Target.netty("epoll"), Target.jdk());
        BenchOptions options = new BenchOptions(targets, List.of(20), 2, 0.3, 0.7, 1, true, 4, BenchOptions.SERVER_JVM, false, "epoll");
        List<String> log = new ArrayList<>();
        Results.Report report = new Bench(options, log::add).run("test");

        assertThat(report.cells()).hasSize(6);
        assertThat(report.rates()).hasSize(6);
        for (Results.Cell c : report.cells()) {
            if (c.unavailable() != null) {
                continue;
            }
            assertThat(c.established()).as(c.target()).isEqualTo(20);
            assertThat(c.mismatches()).isZero();
            assertThat(c.requestsPerSecond()).as(c.target()).isPositive();
            assertThat(c.p50Micros()).isPositive().isLessThanOrEqualTo(c.p99Micros());
            assertThat(c.cpuSecondsPerMillion()).as("server CPU per million requests").isPositive();
            assertThat(c.loadCpuSecondsPerMillion()).as("load CPU per million requests").isPositive();
        }
        assertThat(report.summary()).hasSize(3);
        for (Results.Summary s : report.summary()) {
            assertThat(s.rounds()).isEqualTo(2);
            assertThat(s.requestsPerSecond()).isBetween(s.minRequestsPerSecond(), s.maxRequestsPerSecond());
        }
        assertThat(report.rateSummary()).isNotEmpty().allSatisfy(r -> assertThat(r.connectionsPerSecond()).isPositive());
        assertThat(report.machine().cores()).isPositive();

        String md = Reports.write(report, dir);
        assertThat(md).contains("its engine on the epoll transport");
        assertThat(md).contains("## 20 connections", "| throng single-reactor (nio) |", "| JDK virtual threads |",
                "The seed's table", "Machine: ", "## throng against Netty epoll", "| CPU-limited ratio |");
        assertThat(Files.readString(dir.resolve("bench.html"))).contains("<svg", "Requests per second", "throng single-reactor");
        assertThat(Files.readAllLines(dir.resolve("bench.csv"))).hasSize(4);
        Results.Report back = Json.mapper().readValue(dir.resolve("bench.json").toFile(), Results.Report.class);
        assertThat(back.summary()).isEqualTo(report.summary());
        assertThat(log).anyMatch(l -> l.contains("round 2"));
    }

    @Test
    void aBaselineBuildRunsBesideThisOneAndIsComparedRoundByRound(@TempDir Path dir) throws Exception {
        // The "other build" is this class path: the same code, so every ratio is near 1, and both run.
        Target current = Target.throng("single-reactor", "nio");
        Target baseline = current.asBaseline(System.getProperty("java.class.path"));
        assertThat(baseline.id()).isEqualTo("baseline/single-reactor/nio");
        BenchOptions options = new BenchOptions(List.of(current, baseline), List.of(20), 2, 0.3, 0.7, 1, false, 4,
                BenchOptions.SERVER_JVM, false, "auto");
        Results.Report report = new Bench(options, line -> { }).run("test");
        assertThat(report.cells()).hasSize(4).allSatisfy(c -> assertThat(c.requestsPerSecond()).as(c.target()).isPositive());
        String md = Reports.write(report, dir);
        assertThat(md).contains("## This build against the baseline", "| 20 | single-reactor (nio) |");
        Results.Report back = Json.mapper().readValue(dir.resolve("bench.json").toFile(), Results.Report.class);
        assertThat(back.options().targets()).extracting(Target::classPath).containsExactly(null, baseline.classPath());
    }

    @Test
    void onSharedCoresTheLoadsCpuBoundsTheRatioThatAServersCpuCanBuy() {
        // 8 against 10 s a million requests is 1.25x alone, but with 10 s of load in each request 20 / 18
        assertThat(Reports.cpuLimitedRatio(8, 10, 10)).isCloseTo(20.0 / 18, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Reports.cpuLimitedRatio(8, 10, 0)).isCloseTo(1.25, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(Reports.cpuLimitedRatio(10, 10, 10)).isEqualTo(1.0);
    }

    @Test
    void roundByRoundRatiosPairEachRoundsCellsOfTheSameCount() {
        List<Results.Cell> cells = List.of(cell("a", 100, 1, 110), cell("b", 100, 1, 100), cell("a", 100, 2, 90),
                cell("b", 100, 2, 100), cell("a", 1000, 1, 500), cell("b", 1000, 2, 1), cell("a", 100, 3, 120));
        assertThat(Reports.pairedRatios(cells, "a", "b", 100)).containsExactly(0.9, 1.1);
        assertThat(Reports.pairedRatios(cells, "a", "b", 1000)).isEmpty(); // no round with both
    }

    private static Results.Cell cell(String target, int n, int round, double rps) {
        return new Results.Cell(target, n, round, null, rps, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, n, 0, 0, 0);
    }

    @Test
    void theQuickRunMeasuresConnectionRateOnlyForThrongsDefaultAndNettyEpoll() {
        BenchOptions quick = BenchOptions.quick(List.of("epoll", "nio"));
        assertThat(quick.rateTargets()).extracting(Target::id)
                .containsExactly("throng/multi-reactor/epoll", "throng/multi-reactor/nio", "netty/epoll");
        assertThat(quick.targets()).extracting(Target::id).contains("throng/leader-follower/epoll")
                .noneMatch(id -> id.startsWith("throng/prefork/"));
        BenchOptions full = BenchOptions.full(List.of("epoll", "nio"));
        assertThat(full.rateTargets()).isEqualTo(full.targets());
        assertThat(full.targets()).extracting(Target::id).contains("throng/prefork/epoll", "throng/prefork/nio")
                .doesNotContain("throng/leader-follower/nio");
    }

    @Test
    void ioUringRunsTheReactorModelsAndTheWorkerPoolAndTheQuickRunTakesItsDefault() {
        BenchOptions full = BenchOptions.full(List.of("epoll", "io_uring", "nio"));
        assertThat(full.targets()).extracting(Target::id)
                .contains("throng/single-reactor/io_uring", "throng/multi-reactor/io_uring", "throng/worker-pool/io_uring",
                        "throng/prefork/io_uring", "netty/io_uring")
                .doesNotContain("throng/virtual-threads/io_uring",
                        "throng/leader-follower/io_uring");
        BenchOptions quick = BenchOptions.quick(List.of("epoll", "io_uring", "nio"));
        assertThat(quick.targets()).extracting(Target::id).filteredOn(id -> id.endsWith("/io_uring"))
                .containsExactly("throng/multi-reactor/io_uring", "netty/io_uring");
        assertThat(quick.rateTargets()).extracting(Target::id).contains("throng/multi-reactor/io_uring");
    }
}
