package io.throng.rpc.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Coverage-guided fuzzing (Jazzer) of the tRPC YAML configuration loader. Without JAZZER_FUZZ
 * this runs once per seed and kept crash under {@code RpcConfigFuzzTestInputs/}; docs/fuzzing.md
 * says how to fuzz. (Host names in targets resolve from scripts/fuzz-hosts only: no DNS.)
 *
 * <p>A bad file is refused with an IllegalArgumentException whose message says what is wrong
 * ({@link RpcConfig#load} puts the file's name in front of it); any other exception is a bug. What
 * is accepted must be what was written: a number read as an integer was an integer of that value,
 * a number of milliseconds was exactly that many, and no duration is negative.
 */
// 10 s for one input: SnakeYAML's own limits (50 aliases, 3 MB) keep a parse far below that
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RpcConfigFuzzTest {

    // the format's words, so that mutations build configurations rather than YAML noise (no line
    // breaks: Jazzer writes the entries to libFuzzer's dictionary file unescaped, which then fails to parse)
    @DictionaryEntries({"server:", "client:", "service:", "- name: ", "global:", "plugins:", "transport: ", "tnet", "gonet",
            "epoll", "nio", "model: ", "multi-reactor", "worker-pool", "loops: ", "idletime: ", "max_routines: ",
            "max_frame_size: ", "ip: ", "port: ", "network: ", "tcp", "udp", "protocol: ", "trpc", "timeout: ", "tls_cert: ",
            "tls_key: ", "ca_cert: ", "none", "tls_server_name: ", "target: ", "ip://127.0.0.1:8000", "conn_type: ",
            "multiplexed", "pooled", "multiplexed:", "max_vir_conns_per_conn: ", "enable_metrics: ", "pool:", "max_active: ",
            "idle_timeout: ", "max_waiting: ", "callee: ", "ms", "s", "m", "&a ", "*a", "!!binary"})
    @FuzzTest
    void parse(byte[] file) {
        String yaml = new String(file, StandardCharsets.UTF_8);
        RpcConfig config;
        try {
            config = RpcConfig.parse(yaml);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).as("a refusal says why").isNotBlank();
            return;
        }
        // Accepted: the same text is YAML, and every value the loader took is the value written.
        Map<?, ?> root = mapping(new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml));
        Map<?, ?> server = mapping(root.get("server"));
        List<?> services = list(server.get("service"));
        assertThat(config.services()).hasSameSizeAs(services);
        for (int i = 0; i < services.size(); i++) {
            Map<?, ?> raw = mapping(services.get(i));
            ServiceSettings s = config.services().get(i);
            integer(raw.get("port"), s.port(), "port");
            integer(either(raw, server, "max_routines"), s.maxRoutines(), "max_routines");
            integer(either(raw, server, "loops"), s.loops(), "loops");
            integer(either(raw, server, "max_frame_size"), s.maxFrameSize(), "max_frame_size");
            millis(raw.get("timeout"), s.timeout(), "timeout");
            millis(either(raw, server, "idletime"), s.idleTimeout(), "idletime");
        }
        Map<?, ?> client = mapping(root.get("client"));
        List<?> backends = list(client.get("service"));
        assertThat(config.backends()).hasSameSizeAs(backends);
        for (int i = 0; i < backends.size(); i++) {
            Map<?, ?> raw = mapping(backends.get(i));
            BackendSettings b = config.backends().get(i);
            millis(either(raw, client, "timeout"), b.timeout(), "timeout");
            Map<?, ?> mux = mapping(raw.get("multiplexed"));
            integer(mux.get("max_vir_conns_per_conn"), b.multiplexed().maxVirConnsPerConn(), "max_vir_conns_per_conn");
            Map<?, ?> pool = mapping(raw.get("pool"));
            integer(pool.get("max_active"), b.pool().maxActive(), "max_active");
            integer(pool.get("max_waiting"), b.pool().maxWaiting(), "max_waiting");
            millis(pool.get("idle_timeout"), b.pool().idleTimeout(), "idle_timeout");
        }
    }

    /** A key's value in the service's own mapping, else in its section's (the default for all). */
    private static Object either(Map<?, ?> own, Map<?, ?> section, String key) {
        return own.get(key) != null ? own.get(key) : section.get(key);
    }

    /** {@code raw} (if written) was an integer, and the one taken. */
    private static void integer(Object raw, int taken, String key) {
        if (raw == null) {
            return;
        }
        assertThat(raw).as("%s accepted only as a YAML integer, got %s", key, raw).isInstanceOfAny(Integer.class, Long.class, BigInteger.class);
        assertThat(new BigInteger(raw.toString())).as("%s: the value written", key).isEqualTo(BigInteger.valueOf(taken));
    }

    /** A duration (if written) is not negative, and a number was exactly that many milliseconds. */
    private static void millis(Object raw, Duration taken, String key) {
        assertThat(taken.isNegative()).as("%s is not negative: %s from %s", key, taken, raw).isFalse();
        if (raw instanceof Number) {
            assertThat(raw).as("%s in milliseconds is an integer, got %s", key, raw).isInstanceOfAny(Integer.class, Long.class, BigInteger.class);
            assertThat(BigInteger.valueOf(taken.toMillis())).as("%s: the milliseconds written", key).isEqualTo(new BigInteger(raw.toString()));
        }
    }

    private static Map<?, ?> mapping(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }
}
