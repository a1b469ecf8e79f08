package io.throng.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.bench.Bench;
import io.throng.bench.BenchOptions;
import io.throng.bench.Results;
import io.throng.bench.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark's prefork target: the CLI's supervisor and its workers on one port, driven and
 * measured as one server (CPU and memory summed over the processes). Lives here because the
 * supervisor is the CLI's.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class BenchPreforkTest {

    @Test
    void aPreforkServerIsMeasuredAcrossItsWorkers() throws Exception {
        Target prefork = Target.prefork("multi-reactor", "nio");
        BenchOptions options = new BenchOptions(List.of(prefork), List.of(40), 1, 0.5, 1, 1, false, 4,
                BenchOptions.SERVER_JVM, true, "auto");
        List<String> log = new ArrayList<>();
        Results.Report report = new Bench(options, log::add).run("test");

        assertThat(report.cells()).hasSize(1);
        Results.Cell c = report.cells().getFirst();
        assertThat(c.unavailable()).as(String.join("\n", log)).isNull();
        assertThat(c.target()).isEqualTo("throng/prefork/nio");
        assertThat(c.established()).isEqualTo(40);
        assertThat(c.mismatches()).isZero();
        assertThat(c.requestsPerSecond()).isPositive();
        // the workers do the serving: a supervisor alone would have used almost no CPU
        assertThat(c.cpuSecondsPerMillion()).isPositive();
    }
}
