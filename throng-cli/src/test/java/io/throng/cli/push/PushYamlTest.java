package io.throng.cli.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.websocket.bus.BusConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code throng push --config FILE}: YAML keys set the options, the command line wins, mistakes are named. */
class PushYamlTest {
    @TempDir
    Path dir;

    private PushCommand parse(String yaml, String... args) throws Exception {
        Path file = dir.resolve("push.yaml");
        Files.writeString(file, yaml);
        PushCommand command = new PushCommand();
        CommandLine cl = new CommandLine(command);
        String[] all = new String[args.length + 2];
        all[0] = "--config";
        all[1] = file.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        cl.parseArgs(all);
        PushYaml.apply(file, command.spec);
        return command;
    }

    @Test
    void keysAreTheOptionNamesAndBusIsAUrlOrAMapping() throws Exception {
        PushCommand c = parse("""
                port: 9100
                model: prefork
                procs: 4
                worker-model: single-reactor
                deflate: true
                max-message: 4096
                bus:
                  url: nats://127.0.0.1:4333
                  relay-queue: 1000
                  backoff-min: 50ms
                  backoff-max: 2s
                  timeout: 1s
                  heartbeat: 3s
                """);
        assertThat(c.port).isEqualTo(9100);
        assertThat(c.prefork()).isTrue();
        assertThat(c.procs).isEqualTo(4);
        assertThat(c.workerModel).isEqualTo("single-reactor");
        assertThat(c.deflate).isTrue();
        assertThat(c.maxMessage).isEqualTo(4096);
        BusConfig bus = c.busConfig();
        assertThat(bus.url()).isEqualTo("nats://127.0.0.1:4333");
        assertThat(bus.relayQueue()).isEqualTo(1000);
        assertThat(bus.backoffMin()).isEqualTo(Duration.ofMillis(50));
        assertThat(bus.backoffMax()).isEqualTo(Duration.ofSeconds(2));
        assertThat(bus.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(bus.heartbeat()).isEqualTo(Duration.ofSeconds(3));

        assertThat(parse("bus: redis://10.1.2.3:6380\n").busConfig().url()).isEqualTo("redis://10.1.2.3:6380");
    }

    @Test
    void tlsKeysSetTheTlsOptionsAndTheWorkersGetThem() throws Exception {
        io.throng.testca.TestCa ca = io.throng.testca.TestCa.get();
        PushCommand c = parse("tls-cert: %s\ntls-key: %s\ntls-handshake-timeout: 3s\n".formatted(ca.cert, ca.key));
        var tls = c.serverConfig().tls();
        assertThat(tls).isNotNull();
        assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.workerArguments(1234, "1s")).containsSequence("--tls-cert", ca.cert.toAbsolutePath().toString())
                .containsSequence("--tls-key", ca.key.toAbsolutePath().toString());
        assertThat(parse("port: 9100\n").serverConfig().tls()).isNull();
    }

    @Test
    void theCommandLineWins() throws Exception {
        PushCommand c = parse("port: 9100\nbus: redis://10.1.2.3:6380\n", "--port", "9200", "--bus", "embedded");
        assertThat(c.port).isEqualTo(9200);
        assertThat(c.busConfig().kind()).isEqualTo(BusConfig.Kind.EMBEDDED);
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> parse("prot: 9100\n")).hasMessageContaining("unknown key prot (known: ")
                .hasMessageContaining("port");
        assertThatThrownBy(() -> parse("bus:\n  uri: redis://x:1\n")).hasMessageContaining("unknown key bus.uri (known: backoff-max, backoff-min, heartbeat, relay-queue, timeout, url)");
        assertThatThrownBy(() -> parse("port: eighty\n")).hasMessageContaining("port must be an integer, got eighty");
        assertThatThrownBy(() -> parse("deflate: maybe\n")).hasMessageContaining("deflate must be true or false");
        assertThatThrownBy(() -> parse("bus-hub: /tmp/x\n")).hasMessageContaining("unknown key bus-hub");
        assertThatThrownBy(() -> parse("- a list\n")).hasMessageContaining("must be a YAML mapping");
        assertThatThrownBy(() -> parse("port: [1, 2]\n")).hasMessageContaining("port must be a single value");
        assertThatThrownBy(() -> parse("bus: kafka://x:1\n").busConfig()).hasMessageContaining("unknown bus 'kafka://x:1'");
        assertThatThrownBy(() -> parse("port: {\n")).hasMessageContaining("is not valid YAML");
    }
}
