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

    @Test
    void aCentrifugoMappingTurnsTheProtocolOnWithItsKeyFromAFile() throws Exception {
        Path key = dir.resolve("centrifugo.key");
        Files.writeString(key, "k".repeat(40) + "\n");
        PushCommand c = parse("""
                centrifugo:
                  hmac-secret-file: %s
                  allow-publish: true
                  allow-subscribe: false
                  ping-interval: 10s
                  pong-timeout: 3s
                  allowed-origins: [https://a.example.com, https://b.example.com]
                  max-pending-connects: 300
                """.formatted(key));
        io.throng.websocket.centrifugo.CentrifugoConfig cf = c.centrifugoConfig();
        assertThat(cf.hmacSecret()).hasSize(40); // the final line break is not part of the key
        assertThat(cf.allowPublish()).isTrue();
        assertThat(cf.allowSubscribe()).isFalse();
        assertThat(cf.allowAnonymous()).isFalse();
        assertThat(cf.pingInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cf.pongTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(cf.allowedOrigins()).containsExactly("https://a.example.com", "https://b.example.com");
        assertThat(cf.maxPendingConnects()).isEqualTo(300);
        assertThat(cf.describe()).contains("HS256/384/512 (secret of 40 bytes)").doesNotContain("kkkk");
        assertThat(cf.toString()).doesNotContain("kkkk");

        java.security.KeyPairGenerator rsaGen = java.security.KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        Path pem = dir.resolve("rsa.pem");
        Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder()
                .encodeToString(rsaGen.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        io.throng.websocket.centrifugo.CentrifugoConfig rsaOnly = parse("centrifugo: {rsa-public-key-file: " + pem + "}").centrifugoConfig();
        assertThat(rsaOnly.keys().rsa()).isNotNull();
        assertThat(rsaOnly.describe()).contains("token: RS256/384/512 (RSA 2048 bits)");
        assertThatThrownBy(() -> parse("centrifugo: {ecdsa-public-key-file: " + pem + "}").centrifugoConfig())
                .hasMessageContaining("not an EC public key");
        assertThatThrownBy(() -> parse("centrifugo: {rsa-public-key-file: " + key + "}").centrifugoConfig())
                .hasMessageContaining("not a PEM public key");

        assertThat(cf.apiKey().isSet()).as("no api-key-file: no API").isFalse();
        Path apiKey = dir.resolve("api.key");
        Files.writeString(apiKey, "the-api-key-7y\n");
        io.throng.websocket.centrifugo.CentrifugoConfig withApi = parse("centrifugo: {hmac-secret-file: " + key
                + ", api-key-file: " + apiKey + "}").centrifugoConfig();
        assertThat(withApi.apiKey().matches("the-api-key-7y")).as("the final line break is not part of the key").isTrue();
        assertThat(withApi.describe()).contains("a key of 14 bytes").doesNotContain("the-api-key-7y");
        assertThat(withApi.apiKey().toString()).doesNotContain("the-api-key-7y");

        assertThat(parse("centrifugo: {enabled: false}").centrifugoConfig()).isNull();
        assertThat(parse("port: 1").centrifugoConfig()).isNull();
        assertThat(parse("centrifugo: {allow-anonymous: true}").centrifugoConfig().hmacSecret()).isNull();
    }

    @Test
    void centrifugoHistoryOptions() throws Exception {
        io.throng.websocket.centrifugo.HistoryOptions h = parse("centrifugo: {allow-anonymous: true, history-size: 500,"
                + " history-ttl: 300s, force-recovery: true, allow-history: true, recovery-max-publications: 1000,"
                + " history-meta-ttl: 1h}").centrifugoConfig().history();
        assertThat(h).isEqualTo(new io.throng.websocket.centrifugo.HistoryOptions(500, java.time.Duration.ofSeconds(300),
                java.time.Duration.ofHours(1), true, true, 1000));
        assertThat(parse("centrifugo: {allow-anonymous: true}").centrifugoConfig().history())
                .isEqualTo(io.throng.websocket.centrifugo.HistoryOptions.NONE);
        assertThatThrownBy(() -> parse("centrifugo: {allow-anonymous: true, history-size: 10}").centrifugoConfig())
                .hasMessageContaining("needs a positive history ttl");
        assertThatThrownBy(() -> parse("centrifugo: {allow-anonymous: true, force-recovery: true}").centrifugoConfig())
                .hasMessageContaining("need a history: --centrifugo-history-size N");
    }

    @Test
    void theSdkFileOfTheCentrifugoPage() throws Exception {
        Path sdk = dir.resolve("centrifuge.js");
        Files.writeString(sdk, "globalThis.Centrifuge = class {};\n");
        PushCommand c = parse("centrifugo: {allow-anonymous: true, sdk-file: " + sdk + "}");
        assertThat(c.centrifugoPage(c.centrifugoConfig()).describe()).isEqualTo("file " + sdk + " (34 bytes)");
        assertThat(c.workerArguments(1234, "1s")).containsSequence("--centrifugo-sdk-file", sdk.toAbsolutePath().toString());
        PushCommand cdn = parse("centrifugo: {allow-anonymous: true}");
        assertThat(cdn.centrifugoPage(cdn.centrifugoConfig()).describe()).startsWith("cdn https://cdn.jsdelivr.net/npm/centrifuge@");
        assertThat(cdn.workerArguments(1234, "1s")).doesNotContain("--centrifugo-sdk-file");
        PushCommand off = parse("port: 1", "--centrifugo-sdk-file", sdk.toString());
        assertThatThrownBy(off::centrifugoConfig).hasMessageContaining("--centrifugo-sdk-file is given but --centrifugo is off");
        PushCommand missing = parse("centrifugo: {allow-anonymous: true, sdk-file: " + dir.resolve("nothing.js") + "}");
        assertThatThrownBy(() -> missing.centrifugoPage(missing.centrifugoConfig())).hasMessageContaining("nothing.js: no such file");
    }

    @Test
    void centrifugoMistakesAreNamed() throws Exception {
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret: s3cr3t}"))
                .hasMessageContaining("centrifugo.hmac-secret: the key does not go in the configuration").hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> parse("centrifugo: {hmac_secret_key: s3cr3t}")).hasMessageNotContaining("s3cr3t");
        for (String apiKeyName : new String[] {"api-key", "api_key", "key"}) {
            assertThatThrownBy(() -> parse("centrifugo: {" + apiKeyName + ": s3cr3t}"))
                    .hasMessageContaining("centrifugo." + apiKeyName + ": the API key does not go in the configuration")
                    .hasMessageContaining("api-key-file").hasMessageNotContaining("s3cr3t");
        }
        assertThatThrownBy(() -> parse("centrifugo: {allow-anonymous: true, api-key-env: THRONG_TEST_SURELY_UNSET_VARIABLE}").centrifugoConfig())
                .hasMessageContaining("--centrifugo-api-key-env THRONG_TEST_SURELY_UNSET_VARIABLE: the variable is not set");
        assertThatThrownBy(() -> parse("centrifugo: {allow-anonymous: true, api-key-env: A, api-key-file: /b}").centrifugoConfig())
                .hasMessageContaining("--centrifugo-api-key-file and --centrifugo-api-key-env: give one");
        Path spaced = dir.resolve("spaced.key");
        Files.writeString(spaced, "two words");
        assertThatThrownBy(() -> parse("centrifugo: {allow-anonymous: true, api-key-file: " + spaced + "}").centrifugoConfig())
                .hasMessageContaining("printable ASCII without spaces").hasMessageNotContaining("two words");
        assertThatThrownBy(() -> parse("centrifugo: {enabled: false, api-key-file: " + spaced + "}").centrifugoConfig())
                .hasMessageContaining("a Centrifugo API key is given but --centrifugo is off");
        assertThatThrownBy(() -> parse("centrifugo: {ping: 5s}")).hasMessageContaining("unknown key centrifugo.ping (known: ");
        assertThatThrownBy(() -> parse("centrifugo: {allow-publish: maybe}")).hasMessageContaining("centrifugo.allow-publish must be true or false");
        assertThatThrownBy(() -> parse("centrifugo: {allowed-origins: [[a]]}")).hasMessageContaining("a list of origins");
        assertThatThrownBy(() -> parse("centrifugo: {}").centrifugoConfig())
                .hasMessageContaining("--centrifugo needs a token key");
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret-file: /nonexistent/key}").centrifugoConfig())
                .hasMessageContaining("no such file");
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret-env: THRONG_TEST_SURELY_UNSET_VARIABLE}").centrifugoConfig())
                .hasMessageContaining("THRONG_TEST_SURELY_UNSET_VARIABLE: the variable is not set");
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, "too-short");
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret-file: " + shortKey + "}").centrifugoConfig())
                .hasMessageContaining("the HMAC secret has 9 bytes; HS256 needs at least 32").hasMessageNotContaining("too-short");
        Path key = dir.resolve("good.key");
        Files.writeString(key, "k".repeat(32));
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret-file: " + key + ", ping-interval: 1500ms}").centrifugoConfig())
                .hasMessageContaining("whole seconds");
        assertThatThrownBy(() -> parse("centrifugo: {hmac-secret-file: " + key + ", ping-interval: 5s, pong-timeout: 5s}").centrifugoConfig())
                .hasMessageContaining("must be below the ping interval");
    }
}
