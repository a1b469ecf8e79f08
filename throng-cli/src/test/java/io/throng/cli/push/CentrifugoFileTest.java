package io.throng.cli.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.ClaimChecks;
import io.throng.websocket.centrifugo.HistoryOptions;
import io.throng.websocket.centrifugo.Namespace;
import io.throng.websocket.centrifugo.PresenceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A Centrifugo v6 configuration file, read under Centrifugo's names; what throng cannot do stops the start. */
class CentrifugoFileTest {
    @TempDir
    Path dir;

    /** The reference's example, with a port and a log section. */
    static final String CONFIG = """
            {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!"},
                       "allowed_origins":["https://app.example.com"],"ping_interval":"20s","channel_limit":64},
             "http_api":{"key":"k1"},
             "http_server":{"port":9123},
             "log":{"level":"debug"},
             "channel":{"without_namespace":{"allow_subscribe_for_client":true},
                        "namespaces":[{"name":"chat","presence":true,"join_leave":true,"history_size":100,
                                       "history_ttl":"300s","force_recovery":true,"allow_subscribe_for_client":true,
                                       "allow_history_for_subscriber":true}]}}
            """;

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void itsNamesBecomeThrongsSettings() throws Exception {
        CentrifugoFile.Result r = CentrifugoFile.read(write("config.json", CONFIG));
        CentrifugoConfig c = r.config();
        assertThat(c.hmacSecret()).isEqualTo("an-hmac-secret-of-at-least-32-bytes!".getBytes());
        assertThat(c.allowedOrigins()).containsExactly("https://app.example.com");
        assertThat(c.pingInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.channelLimit()).isEqualTo(64);
        assertThat(c.allowSubscribe()).isTrue();
        assertThat(c.allowPublish()).as("Centrifugo's default: closed").isFalse();
        assertThat(c.allowAnonymous()).isFalse();
        assertThat(c.apiKey().matches("k1")).isTrue();
        assertThat(c.apiKey().toString()).doesNotContain("k1");
        assertThat(c.namespaces()).containsExactly(new Namespace("chat", true, false,
                new HistoryOptions(100, Duration.ofSeconds(300), HistoryOptions.DEFAULT_META_TTL, true, true, 300),
                new PresenceOptions(true, false, true, false)));
        assertThat(r.port()).isEqualTo(9123);
        assertThat(r.ignored()).containsExactly("log");
        assertThat(c.describe()).doesNotContain("an-hmac-secret").doesNotContain("k1");
    }

    @Test
    void theSameInYaml() throws Exception {
        CentrifugoFile.Result r = CentrifugoFile.read(write("config.yaml", """
                client:
                  allow_anonymous_connect_without_token: true
                channel:
                  namespaces:
                    - name: feed
                      history_size: 10
                      history_ttl: 60s
                """));
        assertThat(r.config().allowAnonymous()).isTrue();
        assertThat(r.config().namespaceOf("feed:x").history().size()).isEqualTo(10);
        assertThat(r.config().namespaceOf("other:x")).isNull();
    }

    @Test
    void theUserIdClaimIsRead() throws Exception {
        Path f = write("config.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!","user_id_claim":"uid"},
                 "subscription_token":{"enabled":true,"hmac_secret_key":"another-secret-of-at-least-32-bytes","user_id_claim":"user_id"}}}
                """);
        CentrifugoConfig c = CentrifugoFile.read(f).config();
        assertThat(c.keys().checks().userIdClaim()).isEqualTo("uid");
        assertThat(c.keys().forSubscriptions().checks().userIdClaim()).isEqualTo("user_id");
        assertThat(c.keys().describe()).contains("user from uid").doesNotContain("an-hmac-secret");
    }

    @Test
    void whatThrongCannotDoStopsTheStartAndIsListed() throws Exception {
        Path f = write("config.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!",
                 "jwks_public_endpoint":"https://x/jwks","user_id_claim":"u-id"},"insecure":true},
                 "engine":{"type":"redis"},
                 "channel":{"namespaces":[{"name":"chat","allow_user_limited_channels":true,"channel_regex":"^a"}]}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(f))
                .hasMessageContaining("client.token: the user id claim 'u-id' is not a claim name")
                .hasMessageContaining("client.token.jwks_public_endpoint")
                .hasMessageContaining("client.insecure: true").hasMessageContaining("engine.type: redis")
                .hasMessageContaining("channel.namespaces[chat].allow_user_limited_channels: true")
                .hasMessageContaining("channel.namespaces[chat].channel_regex")
                .hasMessageNotContaining("an-hmac-secret");
    }

    @Test
    void pushConfigFindsACentrifugoFileByItself() throws Exception {
        Path f = write("config.json", CONFIG);
        PushCommand command = new PushCommand();
        new CommandLine(command).parseArgs("--config", f.toString());
        PushYaml.apply(f, command.spec);
        assertThat(command.spec.findOption("--port").<Integer>getValue()).isEqualTo(9123);
        CentrifugoConfig c = command.centrifugoConfig();
        assertThat(c.namespaces()).extracting(Namespace::name).containsExactly("chat");
        assertThat(command.workerArguments(1234, "1s")).containsSequence("--centrifugo", "--centrifugo-config",
                f.toAbsolutePath().toString());

        PushCommand both = new PushCommand();
        new CommandLine(both).parseArgs("--centrifugo-config", f.toString(), "--centrifugo-allow-publish", "--centrifugo");
        assertThatThrownBy(both::centrifugoConfig).hasMessageContaining("not also with --centrifugo-allow-publish");

        // the page's SDK file is throng's, not a Centrifugo setting: it goes with the file
        Path sdk = write("centrifuge.js", "globalThis.Centrifuge = class {};\n");
        PushCommand withSdk = new PushCommand();
        new CommandLine(withSdk).parseArgs("--centrifugo-config", f.toString(), "--centrifugo", "--centrifugo-sdk-file", sdk.toString());
        assertThat(withSdk.centrifugoPage(withSdk.centrifugoConfig()).describe()).startsWith("file " + sdk);
        assertThat(withSdk.workerArguments(1234, "1s")).containsSequence("--centrifugo-sdk-file", sdk.toAbsolutePath().toString());

        // so is the admission limit: it goes with the file, and to every worker
        PushCommand admission = new PushCommand();
        new CommandLine(admission).parseArgs("--centrifugo-config", f.toString(), "--centrifugo",
                "--centrifugo-max-pending-connects", "77");
        assertThat(admission.centrifugoConfig().maxPendingConnects()).isEqualTo(77);
        assertThat(admission.centrifugoConfig().describe()).contains("max-pending-connects: 77");
        assertThat(admission.workerArguments(1234, "1s")).containsSequence("--centrifugo-max-pending-connects", "77");
        assertThat(command.centrifugoConfig().maxPendingConnects()).isEqualTo(CentrifugoConfig.DEFAULT_MAX_PENDING_CONNECTS);
    }

    @Test
    void historyAndPresenceOptionsReachPreforkWorkers() throws Exception {
        PushCommand command = new PushCommand();
        new CommandLine(command).parseArgs("--centrifugo", "--centrifugo-allow-anonymous", "--centrifugo-history-size", "50",
                "--centrifugo-history-ttl", "30s", "--centrifugo-force-recovery", "--centrifugo-presence", "--centrifugo-join-leave");
        List<String> args = command.workerArguments(1234, "1s");
        assertThat(args).containsSequence("--centrifugo-history-size", "50", "--centrifugo-history-ttl", "30s")
                .contains("--centrifugo-force-recovery", "--centrifugo-presence", "--centrifugo-join-leave")
                .doesNotContain("--centrifugo-allow-history");
        PushCommand worker = new PushCommand();
        new CommandLine(worker).parseArgs(args.subList(args.indexOf("--centrifugo"), args.size()).toArray(String[]::new));
        assertThat(worker.centrifugoConfig()).isEqualTo(command.centrifugoConfig());
    }

    @Test
    void aJwksFileOnTheCommandLineAndForTheWorkers() throws Exception {
        java.security.KeyPairGenerator gen = java.security.KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        java.security.interfaces.RSAPublicKey pub = (java.security.interfaces.RSAPublicKey) gen.generateKeyPair().getPublic();
        Path jwks = write("jwks.json", "{\"keys\":[" + new com.nimbusds.jose.jwk.RSAKey.Builder(pub).keyID("k1").build()
                .toPublicJWK().toJSONString() + "]}");
        PushCommand command = new PushCommand();
        new CommandLine(command).parseArgs("--centrifugo", "--centrifugo-jwks-file", jwks.toString());
        assertThat(command.centrifugoConfig().keys().jwks()).containsOnlyKeys("k1");
        assertThat(command.workerArguments(1234, "1s")).containsSequence("--centrifugo-jwks-file", jwks.toAbsolutePath().toString());
        Path bad = write("bad.json", "{\"keys\":[]}");
        PushCommand refused = new PushCommand();
        new CommandLine(refused).parseArgs("--centrifugo", "--centrifugo-jwks-file", bad.toString());
        assertThatThrownBy(refused::centrifugoConfig).hasMessageContaining("--centrifugo-jwks-file").hasMessageContaining("no keys");
    }

    /** client.token.audience/issuer and their regex variants: read from Centrifugo's file; a value with its regex refused. */
    @Test
    void theTokenAudienceAndIssuerFromCentrifugosFile() throws Exception {
        CentrifugoConfig c = CentrifugoFile.read(write("config.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!","audience":"app",
                 "issuer_regex":"^https://auth\\\\.example/$"}}}
                """)).config();
        assertThat(c.keys().checks()).isEqualTo(new ClaimChecks("app", null, null, "^https://auth\\.example/$"));
        assertThat(c.describe()).contains("claims aud = app, iss ~ /^https://auth\\.example/$/");
        CentrifugoConfig yaml = CentrifugoFile.read(write("config.yaml", """
                client:
                  token:
                    hmac_secret_key: an-hmac-secret-of-at-least-32-bytes!
                    audience_regex: "^app-(?P<env>prod|dev)$"
                    issuer: auth
                """)).config();
        assertThat(yaml.keys().checks()).isEqualTo(new ClaimChecks(null, "^app-(?P<env>prod|dev)$", "auth", null));

        Path both = write("both.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!","audience":"app",
                 "audience_regex":"^app$","issuer_regex":"(("}}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(both)).hasMessageContaining("client.token: both a token audience and an"
                + " audience regex").hasMessageNotContaining("an-hmac-secret");
        Path badRegex = write("bad.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!","issuer_regex":"(("}}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(badRegex)).hasMessageContaining("issuer regex is not a regular expression");
    }

    /**
     * client.subscription_token with enabled: true, Centrifugo's separate key set (and audience and
     * issuer) for subscription tokens; without enabled, its keys would be unused, and stop the start.
     */
    @Test
    void aSeparateKeySetForSubscriptionTokens() throws Exception {
        CentrifugoConfig c = CentrifugoFile.read(write("config.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!","audience":"app"},
                           "subscription_token":{"enabled":true,"hmac_secret_key":"another secret, for subscriptions!!",
                                                 "issuer":"subs"}}}
                """)).config();
        assertThat(c.keys().checks()).isEqualTo(new ClaimChecks("app", null, null, null));
        assertThat(c.keys().subscription()).isEqualTo(io.throng.websocket.centrifugo.TokenKeys.hmac(
                "another secret, for subscriptions!!".getBytes()).withChecks(new ClaimChecks(null, null, "subs", null)));
        assertThat(c.describe()).contains("; subscription tokens: HS256/384/512 (secret of 35 bytes); claims iss = subs")
                .doesNotContain("another secret");
        assertThat(CentrifugoFile.read(write("off.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!"},"subscription_token":{"enabled":false}}}
                """)).config().keys().subscription()).as("off: the connection tokens' keys").isNull();
        Path unused = write("unused.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!"},
                           "subscription_token":{"hmac_secret_key":"another secret, for subscriptions!!","audience":"x"}}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(unused)).hasMessageContaining("client.subscription_token.audience without"
                + " enabled: true").hasMessageContaining("client.subscription_token.hmac_secret_key without enabled")
                .hasMessageNotContaining("another secret");
        Path jwks = write("jwks.json", """
                {"client":{"token":{"hmac_secret_key":"an-hmac-secret-of-at-least-32-bytes!"},
                           "subscription_token":{"enabled":true,"jwks_public_endpoint":"https://x/jwks"}}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(jwks)).hasMessageContaining("client.subscription_token.jwks_public_endpoint")
                .hasMessageContaining("client.subscription_token: enabled without a key");
        Path claimsOnly = write("claims.json", """
                {"client":{"allow_anonymous_connect_without_token":true,"token":{"audience":"app"}}}
                """);
        assertThatThrownBy(() -> CentrifugoFile.read(claimsOnly)).hasMessageContaining("client.token: an audience or issuer, and no key");
    }

    /** The same checks on throng's command line and in its push YAML, passed on to prefork workers. */
    @Test
    void theTokenAudienceAndIssuerOnTheCommandLineInYamlAndForTheWorkers() throws Exception {
        Path key = write("key", "an-hmac-secret-of-at-least-32-bytes!");
        PushCommand command = new PushCommand();
        new CommandLine(command).parseArgs("--centrifugo", "--centrifugo-hmac-secret-file", key.toString(),
                "--centrifugo-token-audience", "app", "--centrifugo-token-issuer-regex", "^auth$");
        CentrifugoConfig c = command.centrifugoConfig();
        assertThat(c.keys().checks()).isEqualTo(new ClaimChecks("app", null, null, "^auth$"));
        List<String> args = command.workerArguments(1234, "1s");
        assertThat(args).containsSequence("--centrifugo-token-audience", "app").containsSequence("--centrifugo-token-issuer-regex", "^auth$")
                .doesNotContain("--centrifugo-token-issuer", "--centrifugo-token-audience-regex");
        PushCommand worker = new PushCommand();
        new CommandLine(worker).parseArgs(args.subList(args.indexOf("--centrifugo"), args.size()).toArray(String[]::new));
        assertThat(worker.centrifugoConfig()).isEqualTo(c);

        Path yaml = write("push.yaml", "centrifugo:\n  hmac-secret-file: " + key + "\n  token-audience-regex: ^app-\n  token-issuer: auth\n");
        PushCommand fromYaml = new PushCommand();
        new CommandLine(fromYaml).parseArgs("--config", yaml.toString());
        PushYaml.apply(yaml, fromYaml.spec);
        assertThat(fromYaml.centrifugoConfig().keys().checks()).isEqualTo(new ClaimChecks(null, "^app-", "auth", null));

        PushCommand both = new PushCommand();
        new CommandLine(both).parseArgs("--centrifugo", "--centrifugo-hmac-secret-file", key.toString(),
                "--centrifugo-token-audience", "app", "--centrifugo-token-audience-regex", "^app$");
        assertThatThrownBy(both::centrifugoConfig).hasMessageContaining("configure one of them");
        PushCommand noKey = new PushCommand();
        new CommandLine(noKey).parseArgs("--centrifugo", "--centrifugo-allow-anonymous", "--centrifugo-token-issuer", "auth");
        assertThatThrownBy(noKey::centrifugoConfig).hasMessageContaining("no token key");
    }

    /** Subscription tokens' own key set and claims on the command line and in the YAML (the file's client.subscription_token). */
    @Test
    void subscriptionTokensOwnKeysOnTheCommandLineInYamlAndForTheWorkers() throws Exception {
        Path key = write("key", "an-hmac-secret-of-at-least-32-bytes!");
        Path subKey = write("sub.key", "another secret, for subscriptions!!\n");
        PushCommand command = new PushCommand();
        new CommandLine(command).parseArgs("--centrifugo", "--centrifugo-hmac-secret-file", key.toString(),
                "--centrifugo-subscription-hmac-secret-file", subKey.toString(), "--centrifugo-subscription-token-issuer", "subs");
        CentrifugoConfig c = command.centrifugoConfig();
        assertThat(c.keys().checks()).isEqualTo(ClaimChecks.NONE);
        assertThat(c.keys().subscription()).isEqualTo(io.throng.websocket.centrifugo.TokenKeys.hmac(
                "another secret, for subscriptions!!".getBytes()).withChecks(new ClaimChecks(null, null, "subs", null)));
        List<String> args = command.workerArguments(1234, "1s");
        assertThat(args).containsSequence("--centrifugo-subscription-hmac-secret-file", subKey.toAbsolutePath().toString())
                .containsSequence("--centrifugo-subscription-token-issuer", "subs");
        assertThat(String.join(" ", args)).doesNotContain("another secret");
        PushCommand worker = new PushCommand();
        new CommandLine(worker).parseArgs(args.subList(args.indexOf("--centrifugo"), args.size()).toArray(String[]::new));
        assertThat(worker.centrifugoConfig()).isEqualTo(c);

        Path yaml = write("push.yaml", "centrifugo:\n  hmac-secret-file: " + key + "\n  subscription-hmac-secret-file: " + subKey
                + "\n  subscription-token-audience: subs\n");
        PushCommand fromYaml = new PushCommand();
        new CommandLine(fromYaml).parseArgs("--config", yaml.toString());
        PushYaml.apply(yaml, fromYaml.spec);
        assertThat(fromYaml.centrifugoConfig().keys().subscription().checks()).isEqualTo(new ClaimChecks("subs", null, null, null));

        PushCommand checksOnly = new PushCommand();
        new CommandLine(checksOnly).parseArgs("--centrifugo", "--centrifugo-hmac-secret-file", key.toString(),
                "--centrifugo-subscription-token-audience", "subs");
        assertThatThrownBy(checksOnly::centrifugoConfig).hasMessageContaining("--centrifugo-subscription-token-audience/-issuer"
                + " check tokens, but no token key is given");
        PushCommand off = new PushCommand();
        new CommandLine(off).parseArgs("--centrifugo-subscription-hmac-secret-file", subKey.toString());
        assertThatThrownBy(off::centrifugoConfig).hasMessageContaining("--centrifugo is off");
        Path inYaml = write("bad.yaml", "centrifugo:\n  hmac-secret-file: " + key + "\n  subscription-hmac-secret: oops-a-key\n");
        PushCommand bad = new PushCommand();
        new CommandLine(bad).parseArgs("--config", inYaml.toString());
        assertThatThrownBy(() -> PushYaml.apply(inYaml, bad.spec)).hasMessageContaining("does not go in the configuration")
                .hasMessageNotContaining("oops-a-key");
    }
}
