package io.throng.cli.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.bus.BusConfig;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Coverage-guided fuzzing (Jazzer) of {@code throng push --config FILE}: the YAML applied to the
 * command's options, then everything the command reads from them before it starts a server (the
 * engine, WebSocket and bus settings, the durations). Without JAZZER_FUZZ this runs once per seed
 * and kept crash under {@code PushYamlFuzzTestInputs/}; docs/fuzzing.md says how to fuzz.
 *
 * <p>A bad file is refused with an IllegalArgumentException naming the problem; any other
 * exception is a bug. What is accepted must be what was written: an integer option set from a
 * YAML number has exactly that value, and no duration is negative.
 */
// 10 s for one input: SnakeYAML's own limits (50 aliases, 3 MB) keep a parse far below that
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PushYamlFuzzTest {
    private static final Path FILE = Path.of("push.yaml");

    /*
     * One command for every input, its options put back to their initial values by parseArgs
     * before each (picocli resets a reused CommandLine). A new PushCommand and CommandLine per
     * input were 70% of the profile: picocli reads every option's annotations by reflection, and
     * throws and catches some 70 NumberFormatExceptions doing it (its arity parsing). So that
     * the reuse cannot carry one input's settings into the next, every input first checks that
     * each option holds exactly what it holds on a fresh command (INITIAL).
     */
    private static final PushCommand COMMAND = new PushCommand();
    private static final CommandLine COMMAND_LINE = new CommandLine(COMMAND);
    private static final Map<String, Object> INITIAL = freshOptionValues();

    // the format's words, so that mutations build configurations rather than YAML noise (no line
    // breaks: Jazzer writes the entries to libFuzzer's dictionary file unescaped, which then fails to parse)
    @DictionaryEntries({"port: ", "model: ", "prefork", "procs: ", "worker-model: ", "transport: ", "host: ", "loops: ",
            "accept: ", "workers: ", "max-connections: ", "max-message: ", "idle-timeout: ", "handshake-timeout: ",
            "max-handshakes: ", "slow-limit: ", "slow-action: ", "deflate: ", "bus: ", "relay-queue: ",
            "backoff-min: ", "backoff-max: ", "timeout: ", "heartbeat: ", "shutdown-timeout: ", "status-interval: ",
            "duration: ", "reuse-port: ", "bus-hub: ", "redis://127.0.0.1:6379", "nats://127.0.0.1:4222", "ms", "s", "m", "h",
            "true"})
    @FuzzTest
    void apply(byte[] file) {
        String yaml = new String(file, StandardCharsets.UTF_8);
        PushCommand command = COMMAND;
        COMMAND_LINE.parseArgs();
        assertThat(optionValues(command.spec)).as("every option back to its initial value").isEqualTo(INITIAL);
        WebSocketConfig ws;
        BusConfig bus;
        try {
            PushYaml.apply(FILE, yaml, command.spec);
            command.serverConfig();
            ws = command.webSocketConfig();
            bus = command.busConfig();
            for (Duration d : new Duration[] {command.statusInterval(), command.duration(), command.shutdownTimeout(),
                    ws.idleTimeout(), ws.handshakeTimeout(), bus.backoffMin(), bus.backoffMax(), bus.timeout(), bus.heartbeat()}) {
                assertThat(d.isNegative()).as("a duration is not negative: %s", d).isFalse();
            }
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).as("a refusal says why").isNotBlank();
            return;
        }
        // Accepted: each integer option set from a YAML number holds that number.
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        if (!(parsed instanceof Map<?, ?> root)) {
            return;
        }
        for (Map.Entry<?, ?> e : root.entrySet()) {
            OptionSpec option = command.spec.findOption("--" + e.getKey());
            if (option != null && e.getValue() instanceof Number n && (option.type() == int.class || option.type() == Integer.class || option.type() == long.class || option.type() == Long.class)) {
                assertThat(new BigInteger(String.valueOf(option.<Object>getValue())))
                        .as("%s: the number written, %s", e.getKey(), n).isEqualTo(new BigInteger(n.toString()));
            }
        }
    }

    /** The options of a new command after parsing no arguments: what each input started from before. */
    private static Map<String, Object> freshOptionValues() {
        PushCommand fresh = new PushCommand();
        new CommandLine(fresh).parseArgs();
        return optionValues(fresh.spec);
    }

    /** Each option's longest name and its value (every option type here has a value-based equals). */
    private static Map<String, Object> optionValues(CommandSpec spec) {
        Map<String, Object> values = new HashMap<>();
        for (OptionSpec o : spec.options()) {
            values.put(o.longestName(), o.getValue());
        }
        return values;
    }
}
