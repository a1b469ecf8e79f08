package io.throng.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

    @Test
    void defaultsAreValidAndDescribeThemselves() {
        ServerConfig c = ServerConfig.defaults();
        assertThat(c.port()).isEqualTo(8972);
        assertThat(c.model()).isEqualTo(Model.MULTI_REACTOR);
        String text = c.describe();
        assertThat(text).contains("model: multi-reactor", "transport: auto", "high: 64 KiB", "max-queued-bytes: 8 MiB",
                "idle-timeout: none");
    }

    @Test
    void invalidValuesAreRefusedWithTheValueInTheMessage() {
        ServerConfig c = ServerConfig.defaults();
        assertThatThrownBy(() -> c.withPort(70000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> c.withLoops(0)).hasMessageContaining("loops");
        assertThatThrownBy(() -> new WaterMarks(10, 5)).hasMessageContaining("low 10, high 5");
        assertThatThrownBy(() -> Limits.DEFAULT.withIdleTimeout(Duration.ofSeconds(-1))).hasMessageContaining("idleTimeout");
        assertThatThrownBy(() -> c.withLimits(Limits.DEFAULT.withMaxQueuedBytes(1000)))
                .hasMessageContaining("must not exceed maxQueuedBytes");
        assertThatThrownBy(() -> new WorkerPoolConfig(0, 1, false)).hasMessageContaining("workers");
    }

    @Test
    void modelsParseFromTheirCommandLineNames() {
        for (Model m : Model.values()) {
            assertThat(Model.parse(m.id())).isSameAs(m);
        }
        assertThat(Model.parse("WORKER_POOL")).isSameAs(Model.WORKER_POOL);
        assertThatThrownBy(() -> Model.parse("fork-bomb")).hasMessageContaining("virtual-threads");
    }

    @Test
    void theLoopsAModelRunsFollowItsNature() {
        ServerConfig c = ServerConfig.defaults().withLoops(4);
        assertThat(c.withModel(Model.SINGLE_REACTOR).effectiveLoops()).isEqualTo(1);
        assertThat(c.withModel(Model.MULTI_REACTOR).effectiveLoops()).isEqualTo(4);
        assertThat(c.withModel(Model.VIRTUAL_THREADS).effectiveLoops()).isZero();
    }
}
