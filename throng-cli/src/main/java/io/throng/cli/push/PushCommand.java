package io.throng.cli.push;

import io.throng.bus.Buses;
import io.throng.cli.prefork.ServeCommandAccess;
import io.throng.cli.prefork.Supervisor;
import io.throng.core.config.AcceptMode;
import io.throng.core.config.Limits;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.config.WorkerPoolConfig;
import io.throng.websocket.DeflateConfig;
import io.throng.websocket.SlowSubscriberPolicy;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.HubServer;
import io.throng.websocket.bus.RelayBus;
import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.ClaimChecks;
import io.throng.websocket.centrifugo.TokenKeys;
import io.throng.websocket.push.CentrifugoPage;
import io.throng.websocket.push.PushServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code throng push}: the notification service (WebSocket subscribers, HTTP and binary publishers, a page). */
@Command(name = "push", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the push (notification) service: WebSocket subscribers, HTTP and binary publishing.",
                "One port serves:",
                "  GET /                      a page that subscribes to a channel and shows notifications live",
                "  ws://HOST:PORT/sub/<ch>    a WebSocket subscribed to channel <ch>; send 'subscribe <ch>' / 'unsubscribe <ch>' for more",
                "  POST /pub/<ch>             publishes the body (text if UTF-8, else binary): 200 with the counts when",
                "                             fanned out here, 202 when relayed by a broker, 503 while the bus is down",
                "  GET /stats                 the counters, the bus's included, as JSON",
                "  first byte 0x00            the binary publish protocol (see PublishProtocol), for high rates",
                "  ws://HOST:PORT/connection/websocket  with --centrifugo: Centrifugo's client protocol (JSON),",
                "                             for Centrifugo's SDKs (docs/centrifugo.md)",
                "  GET /centrifugo            with --centrifugo: a page running Centrifugo's JavaScript SDK",
                "Processes and machines share channels through a bus (--bus): prefork",
                "workers by default (the supervisor relays), several nodes through Redis",
                "or NATS (docs/push-bus.md).",
                "Stops gracefully on SIGINT or SIGTERM (subscribers get Close 1001), or after --duration."})
public final class PushCommand implements Callable<Integer>, ServeCommandAccess {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults();
    private static final WebSocketConfig WS = WebSocketConfig.defaults();

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "<file>", description = "a YAML file whose keys are these options' names"
            + " (port: 8973, bus: {url: redis://host:6379}); options given here win")
    Path config;

    @Option(names = "--model", paramLabel = "<model>", description = "virtual-threads, platform-threads, single-reactor,"
            + " multi-reactor, worker-pool, leader-follower, or prefork (--procs worker processes, each running --worker-model)"
            + " (default: multi-reactor)")
    String model = DEFAULTS.model().id();

    @Option(names = "--procs", description = "prefork: worker processes sharing the port (default: ${DEFAULT-VALUE})")
    int procs = 2;

    @Option(names = "--worker-model", paramLabel = "<model>", description = "prefork: the model each worker runs (default: ${DEFAULT-VALUE})")
    String workerModel = DEFAULTS.model().id();

    @Option(names = "--worker-jvm", paramLabel = "<options>", description = "prefork: extra JVM options for the workers, e.g. \"-Xmx1g\"")
    String workerJvm = "";

    @Option(names = "--transport", paramLabel = "<transport>", description = "auto (io_uring where the kernel allows it, else epoll on Linux, else nio), io_uring, epoll or nio (default: ${DEFAULT-VALUE})")
    String transport = DEFAULTS.transport().id();

    @Option(names = "--host", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = DEFAULTS.host();

    @Option(names = "--port", description = "port to bind, 0 for any (default: ${DEFAULT-VALUE})")
    int port = 8973;

    @Option(names = "--loops", description = "event loops for multi-reactor and worker-pool (default: cores = ${DEFAULT-VALUE})")
    int loops = DEFAULTS.loops();

    @Option(names = "--accept", paramLabel = "<mode>", description = "reuseport or acceptor (default: reuseport)")
    String accept = DEFAULTS.acceptMode().id();

    @Option(names = "--workers", description = "worker-pool threads (default: ${DEFAULT-VALUE})")
    int workers = DEFAULTS.workers().threads();

    @Option(names = "--worker-queue", description = "worker-pool queue; when full, accepting pauses (default: ${DEFAULT-VALUE})")
    int workerQueue = DEFAULTS.workers().queueCapacity();

    @Option(names = "--virtual-workers", description = "run the worker pool on virtual threads")
    boolean virtualWorkers;

    @Option(names = "--max-connections", description = "0 for no limit (default: ${DEFAULT-VALUE})")
    int maxConnections = 0;

    @Option(names = "--max-message", description = "largest message in bytes, published or received (default: ${DEFAULT-VALUE})")
    int maxMessage = WS.maxMessageBytes();

    @Option(names = "--idle-timeout", paramLabel = "<duration>", description = "close (1001) a subscriber silent this long; pings at half of it; 0 for never (default: 120s)")
    String idleTimeout = "120s";

    @Option(names = "--handshake-timeout", paramLabel = "<duration>", description = "a connection must send its complete upgrade request (or publish greeting) within this; else 408, or a silent close if it sent nothing (default: 10s)")
    String handshakeTimeout = "10s";

    @Option(names = "--max-handshakes", description = "connections accepted and not yet upgraded; past it a newcomer evicts the oldest (408 if its request is still incomplete 200 ms later: slow heads go, a slowloris cannot shut others out), 503 only if every one is a body being answered (default: ${DEFAULT-VALUE})")
    int maxHandshakes = WS.maxHandshakesInFlight();

    @Option(names = "--slow-limit", description = "bytes a subscriber may have queued before the slow-subscriber action (default: ${DEFAULT-VALUE})")
    long slowLimit = WS.slowSubscribers().maxQueuedBytes();

    @Option(names = "--slow-action", description = "drop (the message, for that subscriber) or close (the subscriber, with 1008) (default: ${DEFAULT-VALUE})")
    String slowAction = "drop";

    @Option(names = "--deflate", description = "offer permessage-deflate (no context takeover: no zlib memory per idle connection)")
    boolean deflate;

    @Option(names = "--bus", paramLabel = "<bus>", description = "embedded (in-process; under prefork the supervisor relays"
            + " between the workers), redis://HOST:PORT or nats://HOST:PORT for several nodes (default: ${DEFAULT-VALUE})")
    String bus = "embedded";

    @Option(names = "--bus-queue", paramLabel = "<messages>", description = "publishes waiting for the bus link at most; past it 503 (default: ${DEFAULT-VALUE})")
    int busQueue = BusConfig.DEFAULT_RELAY_QUEUE;

    @Option(names = "--bus-backoff-min", paramLabel = "<duration>", description = "first wait before reconnecting to the broker; doubles (default: 100ms)")
    String busBackoffMin = "100ms";

    @Option(names = "--bus-backoff-max", paramLabel = "<duration>", description = "longest wait between reconnection attempts (default: 5s)")
    String busBackoffMax = "5s";

    @Option(names = "--bus-timeout", paramLabel = "<duration>", description = "connecting to the broker and waiting for its acknowledgements (default: 2s)")
    String busTimeout = "2s";

    @Option(names = "--bus-heartbeat", paramLabel = "<duration>", description = "an idle bus link checks the broker this often (default: 2s)")
    String busHeartbeat = "2s";

    @Option(names = "--centrifugo", description = "also serve Centrifugo's client protocol (JSON) on /connection/websocket,"
            + " for Centrifugo's SDKs (docs/centrifugo.md)")
    boolean centrifugo;

    @Option(names = "--centrifugo-config", paramLabel = "<file>", description = "a Centrifugo v6 configuration file"
            + " (JSON or YAML) to take the Centrifugo settings from, under Centrifugo's names; --config finds one by itself")
    Path centrifugoFile;

    /** What {@link #centrifugoConfig()} read from {@link #centrifugoFile}, for the start lines. */
    private CentrifugoFile.Result centrifugoFileResult;

    @Option(names = "--centrifugo-hmac-secret-file", paramLabel = "<file>", description = "the HS256 key of connection"
            + " tokens: this file's content (a final line break dropped); at least 32 bytes")
    Path centrifugoSecretFile;

    @Option(names = "--centrifugo-hmac-secret-env", paramLabel = "<variable>", description = "the HS256 key of connection"
            + " tokens: this environment variable's value (never give the secret itself on the command line)")
    String centrifugoSecretEnv;

    @Option(names = "--centrifugo-api-key-file", paramLabel = "<file>", description = "the key of Centrifugo's server HTTP"
            + " API (POST /api/<method>), which then guards POST /pub too: this file's content (a final line break dropped)")
    Path centrifugoApiKeyFile;

    @Option(names = "--centrifugo-api-key-env", paramLabel = "<variable>", description = "the key of Centrifugo's server"
            + " HTTP API: this environment variable's value (never give the key itself on the command line)")
    String centrifugoApiKeyEnv;

    @Option(names = "--centrifugo-rsa-public-key-file", paramLabel = "<file>", description = "the RS256/384/512 key of"
            + " connection tokens: a PEM public key (BEGIN PUBLIC KEY)")
    Path centrifugoRsaKeyFile;

    @Option(names = "--centrifugo-ecdsa-public-key-file", paramLabel = "<file>", description = "the ES256/384/512 key of"
            + " connection tokens: a PEM public key (BEGIN PUBLIC KEY)")
    Path centrifugoEcdsaKeyFile;

    @Option(names = "--centrifugo-jwks-file", paramLabel = "<file>", description = "a JWKS (RFC 7517) of RSA and EC public"
            + " keys that RS/ES tokens name by kid; replaces the RSA and ECDSA key files")
    Path centrifugoJwksFile;

    @Option(names = "--centrifugo-token-audience", paramLabel = "<aud>", description = "connection and subscription tokens"
            + " must name this audience in aud (Centrifugo's client.token.audience); else invalid (3500, or 103 on subscribe)")
    String centrifugoAudience;

    @Option(names = "--centrifugo-token-audience-regex", paramLabel = "<regex>", description = "one of the tokens' aud values"
            + " must contain a match (client.token.audience_regex; anchor with ^...$ for the whole)")
    String centrifugoAudienceRegex;

    @Option(names = "--centrifugo-token-issuer", paramLabel = "<iss>", description = "tokens must have this iss"
            + " (client.token.issuer)")
    String centrifugoIssuer;

    @Option(names = "--centrifugo-token-issuer-regex", paramLabel = "<regex>", description = "the tokens' iss must contain a"
            + " match (client.token.issuer_regex)")
    String centrifugoIssuerRegex;

    @Option(names = "--centrifugo-token-user-id-claim", paramLabel = "<claim>", description = "the claim the user comes"
            + " from instead of sub (client.token.user_id_claim; letters and underscores)")
    String centrifugoUserIdClaim;

    @Option(names = "--centrifugo-subscription-hmac-secret-file", paramLabel = "<file>", description = "subscription tokens"
            + " get their own key set (Centrifugo's client.subscription_token), checked instead of the connection tokens' keys"
            + " and audience/issuer: their HS256 key, this file's content")
    Path centrifugoSubSecretFile;

    @Option(names = "--centrifugo-subscription-hmac-secret-env", paramLabel = "<variable>", description = "the same key from"
            + " this environment variable")
    String centrifugoSubSecretEnv;

    @Option(names = "--centrifugo-subscription-rsa-public-key-file", paramLabel = "<file>", description = "subscription"
            + " tokens' own RS256/384/512 key (PEM)")
    Path centrifugoSubRsaKeyFile;

    @Option(names = "--centrifugo-subscription-ecdsa-public-key-file", paramLabel = "<file>", description = "subscription"
            + " tokens' own ES256/384/512 key (PEM)")
    Path centrifugoSubEcdsaKeyFile;

    @Option(names = "--centrifugo-subscription-jwks-file", paramLabel = "<file>", description = "subscription tokens' own JWKS")
    Path centrifugoSubJwksFile;

    @Option(names = "--centrifugo-subscription-token-audience", paramLabel = "<aud>", description = "the audience"
            + " subscription tokens must name, with their own key set")
    String centrifugoSubAudience;

    @Option(names = "--centrifugo-subscription-token-audience-regex", paramLabel = "<regex>", description = "the same as a regex")
    String centrifugoSubAudienceRegex;

    @Option(names = "--centrifugo-subscription-token-issuer", paramLabel = "<iss>", description = "the issuer subscription"
            + " tokens must have, with their own key set")
    String centrifugoSubIssuer;

    @Option(names = "--centrifugo-subscription-token-issuer-regex", paramLabel = "<regex>", description = "the same as a regex")
    String centrifugoSubIssuerRegex;

    @Option(names = "--centrifugo-subscription-token-user-id-claim", paramLabel = "<claim>", description = "the claim"
            + " subscription tokens' user comes from, with their own key set (client.subscription_token.user_id_claim)")
    String centrifugoSubUserIdClaim;

    @Option(names = "--centrifugo-allow-anonymous", description = "accept connections without a token (user \"\")")
    boolean centrifugoAnonymous;

    @Option(names = "--centrifugo-allow-subscribe", arity = "1", paramLabel = "<true|false>",
            description = "connected clients may subscribe to any channel (default: ${DEFAULT-VALUE})")
    boolean centrifugoSubscribe = true;

    @Option(names = "--centrifugo-allow-publish", description = "connected clients may publish")
    boolean centrifugoPublish;

    @Option(names = "--centrifugo-ping-interval", paramLabel = "<duration>", description = "the server's ping to every"
            + " client, whole seconds; 0 for none (default: 25s)")
    String centrifugoPingInterval = "25s";

    @Option(names = "--centrifugo-pong-timeout", paramLabel = "<duration>", description = "a client's pong must come"
            + " within this after a ping, else close 3012 (default: 8s)")
    String centrifugoPongTimeout = "8s";

    @Option(names = "--centrifugo-allowed-origins", paramLabel = "<origins>", description = "Origin header values"
            + " accepted at the upgrade, comma-separated, * for any (default: none: only requests without Origin)")
    String centrifugoOrigins = "";

    @Option(names = "--centrifugo-history-size", paramLabel = "<n>", description = "publications each channel keeps for"
            + " recovery and the history command; 0 for no history (default: 0)")
    int centrifugoHistorySize;

    @Option(names = "--centrifugo-history-ttl", paramLabel = "<duration>", description = "how long a publication is kept;"
            + " needed with a history size (default: none)")
    String centrifugoHistoryTtl = "0s";

    @Option(names = "--centrifugo-history-meta-ttl", paramLabel = "<duration>", description = "how long a channel's position"
            + " (epoch, offset) outlives its last publication (default: 720h)")
    String centrifugoHistoryMetaTtl = "720h";

    @Option(names = "--centrifugo-force-recovery", description = "every subscription to a channel with history is"
            + " recoverable, whether the client asks or not")
    boolean centrifugoForceRecovery;

    @Option(names = "--centrifugo-allow-history", description = "subscribers of a channel may read its history")
    boolean centrifugoAllowHistory;

    @Option(names = "--centrifugo-recovery-max-publications", paramLabel = "<n>", description = "the most publications one"
            + " recovery brings; a client further behind is told it was not recovered (default: 300)")
    int centrifugoRecoveryMax = io.throng.websocket.centrifugo.HistoryOptions.DEFAULT_RECOVERY_MAX;

    @Option(names = "--centrifugo-presence", description = "the presence and presence_stats commands answer (this node's subscribers)")
    boolean centrifugoPresence;

    @Option(names = "--centrifugo-allow-presence", description = "subscribers of a channel may ask for its presence")
    boolean centrifugoAllowPresence;

    @Option(names = "--centrifugo-join-leave", description = "subscribes and unsubscribes are pushed as join and leave"
            + " to the subscribers that ask for them")
    boolean centrifugoJoinLeave;

    @Option(names = "--centrifugo-force-push-join-leave", description = "join and leave go to every subscriber")
    boolean centrifugoForcePushJoinLeave;

    @Option(names = "--centrifugo-max-pending-connects", paramLabel = "<n>", description = "upgrades are refused (503,"
            + " which the SDKs retry with their back-off) while this many connections of the process have not sent their"
            + " connect; throng's own setting, also with --centrifugo-config (default: ${DEFAULT-VALUE})")
    int centrifugoMaxPendingConnects = CentrifugoConfig.DEFAULT_MAX_PENDING_CONNECTS;

    @Option(names = "--centrifugo-sdk-file", paramLabel = "<file>", description = "the page at /centrifugo loads Centrifugo's"
            + " JavaScript SDK from this server, which serves this file (dist/centrifuge.js of the npm package centrifuge);"
            + " without it the page loads centrifuge " + CentrifugoPage.SDK_VERSION + " from cdn.jsdelivr.net, pinned by its hash")
    Path centrifugoSdkFile;

    @Option(names = "--shutdown-timeout", paramLabel = "<duration>", description = "how long a graceful stop may take (default: 10s)")
    String shutdownTimeout = "10s";

    @Option(names = "--status-interval", paramLabel = "<duration>", description = "time between status lines; 0 for none (default: 5s)")
    String statusInterval = "5s";

    @Option(names = "--duration", paramLabel = "<duration>", description = "stop by itself after this long; 0 to run until a signal (default: 0)")
    String duration = "0";

    @Option(names = "--reuse-port", hidden = true, description = "set SO_REUSEPORT (prefork workers)")
    boolean reusePort;

    @Option(names = "--status-format", hidden = true, description = "human or json (prefork workers report in json)")
    String statusFormat = "human";

    @Option(names = "--exit-on-stdin-close", hidden = true, description = "stop when stdin closes (a prefork worker whose supervisor died)")
    boolean exitOnStdinClose;

    @Option(names = "--bus-hub", hidden = true, description = "the prefork supervisor's bus hub socket (workers)")
    Path busHub;

    private volatile HubServer hub;
    private Path hubDirectory;
    private HubRates hubRates;

    boolean prefork() {
        return "prefork".equalsIgnoreCase(model);
    }

    @picocli.CommandLine.Mixin
    io.throng.cli.tls.TlsOptions tls = new io.throng.cli.tls.TlsOptions();

    @picocli.CommandLine.Mixin
    io.throng.cli.admin.AdminOptions admin = new io.throng.cli.admin.AdminOptions();

    ServerConfig serverConfig() {
        return serverConfig(model);
    }

    private ServerConfig serverConfig(String modelText) {
        Model m = Model.parse(modelText);
        return DEFAULTS.withHost(host).withPort(port).withModel(m).withTransport(TransportKind.parse(transport)).withLoops(loops).withAcceptMode(AcceptMode.parse(accept))
                .withWorkers(new WorkerPoolConfig(workers, workerQueue, virtualWorkers))
                .withLimits(Limits.DEFAULT.withMaxConnections(maxConnections)
                        .withMaxInboundBytes(Math.max(Limits.DEFAULT.maxInboundBytes(), maxMessage + 1024)))
                .withSocket(DEFAULTS.socket().withReusePort(reusePort))
                .withShutdownTimeout(Durations.parse(shutdownTimeout))
                .withTls(tls.config());
    }

    WebSocketConfig webSocketConfig() {
        return WS.withMaxMessageBytes(maxMessage).withIdleTimeout(Durations.parse(idleTimeout))
                .withHandshakeTimeout(Durations.parse(handshakeTimeout))
                .withMaxHandshakesInFlight(maxHandshakes)
                .withSlowSubscribers(new SlowSubscriberPolicy(slowLimit, SlowSubscriberPolicy.parseAction(slowAction)))
                .withDeflate(deflate ? DeflateConfig.ENABLED : DeflateConfig.DISABLED);
    }

    BusConfig busConfig() {
        BusConfig b = BusConfig.parse(bus).withRelayQueue(busQueue)
                .withBackoff(Durations.parse(busBackoffMin), Durations.parse(busBackoffMax))
                .withTimeout(Durations.parse(busTimeout)).withHeartbeat(Durations.parse(busHeartbeat));
        if (busHub != null) {
            if (b.kind() != BusConfig.Kind.EMBEDDED) {
                throw new IllegalArgumentException("--bus-hub belongs to the embedded bus, not " + b.url());
            }
            b = b.withHub(busHub);
        }
        return b;
    }

    /** The Centrifugo protocol's settings, or null when it is off. The secret is read here, never printed. */
    CentrifugoConfig centrifugoConfig() throws IOException {
        if (centrifugoFile != null) {
            List<String> also = new ArrayList<>();
            var given = spec.commandLine().getParseResult();
            for (picocli.CommandLine.Model.OptionSpec o : spec.options()) {
                // the SDK file and the admission limit are throng's own, not Centrifugo settings: they go with either
                if (o.longestName().startsWith("--centrifugo-") && !o.longestName().equals("--centrifugo-config")
                        && !o.longestName().equals("--centrifugo-sdk-file")
                        && !o.longestName().equals("--centrifugo-max-pending-connects")
                        && given != null && given.hasMatchedOption(o)) {
                    also.add(o.longestName());
                }
            }
            if (!also.isEmpty()) {
                throw new IllegalArgumentException("--centrifugo-config " + centrifugoFile + " gives the Centrifugo settings;"
                        + " set them in the file, not also with " + String.join(", ", also));
            }
            centrifugoFileResult = CentrifugoFile.read(centrifugoFile);
            return centrifugoFileResult.config().withMaxPendingConnects(centrifugoMaxPendingConnects);
        }
        if (!centrifugo) {
            if (centrifugoSecretFile != null || centrifugoSecretEnv != null || centrifugoRsaKeyFile != null
                    || centrifugoEcdsaKeyFile != null || centrifugoJwksFile != null || subscriptionKeysGiven()) {
                throw new IllegalArgumentException("a Centrifugo token key is given but --centrifugo is off");
            }
            if (centrifugoApiKeyFile != null || centrifugoApiKeyEnv != null) {
                throw new IllegalArgumentException("a Centrifugo API key is given but --centrifugo is off");
            }
            if (centrifugoSdkFile != null) {
                throw new IllegalArgumentException("--centrifugo-sdk-file is given but --centrifugo is off (the page is"
                        + " served with the protocol)");
            }
            return null;
        }
        byte[] secret = secret("--centrifugo-hmac-secret", centrifugoSecretFile, centrifugoSecretEnv);
        byte[] apiKeyBytes = secret("--centrifugo-api-key", centrifugoApiKeyFile, centrifugoApiKeyEnv);
        ApiKey apiKey;
        try {
            apiKey = apiKeyBytes == null ? ApiKey.NONE : ApiKey.of(apiKeyBytes);
        } finally {
            if (apiKeyBytes != null) {
                java.util.Arrays.fill(apiKeyBytes, (byte) 0); // ApiKey keeps only its digest
            }
        }
        TokenKeys keys = tokenKeys("--centrifugo-", secret, centrifugoRsaKeyFile, centrifugoEcdsaKeyFile, centrifugoJwksFile,
                new ClaimChecks(centrifugoAudience, centrifugoAudienceRegex, centrifugoIssuer, centrifugoIssuerRegex,
                        centrifugoUserIdClaim));
        if (subscriptionKeysGiven()) {
            // Centrifugo's client.subscription_token: subscription tokens checked with these, and these only
            TokenKeys sub = tokenKeys("--centrifugo-subscription-", secret("--centrifugo-subscription-hmac-secret",
                            centrifugoSubSecretFile, centrifugoSubSecretEnv), centrifugoSubRsaKeyFile, centrifugoSubEcdsaKeyFile,
                    centrifugoSubJwksFile, new ClaimChecks(centrifugoSubAudience, centrifugoSubAudienceRegex, centrifugoSubIssuer,
                            centrifugoSubIssuerRegex, centrifugoSubUserIdClaim));
            if (sub.isEmpty()) {
                throw new IllegalArgumentException("--centrifugo-subscription-... options give subscription tokens their own"
                        + " checks, but no key of their own (--centrifugo-subscription-hmac-secret-file or -env,"
                        + " --centrifugo-subscription-rsa-public-key-file, -ecdsa-public-key-file, -jwks-file)");
            }
            keys = keys.withSubscription(sub);
        }
        if (keys.isEmpty() && !centrifugoAnonymous) {
            throw new IllegalArgumentException("--centrifugo needs a token key (--centrifugo-hmac-secret-file or -env,"
                    + " --centrifugo-rsa-public-key-file, --centrifugo-ecdsa-public-key-file, --centrifugo-jwks-file), or"
                    + " --centrifugo-allow-anonymous");
        }
        List<String> origins = new ArrayList<>();
        for (String o : centrifugoOrigins.split(",")) {
            if (!o.isBlank()) {
                origins.add(o.strip());
            }
        }
        return CentrifugoConfig.of(keys, centrifugoAnonymous).withAllowSubscribe(centrifugoSubscribe)
                .withAllowPublish(centrifugoPublish)
                .withPing(Durations.parse(centrifugoPingInterval), Durations.parse(centrifugoPongTimeout))
                .withAllowedOrigins(origins)
                .withHistory(historyOptions())
                .withPresence(new io.throng.websocket.centrifugo.PresenceOptions(centrifugoPresence, centrifugoAllowPresence,
                        centrifugoJoinLeave, centrifugoForcePushJoinLeave))
                .withApiKey(apiKey)
                .withMaxPendingConnects(centrifugoMaxPendingConnects);
    }

    /** The page at /centrifugo, with the SDK from {@link #centrifugoSdkFile} or the CDN; null when the protocol is off. */
    CentrifugoPage centrifugoPage(CentrifugoConfig centrifugoConfig) throws IOException {
        if (centrifugoConfig == null) {
            return null;
        }
        if (centrifugoSdkFile == null) {
            return CentrifugoPage.fromCdn();
        }
        if (!Files.isRegularFile(centrifugoSdkFile)) {
            throw new IllegalArgumentException("--centrifugo-sdk-file " + centrifugoSdkFile + ": no such file");
        }
        try {
            return CentrifugoPage.withSdkFile(centrifugoSdkFile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--centrifugo-sdk-file: " + e.getMessage());
        }
    }

    /**
     * A secret from {@code file} (its content, a final line break dropped) or the environment
     * variable {@code env}, at most one of them; null for neither. {@code option} names both options
     * in errors ({@code option}-file, -env); the errors never show the secret.
     */
    private static byte[] secret(String option, Path file, String env) throws IOException {
        if (file != null && env != null) {
            throw new IllegalArgumentException(option + "-file and " + option + "-env: give one");
        }
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(option + "-file " + file + ": no such file");
            }
            return withoutFinalLineBreak(Files.readAllBytes(file));
        }
        if (env != null) {
            String v = System.getenv(env);
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException(option + "-env " + env + ": the variable is not set");
            }
            return v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return null;
    }

    private io.throng.websocket.centrifugo.HistoryOptions historyOptions() {
        Duration ttl = Durations.parse(centrifugoHistoryTtl);
        if (centrifugoHistorySize == 0) {
            if (!ttl.isZero() || centrifugoForceRecovery || centrifugoAllowHistory) {
                throw new IllegalArgumentException("--centrifugo-history-ttl, --centrifugo-force-recovery and"
                        + " --centrifugo-allow-history need a history: --centrifugo-history-size N");
            }
            return io.throng.websocket.centrifugo.HistoryOptions.NONE;
        }
        return new io.throng.websocket.centrifugo.HistoryOptions(centrifugoHistorySize, ttl,
                Durations.parse(centrifugoHistoryMetaTtl), centrifugoForceRecovery, centrifugoAllowHistory, centrifugoRecoveryMax);
    }

    /**
     * The keys and claim checks of one kind of token from its options ({@code prefix}:
     * "--centrifugo-" for connection tokens, whose keys check subscription tokens too unless
     * "--centrifugo-subscription-" ones are given).
     */
    private static TokenKeys tokenKeys(String prefix, byte[] secret, Path rsa, Path ecdsa, Path jwks, ClaimChecks checks)
            throws IOException {
        TokenKeys keys = new TokenKeys(secret, null, null);
        if (rsa != null) {
            keys = keys.withRsa(TokenKeys.rsaFromPem(readKeyFile(prefix + "rsa-public-key-file", rsa)));
        }
        if (ecdsa != null) {
            keys = keys.withEcdsa(TokenKeys.ecdsaFromPem(readKeyFile(prefix + "ecdsa-public-key-file", ecdsa)));
        }
        if (jwks != null) {
            try {
                keys = keys.withJwks(TokenKeys.jwksFrom(readKeyFile(prefix + "jwks-file", jwks)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(prefix + "jwks-file " + jwks + ": " + e.getMessage());
            }
        }
        if (!checks.isEmpty() && keys.isEmpty()) {
            throw new IllegalArgumentException(prefix + "token-audience/-issuer check tokens, but no token key is given");
        }
        return keys.withChecks(checks);
    }

    /** Whether any option of subscription tokens' own key set is given. */
    private boolean subscriptionKeysGiven() {
        return centrifugoSubSecretFile != null || centrifugoSubSecretEnv != null || centrifugoSubRsaKeyFile != null
                || centrifugoSubEcdsaKeyFile != null || centrifugoSubJwksFile != null || centrifugoSubAudience != null
                || centrifugoSubAudienceRegex != null || centrifugoSubIssuer != null || centrifugoSubIssuerRegex != null
                || centrifugoSubUserIdClaim != null;
    }

    private static String absolute(Path file) {
        return file == null ? null : file.toAbsolutePath().toString();
    }

    private static String readKeyFile(String option, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + " " + file + ": no such file");
        }
        try {
            return Files.readString(file);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(option + " " + file + ": not a PEM text file");
        }
    }

    private static byte[] withoutFinalLineBreak(byte[] b) {
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
        }
        return java.util.Arrays.copyOf(b, n);
    }

    @Override
    public Integer call() throws Exception {
        if (config != null) {
            PushYaml.apply(config, spec);
        }
        if (prefork()) {
            return supervise();
        }
        PrintStream out = System.out;
        ServerConfig config = serverConfig();
        WebSocketConfig ws = webSocketConfig();
        BusConfig busConfig = busConfig();
        Duration stopAfter = Durations.parse(duration);
        Duration interval = Durations.parse(statusInterval);
        admin.check();
        CentrifugoConfig centrifugoConfig = centrifugoConfig();
        CentrifugoPage centrifugoPage = centrifugoPage(centrifugoConfig);
        String describe = config.describe() + ws.describe() + busConfig.describe()
                + (centrifugoConfig == null ? "" : centrifugoConfig.describe() + "  sdk-page: " + CentrifugoPage.PATH + ", SDK from "
                        + centrifugoPage.describe() + "\n")
                + (centrifugoFileResult == null ? "" : "  from: " + centrifugoFile + " (Centrifugo's configuration)"
                        + (centrifugoFileResult.ignored().isEmpty() ? "" : "; left aside, as they change nothing for clients: "
                        + String.join(", ", centrifugoFileResult.ignored())) + "\n");
        out.print(describe);
        out.flush();
        PushServer push = PushServer.start(config, ws, local -> Buses.open(busConfig, local, maxMessage), centrifugoConfig,
                centrifugoPage);
        Bus b = push.bus();
        if (b instanceof RelayBus relay) {
            if (relay.awaitUp(busConfig.timeout())) {
                out.println("bus " + b.name() + ": up" + (busHub == null ? "" : " (the prefork hub at " + busHub + ")"));
            } else {
                out.println("bus " + b.name() + ": not reachable yet (" + b.stats().problem()
                        + "); publishes get 503 until it is, and the node keeps trying");
            }
        }
        String at = push.address().getHostString() + ":" + push.port();
        out.println("throng push on " + at + " (" + config.model() + ", bus " + b.name() + ", pid "
                + ProcessHandle.current().pid() + ")");
        String http = tls.scheme("http");
        out.println("  page:       " + http + "://" + at + "/");
        out.println("  subscribe:  " + tls.scheme("ws") + "://" + at + "/sub/<channel>");
        out.println("  publish:    curl -d 'hello' " + http + "://" + at + "/pub/<channel>");
        if (centrifugoConfig != null) {
            out.println("  centrifugo: " + tls.scheme("ws") + "://" + at + PushServer.CENTRIFUGO_PATH + " (Centrifugo's SDKs)");
            out.println("  sdk page:   " + http + "://" + at + CentrifugoPage.PATH + " (its origin must be in the allowed origins)");
        }
        io.throng.cli.admin.AdminOptions.Running adminPort;
        try {
            List<io.micrometer.core.instrument.binder.MeterBinder> meters = new ArrayList<>(List.of(
                    io.throng.metrics.ServerMeters.of(push.webSocketServer().engine()), io.throng.metrics.PushMeters.of(push),
                    io.throng.metrics.BusMeters.of(push)));
            if (push.centrifugo() != null) {
                meters.add(io.throng.metrics.CentrifugoMeters.of(push));
            }
            adminPort = admin.startWithDump(out, describe, n -> pushDump(push, n),
                    meters.toArray(io.micrometer.core.instrument.binder.MeterBinder[]::new));
        } catch (IOException | RuntimeException e) {
            push.shutdown(Duration.ZERO);
            throw e;
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = config.shutdownTimeout();
        Thread hook = new Thread(() -> {
            out.println("stopping: subscribers get Close 1001; draining for up to " + grace.toSeconds() + "s");
            boolean clean = push.shutdown(grace);
            if (adminPort != null) {
                adminPort.close(); // after the drain, so that it can be watched
            }
            out.println(clean ? "stopped: every connection closed cleanly" : "stopped: timeout reached, the rest were closed");
            out.flush();
            stopped.countDown();
        }, "throng-push-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (exitOnStdinClose) {
            Thread.ofPlatform().daemon(true).name("throng-stdin-watch").start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // only the end matters
                    }
                } catch (IOException ignored) {
                    // the supervisor is gone either way
                }
                stopped.countDown();
            });
        }
        PushStatus status = new PushStatus(push);
        boolean json = "json".equals(statusFormat);
        long deadline = stopAfter.isZero() ? Long.MAX_VALUE : System.nanoTime() + stopAfter.toNanos();
        long every = interval.isZero() ? 1000 : interval.toMillis();
        while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
            if (stopped.await(Math.min(every, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                break;
            }
            push.webSocketServer().engine().trimBuffers();
            if (!interval.isZero()) {
                out.println(json ? status.json() : status.next());
                out.flush();
            }
        }
        if (!stoppedByHook(hook)) {
            hook.run(); // --duration elapsed, or the supervisor went away: stop as a signal would
        }
        return 0;
    }

    /** True if the shutdown hook is running or has run (a signal); otherwise it is removed. */
    private static boolean stoppedByHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
            return false;
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
    }

    // ================================================================ prefork

    private int supervise() throws Exception {
        if ("prefork".equalsIgnoreCase(workerModel)) {
            throw new IllegalArgumentException("--worker-model cannot be prefork");
        }
        Model.parse(workerModel); // fail here, not in every worker
        admin.check();
        if (busHub != null) {
            throw new IllegalArgumentException("--bus-hub is for prefork workers, not for the supervisor");
        }
        BusConfig busConfig = busConfig(); // fail here too
        WebSocketConfig ws = webSocketConfig();
        centrifugoPage(centrifugoConfig()); // and here: a missing key file or variable, or SDK file
        if (busConfig.kind() == BusConfig.Kind.EMBEDDED) {
            hubDirectory = Files.createTempDirectory("throng-push-");
            hub = HubServer.start(hubDirectory.resolve("hub.sock"), ws.maxMessageBytes(), busQueue);
            hubRates = new HubRates();
            System.out.println("prefork: bus hub on " + hub.socket() + " (the workers relay through it)");
        }
        try {
            return new Supervisor(this).run();
        } finally {
            afterStop();
        }
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public int procs() {
        return procs;
    }

    @Override
    public String workerModel() {
        return workerModel;
    }

    @Override
    public String workerJvm() {
        return workerJvm;
    }

    @Override
    public String handler() {
        return "push";
    }

    @Override
    public Duration statusInterval() {
        return Durations.parse(statusInterval);
    }

    @Override
    public Duration duration() {
        return Durations.parse(duration);
    }

    @Override
    public Duration shutdownTimeout() {
        return Durations.parse(shutdownTimeout);
    }

    @Override
    public io.throng.cli.admin.AdminOptions admin() {
        return admin.enabled() ? admin : null;
    }

    /** Under prefork: the supervisor's settings, then each worker's server, WebSocket and bus as it prints them. */
    @Override
    public String describe(int workerPort) {
        return "prefork\n  procs: " + procs + "\n  worker-model: " + workerModel + "\n  worker-jvm: "
                + (workerJvm.isBlank() ? "(none)" : workerJvm.strip()) + "\n  status-interval: " + statusInterval + "\n"
                + serverConfig(workerModel).withPort(workerPort).withSocket(DEFAULTS.socket().withReusePort(true)).describe()
                + webSocketConfig().describe() + busConfig().describe();
    }

    @Override
    public boolean push() {
        return true;
    }

    @Override
    public List<io.micrometer.core.instrument.binder.MeterBinder> supervisorMeters() {
        return hub == null ? List.of() : List.of(new HubMeters(() -> {
            HubServer h = hub;
            return h == null ? null : h.stats();
        }));
    }

    @Override
    public String readyLine() {
        return "throng push on";
    }

    @Override
    public String announce(String host, int port) {
        return "throng push on " + host + ":" + port + " (prefork x" + procs + " " + workerModel + ", bus "
                + BusConfig.parse(bus).url() + ", pid " + ProcessHandle.current().pid() + ")";
    }

    @Override
    public String statusExtra() {
        HubServer h = hub;
        return h == null ? "" : hubRates.line(h.stats());
    }

    @Override
    public void afterStop() {
        HubServer h = hub;
        hub = null;
        if (h != null) {
            h.close();
        }
        if (hubDirectory != null) {
            try {
                Files.deleteIfExists(hubDirectory);
            } catch (IOException ignored) {
                // a temporary directory
            }
        }
    }

    /** The options a prefork worker is started with: this command's, for one worker. */
    @Override
    public List<String> workerArguments(int workerPort, String interval) {
        List<String> a = new ArrayList<>(List.of("push", "--model", workerModel, "--host", host,
                "--port", Integer.toString(workerPort), "--transport", transport, "--loops", Integer.toString(loops),
                "--accept", accept, "--workers", Integer.toString(workers), "--worker-queue", Integer.toString(workerQueue),
                "--max-connections", Integer.toString(maxConnections), "--max-message", Integer.toString(maxMessage),
                "--idle-timeout", idleTimeout, "--handshake-timeout", handshakeTimeout, "--max-handshakes", Integer.toString(maxHandshakes),
                "--slow-limit", Long.toString(slowLimit), "--slow-action", slowAction,
                "--bus", bus, "--bus-queue", Integer.toString(busQueue), "--bus-backoff-min", busBackoffMin,
                "--bus-backoff-max", busBackoffMax, "--bus-timeout", busTimeout, "--bus-heartbeat", busHeartbeat,
                "--shutdown-timeout", shutdownTimeout, "--reuse-port", "--status-format", "json",
                "--status-interval", interval, "--exit-on-stdin-close"));
        HubServer h = hub;
        if (h != null) {
            a.add("--bus-hub");
            a.add(h.socket().toString());
        }
        if (virtualWorkers) {
            a.add("--virtual-workers");
        }
        if (deflate) {
            a.add("--deflate");
        }
        if (centrifugo && centrifugoFile != null) {
            // Centrifugo's own file: the workers read it (and its secrets) themselves
            a.addAll(List.of("--centrifugo", "--centrifugo-config", centrifugoFile.toAbsolutePath().toString()));
        } else if (centrifugo) {
            // the key's file or variable, never the key: the workers read it themselves
            a.addAll(List.of("--centrifugo", "--centrifugo-allow-subscribe", Boolean.toString(centrifugoSubscribe),
                    "--centrifugo-ping-interval", centrifugoPingInterval, "--centrifugo-pong-timeout", centrifugoPongTimeout,
                    "--centrifugo-allowed-origins", centrifugoOrigins));
            if (centrifugoSecretFile != null) {
                a.addAll(List.of("--centrifugo-hmac-secret-file", centrifugoSecretFile.toAbsolutePath().toString()));
            }
            if (centrifugoSecretEnv != null) {
                a.addAll(List.of("--centrifugo-hmac-secret-env", centrifugoSecretEnv));
            }
            if (centrifugoApiKeyFile != null) {
                a.addAll(List.of("--centrifugo-api-key-file", centrifugoApiKeyFile.toAbsolutePath().toString()));
            }
            if (centrifugoApiKeyEnv != null) {
                a.addAll(List.of("--centrifugo-api-key-env", centrifugoApiKeyEnv));
            }
            if (centrifugoRsaKeyFile != null) {
                a.addAll(List.of("--centrifugo-rsa-public-key-file", centrifugoRsaKeyFile.toAbsolutePath().toString()));
            }
            if (centrifugoEcdsaKeyFile != null) {
                a.addAll(List.of("--centrifugo-ecdsa-public-key-file", centrifugoEcdsaKeyFile.toAbsolutePath().toString()));
            }
            if (centrifugoJwksFile != null) {
                a.addAll(List.of("--centrifugo-jwks-file", centrifugoJwksFile.toAbsolutePath().toString()));
            }
            // the claims' values (not secret) and the subscription tokens' key files and variable names
            String[][] given = {{"--centrifugo-token-audience", centrifugoAudience},
                    {"--centrifugo-token-audience-regex", centrifugoAudienceRegex},
                    {"--centrifugo-token-issuer", centrifugoIssuer}, {"--centrifugo-token-issuer-regex", centrifugoIssuerRegex},
                    {"--centrifugo-token-user-id-claim", centrifugoUserIdClaim},
                    {"--centrifugo-subscription-token-user-id-claim", centrifugoSubUserIdClaim},
                    {"--centrifugo-subscription-hmac-secret-file", absolute(centrifugoSubSecretFile)},
                    {"--centrifugo-subscription-hmac-secret-env", centrifugoSubSecretEnv},
                    {"--centrifugo-subscription-rsa-public-key-file", absolute(centrifugoSubRsaKeyFile)},
                    {"--centrifugo-subscription-ecdsa-public-key-file", absolute(centrifugoSubEcdsaKeyFile)},
                    {"--centrifugo-subscription-jwks-file", absolute(centrifugoSubJwksFile)},
                    {"--centrifugo-subscription-token-audience", centrifugoSubAudience},
                    {"--centrifugo-subscription-token-audience-regex", centrifugoSubAudienceRegex},
                    {"--centrifugo-subscription-token-issuer", centrifugoSubIssuer},
                    {"--centrifugo-subscription-token-issuer-regex", centrifugoSubIssuerRegex}};
            for (String[] option : given) {
                if (option[1] != null) {
                    a.addAll(List.of(option[0], option[1]));
                }
            }
            if (centrifugoAnonymous) {
                a.add("--centrifugo-allow-anonymous");
            }
            if (centrifugoPublish) {
                a.add("--centrifugo-allow-publish");
            }
            if (centrifugoHistorySize > 0) {
                a.addAll(List.of("--centrifugo-history-size", Integer.toString(centrifugoHistorySize),
                        "--centrifugo-history-ttl", centrifugoHistoryTtl, "--centrifugo-history-meta-ttl", centrifugoHistoryMetaTtl,
                        "--centrifugo-recovery-max-publications", Integer.toString(centrifugoRecoveryMax)));
            }
            for (var flag : List.of(java.util.Map.entry("--centrifugo-force-recovery", centrifugoForceRecovery),
                    java.util.Map.entry("--centrifugo-allow-history", centrifugoAllowHistory),
                    java.util.Map.entry("--centrifugo-presence", centrifugoPresence),
                    java.util.Map.entry("--centrifugo-allow-presence", centrifugoAllowPresence),
                    java.util.Map.entry("--centrifugo-join-leave", centrifugoJoinLeave),
                    java.util.Map.entry("--centrifugo-force-push-join-leave", centrifugoForcePushJoinLeave))) {
                if (flag.getValue()) {
                    a.add(flag.getKey());
                }
            }
        }
        if (centrifugo && centrifugoSdkFile != null) {
            a.addAll(List.of("--centrifugo-sdk-file", centrifugoSdkFile.toAbsolutePath().toString()));
        }
        if (centrifugo) {
            // each worker admits upgrades by its own connections waiting for their connect
            a.addAll(List.of("--centrifugo-max-pending-connects", Integer.toString(centrifugoMaxPendingConnects)));
        }
        a.addAll(tls.workerArguments());
        return a;
    }

    /** The hub's part of the supervisor's status line, with rates since the last one. */
    private static final class HubRates {
        private long lastNanos = System.nanoTime();
        private long lastPublished;
        private long lastForwarded;

        String line(io.throng.websocket.bus.HubStats s) {
            long now = System.nanoTime();
            double seconds = Math.max(1e-9, (now - lastNanos) / 1e9);
            String line = String.format(" | hub %d workers %d channels relayed/s %.0f copies/s %.0f dropped %d", s.workers(),
                    s.channels(), (s.published() - lastPublished) / seconds, (s.forwarded() - lastForwarded) / seconds,
                    s.dropped());
            lastNanos = now;
            lastPublished = s.published();
            lastForwarded = s.forwarded();
            return line;
        }
    }

    /** GET /dump of the push service: the engine's view, then the push layer's figures and its bus link. */
    private static String pushDump(io.throng.websocket.push.PushServer push, int first) {
        io.throng.websocket.WebSocketStats ws = push.stats();
        io.throng.websocket.bus.BusStats bus = push.bus().stats();
        io.throng.core.Dump pushNode = new io.throng.core.Dump("push", List.of("subscribers " + ws.open(),
                "handshakes in flight " + ws.handshakesInFlight(), "publishes " + ws.publishes(), "deliveries " + ws.deliveries()),
                List.of(io.throng.core.Dump.of("bus " + bus.name(), List.of(String.valueOf(bus.state()).toLowerCase(java.util.Locale.ROOT),
                        "channels " + bus.channels(), "nodes " + bus.nodes(), "queued " + bus.queued(), "relayed " + bus.relayed(), "received " + bus.received(),
                        "dropped " + bus.dropped(), "refused " + bus.refused(), "reconnects " + bus.reconnects()
                        + (bus.problem() != null ? ", problem: " + bus.problem() : "")))));
        return push.webSocketServer().engine().dump(first).toText() + pushNode.toText();
    }
}
