package io.throng.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.load.LoadMode;
import io.throng.load.LoadOptions;
import io.throng.load.LoadResult;
import io.throng.load.Progress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a scale run is fitted to a machine, and what counts as a failed run. */
class ScalePlanTest {

    private static long minimum(ScalePlan plan, String name) {
        return plan.requirements().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow().minimum();
    }

    @Test
    void theLoadProcessesRunOnTheTransportAskedForAndOnAutoOtherwise() {
        ScaleOptions ws = ScaleOptions.defaults().withProtocol(ScaleOptions.Protocol.WS);
        ScalePlan plan = ScalePlan.of(ws, 20_000, new int[] {32768, 60999}, 2);
        assertThat(new ScaleBench(ws, null, line -> { }).loadOptions(plan, 9000).transport())
                .isEqualTo(io.throng.core.config.TransportKind.AUTO);
        ScaleOptions onEpoll = ws.withLoadTransport("epoll");
        assertThat(new ScaleBench(onEpoll, null, line -> { }).loadOptions(plan, 9000).transport())
                .as("a run measuring the workers' transport alone: the load's is set apart")
                .isEqualTo(io.throng.core.config.TransportKind.EPOLL);
    }

    @Test
    void withAKeyFileTheWorkersAndTheSubscribersSpeakCentrifugo() {
        ScaleOptions ws = ScaleOptions.defaults().withProtocol(ScaleOptions.Protocol.WS).withCentrifugo("centrifugo.key");
        ScalePlan plan = ScalePlan.of(ws, 20_000, new int[] {32768, 60999}, 2);
        LoadOptions load = new ScaleBench(ws, null, line -> { }).loadOptions(plan, 9000);
        assertThat(load.url()).isEqualTo("ws://127.0.0.1:9000/connection/websocket");
        assertThat(load.ws().centrifugo().channel()).isEqualTo("scale");
        assertThat(load.ws().centrifugo().secretFile()).as("the file's name, never the key").isEqualTo("centrifugo.key");
        List<String> args = PreforkServer.arguments(ws.withTiming(ws.rate(), 120, ws.holdSeconds()), 55, "multi-reactor", 9000, List.of());
        String key = java.nio.file.Path.of("centrifugo.key").toAbsolutePath().toString();
        assertThat(String.join(" ", args)).contains("push ", "--centrifugo --centrifugo-hmac-secret-file " + key,
                "--centrifugo-ping-interval 120s --centrifugo-pong-timeout 60s");
        assertThat(PreforkServer.arguments(ScaleOptions.defaults().withProtocol(ScaleOptions.Protocol.WS), 55, "multi-reactor",
                9000, List.of())).doesNotContain("--centrifugo");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ScaleOptions.defaults().withCentrifugo("k"))
                .hasMessageContaining("--ws");
    }

    @Test
    void aMillionUnderTwentyThousandDescriptorsAProcessTakesFiftyFiveWorkers() {
        ScalePlan plan = ScalePlan.of(ScaleOptions.defaults(), 20_000, new int[] {32768, 60999}, 2);

        // 19,850 usable descriptors; workers planned at 93% of that (SO_REUSEPORT's hash is uneven)
        assertThat(plan.workers()).isEqualTo(55);
        assertThat(1_000_000 / plan.workers()).isLessThan(19_850 - 5 * 140);
        assertThat(plan.loadProcs()).isEqualTo(52);
        // 28,232 ephemeral ports, under half of them used per source address (connect() takes the
        // even ones first): no need to widen the range
        assertThat(plan.srcIps()).isEqualTo(79);
        assertThat(1_000_000 / plan.srcIps()).isLessThan(28_232 / 2);
        assertThat(plan.requirements()).noneMatch(r -> r.name().equals(Sysctls.PORT_RANGE));
        assertThat(plan.pingInterval()).isEqualTo(120);
        assertThat(1_000_000 / plan.pingInterval()).isLessThan(11_000); // 11,600 a second filled both cores here
        // every connection's first ping, at a random point of its first interval, falls in the hold
        assertThat(plan.holdSeconds()).isEqualTo(125);
        assertThat(plan.notes()).anyMatch(n -> n.contains("held 125 s (60 s asked"));
        assertThat(minimum(plan, "net.netfilter.nf_conntrack_max")).isGreaterThan(1_000_000);
        assertThat(minimum(plan, "net.netfilter.nf_conntrack_buckets")).isEqualTo(1_000_000);
        assertThat(minimum(plan, "fs.file-max")).isGreaterThan(2_000_000);
        assertThat(minimum(plan, "net.core.somaxconn")).isEqualTo(4096);
        assertThat(plan.notes()).anyMatch(n -> n.contains("55 workers"));
    }

    @Test
    void aMachineWithoutTheCapRunsOneWorkerPerCoreAndSmallRunsTouchNoQueueSetting() {
        ScalePlan big = ScalePlan.of(ScaleOptions.defaults(), 1_048_576, new int[] {32768, 60999}, 8);
        assertThat(big.workers()).isEqualTo(8);
        assertThat(big.loadProcs()).isEqualTo(1);

        ScalePlan small = ScalePlan.of(ScaleOptions.defaults().withConnections(2000), 20_000, null, 2);
        assertThat(small.workers()).isEqualTo(2);
        assertThat(small.srcIps()).isEqualTo(1);
        assertThat(small.pingInterval()).isEqualTo(10);
        assertThat(small.holdSeconds()).as("as asked: longer than an interval").isEqualTo(60);
        assertThat(small.requirements()).extracting(Sysctls.Requirement::name)
                .containsExactly("net.netfilter.nf_conntrack_max", "fs.file-max");
    }

    @Test
    void moreThanTwoHundredFiftySourceAddressesWorthWidensThePortRangeInstead() {
        ScalePlan plan = ScalePlan.of(ScaleOptions.defaults().withConnections(2_000_000), 20_000, new int[] {50000, 50999}, 2);
        assertThat(plan.srcIps()).isEqualTo(250);
        assertThat(minimum(plan, Sysctls.PORT_RANGE)).isEqualTo(17_778); // 8,000 per address at 45%
    }

    @Test
    void aRunFailsOnAnyMissingConnectionUnansweredPingOrLostWorker() {
        LoadOptions o = LoadOptions.defaults(LoadMode.HOLD).withConns(100);
        LoadResult.Latency l = new LoadResult.Latency(1, 1, 1, 1, 1, 1, 1, 1);
        LoadResult good = new LoadResult(o, 1, 100, 100, 100, 0, Map.of(), 1, 1, 500, 500, 0, 0, 0, 0, l, "");
        assertThat(ScaleBench.failures(100, good, null, List.of())).isEmpty();

        LoadResult bad = new LoadResult(o, 1, 100, 99, 97, 2, Map.of("refused", 1L), 1, 1, 500, 500, 0, 3, 1, 4, l, "");
        assertThat(ScaleBench.failures(100, bad, null, List.of("prefork: worker 1 (pid 7) exited with status 137")))
                .anyMatch(f -> f.contains("established 99 of 100"))
                .anyMatch(f -> f.contains("alive at the end 97 of 100"))
                .anyMatch(f -> f.contains("refused"))
                .anyMatch(f -> f.contains("2 connections lost"))
                .anyMatch(f -> f.contains("3 pings unanswered"))
                .anyMatch(f -> f.contains("4 connections had no ping answered"))
                .anyMatch(f -> f.contains("workers exited"));
    }

    @Test
    void aLoadThatDidNotFinishIsReportedWithTheCountsOfItsLastProgressLine() {
        LoadOptions o = LoadOptions.defaults(LoadMode.WS_BROADCAST).withConns(100).withProcs(2);
        Progress last = new Progress("broadcasting", 90, 100, 98, 0, 0, 0, 0, 5, 150);
        LoadResult r = LoadResult.unfinished(o, last);
        assertThat(r.established()).isEqualTo(100);
        assertThat(r.openAtEnd()).isEqualTo(98);
        assertThat(r.disconnects()).isEqualTo(2);
        assertThat(r.pingFailures()).isEqualTo(5);
        assertThat(ScaleBench.failures(100, r, "the load did not finish: load processes did not finish in time", List.of()))
                .startsWith("the load did not finish: load processes did not finish in time")
                .anyMatch(f -> f.contains("alive at the end 98 of 100"))
                .anyMatch(f -> f.contains("5 pings unanswered"))
                .noneMatch(f -> f.contains("no ping answered"));
        assertThat(LoadResult.unfinished(o, null).established()).isZero();
    }
}
