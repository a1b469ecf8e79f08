package io.throng.websocket.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BusConfigTest {

    @Test
    void parsesTheThreeKindsWithDefaultPorts() {
        assertThat(BusConfig.parse("embedded").kind()).isEqualTo(BusConfig.Kind.EMBEDDED);
        assertThat(BusConfig.parse(" Embedded ").url()).isEqualTo("embedded");
        BusConfig redis = BusConfig.parse("redis://127.0.0.1:6380");
        assertThat(redis.kind()).isEqualTo(BusConfig.Kind.REDIS);
        assertThat(redis.host()).isEqualTo("127.0.0.1");
        assertThat(redis.port()).isEqualTo(6380);
        assertThat(BusConfig.parse("redis://cache.internal").port()).isEqualTo(6379);
        assertThat(BusConfig.parse("nats://10.0.0.5").url()).isEqualTo("nats://10.0.0.5:4222");
        assertThat(BusConfig.parse("NATS://localhost:4223/").url()).isEqualTo("nats://localhost:4223");
        assertThat(BusConfig.parse("redis://[::1]:6379").url()).isEqualTo("redis://[::1]:6379");
        assertThat(BusConfig.parse("redis://[::1]:6379").host()).isEqualTo("::1");
    }

    @Test
    void badInputGetsAClearError() {
        assertThatThrownBy(() -> BusConfig.parse("kafka://x:9092")).hasMessage(
                "unknown bus 'kafka://x:9092'; use embedded, redis://HOST:PORT or nats://HOST:PORT");
        assertThatThrownBy(() -> BusConfig.parse("redis")).hasMessageContaining("unknown bus 'redis'");
        assertThatThrownBy(() -> BusConfig.parse("")).hasMessageContaining("empty bus");
        assertThatThrownBy(() -> BusConfig.parse("redis://:6379")).hasMessageContaining("has no host");
        assertThatThrownBy(() -> BusConfig.parse("redis://host:99999")).hasMessage("bus port must be within 1..65535, got 99999");
        assertThatThrownBy(() -> BusConfig.parse("rediss://host:6379")).hasMessageContaining("TLS to the broker is not supported");
        assertThatThrownBy(() -> BusConfig.parse("redis://user:pw@host:6379")).hasMessageContaining("only scheme://host:port");
        assertThatThrownBy(() -> BusConfig.parse("nats://host:4222/subject")).hasMessageContaining("only scheme://host:port");
        assertThatThrownBy(() -> BusConfig.parse("redis://a b")).hasMessageContaining("invalid bus");
        assertThatThrownBy(() -> BusConfig.embedded().withRelayQueue(0)).hasMessageContaining("relay queue must be within");
        assertThatThrownBy(() -> BusConfig.embedded().withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("backoff-max (1000 ms) is below backoff-min (2000 ms)");
        assertThatThrownBy(() -> BusConfig.embedded().withTimeout(Duration.ZERO)).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> BusConfig.parse("redis://h:1").withHub(Path.of("/tmp/x"))).hasMessageContaining("embedded bus only");
    }

    @Test
    void describesItselfAsYaml() {
        assertThat(BusConfig.parse("embedded").describe()).isEqualTo("bus:\n  url: embedded\n  mode: in-process\n");
        assertThat(BusConfig.parse("nats://h:1").withRelayQueue(10).describe()).isEqualTo("""
                bus:
                  url: nats://h:1
                  relay-queue: 10
                  backoff-min: 100ms
                  backoff-max: 5s
                  timeout: 2s
                  heartbeat: 2s
                """);
    }
}
