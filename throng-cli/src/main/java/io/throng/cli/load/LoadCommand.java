package io.throng.cli.load;

import io.throng.load.Json;
import io.throng.load.Load;
import io.throng.load.LoadMode;
import io.throng.load.LoadOptions;
import io.throng.load.LoadResult;
import io.throng.load.Progress;
import io.throng.load.WsOptions;
import io.throng.load.WsReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code throng load}: the seed's timestamp-echo client in three modes, and WebSocket subscribers in two. */
@Command(name = "load", mixinStandardHelpOptions = true,
        description = {"Drives a server and checks every answer: TCP echo load, or WebSocket subscribers and broadcasts.",
                "pingpong, connrate and hold send 8-byte timestamp echoes: run them against",
                "'throng serve --handler timestamp-echo' or any echo server. ws-hold and ws-broadcast hold WebSocket",
                "subscribers of a 'throng push' server and time broadcasts to them.",
                "Exit status 3 if an echo or a pong came back wrong, a broadcast was missed or duplicated, or nothing could connect."},
        subcommands = {LoadCommand.PingPong.class, LoadCommand.ConnRate.class, LoadCommand.Hold.class,
                LoadCommand.WsHold.class, LoadCommand.WsBroadcast.class})
public final class LoadCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the TCP modes connect. */
    static final class TcpTarget {
        @Option(names = "--host", description = "server address (default: ${DEFAULT-VALUE})")
        String host = "127.0.0.1";

        @Option(names = "--port", description = "server port (default: ${DEFAULT-VALUE})")
        int port = 8972;

        LoadOptions apply(LoadOptions o) {
            return o.withTarget(host, port);
        }
    }

    /** Options every mode has. */
    static final class Common {
        @Option(names = "--src-ips", description = "source addresses 127.0.0.2..(1+K), to pass one address's ports (default: ${DEFAULT-VALUE})")
        int srcIps = 4;

        @Option(names = "--procs", description = "client processes; one holds at most ~19,900 sockets here (default: ${DEFAULT-VALUE})")
        int procs = 1;

        @Option(names = "--loops", description = "event loops per process, 0 for one per core (default: ${DEFAULT-VALUE})")
        int loops = 0;

        @Option(names = "--connect-timeout", description = "seconds (default: ${DEFAULT-VALUE})")
        double connectTimeout = 10;

        @Option(names = "--transport", description = "the load's own engine transport: auto, io_uring, epoll or nio (default: ${DEFAULT-VALUE})")
        String transport = "auto";

        @Option(names = "--json", paramLabel = "<file>", description = "also write the result as JSON to this file ('-' for stdout instead of the summary)")
        String json;

        @Option(names = "--tls", description = "TLS on every connection (a wss:// URL turns it on too); the server's certificate is checked")
        boolean tls;

        @Option(names = "--tls-ca", paramLabel = "<file>", description = "with --tls: trust the CAs of this PEM file instead of the JDK's")
        String tlsCa;

        @Option(names = "--tls-insecure", description = "with --tls: trust any certificate (a self-signed test server on loopback)")
        boolean tlsInsecure;

        @Option(names = "--tls-no-resume", description = "with --tls: every connection a full handshake (no session resumption)")
        boolean tlsNoResume;

        LoadOptions apply(LoadOptions o) {
            boolean on = tls || o.tls().enabled();
            if (!on && (tlsInsecure || tlsCa != null || tlsNoResume)) {
                throw new IllegalArgumentException("--tls-insecure, --tls-ca and --tls-no-resume need --tls (or a wss:// URL)");
            }
            return o.withSrcIps(srcIps).withProcs(procs).withLoops(loops)
                    .withConnectTimeout(connectTimeout).withTransport(io.throng.core.config.TransportKind.parse(transport))
                    .withTls(on ? new io.throng.load.LoadTls(true, tlsInsecure, tlsCa, !tlsNoResume) : io.throng.load.LoadTls.OFF);
        }
    }

    static int execute(LoadOptions options, Common common) throws Exception {
        PrintStream out = System.out;
        boolean terminal = System.console() != null && System.console().isTerminal();
        Consumer<Progress> progress = terminal ? liveLine(out) : everyFewSeconds(out);
        LoadResult result = Load.run(options, progress);
        if (terminal) {
            out.print("\r" + " ".repeat(120) + "\r");
        }
        if ("-".equals(common.json)) {
            out.println(Json.pretty(result));
        } else {
            out.print(Load.summary(result));
            if (common.json != null) {
                Files.writeString(Path.of(common.json), Json.pretty(result));
                out.println("  result written to " + common.json);
            }
        }
        boolean nothing = result.established() == 0 && options.mode() != LoadMode.CONNRATE
                || options.mode() == LoadMode.CONNRATE && result.responses() == 0;
        WsReport.BroadcastReport b = result.ws() == null ? null : result.ws().broadcast();
        boolean broadcastWrong = b != null && (b.missed() > 0 || b.duplicates() > 0 || b.publishError() != null);
        return result.mismatches() > 0 || nothing || broadcastWrong ? 3 : 0;
    }

    private static Consumer<Progress> liveLine(PrintStream out) {
        return p -> {
            String line = p.line();
            out.print("\r" + line + " ".repeat(Math.max(0, 118 - line.length())));
            out.flush();
        };
    }

    private static Consumer<Progress> everyFewSeconds(PrintStream out) {
        double[] last = {-10};
        boolean[] stopped = {false};
        return p -> {
            boolean stopping = "stopping".equals(p.phase());
            if (p.seconds() - last[0] >= 5 || stopping && !stopped[0]) { // the final line once, however often it comes
                last[0] = p.seconds();
                stopped[0] |= stopping;
                out.println(p.line());
            }
        };
    }

    @Command(name = "pingpong", mixinStandardHelpOptions = true,
            description = {"Each connection sends a timestamp and waits for its echo, or keeps --pipeline in flight.",
                    "Without --pipeline one at a time, as in the seed."})
    static final class PingPong implements Callable<Integer> {
        @Mixin
        TcpTarget target = new TcpTarget();

        @Mixin
        Common common = new Common();

        @Option(names = "--conns", description = "connections (default: ${DEFAULT-VALUE})")
        int conns = 100;

        @Option(names = "--pipeline", description = "pings in flight per connection (default: ${DEFAULT-VALUE})")
        int pipeline = 1;

        @Option(names = "--rate", description = "new connections per second while opening, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
        double rate = 0;

        @Option(names = "--warmup", description = "seconds of load before measuring (default: ${DEFAULT-VALUE})")
        double warmup = 2;

        @Option(names = "--duration", description = "seconds measured (default: ${DEFAULT-VALUE})")
        double duration = 10;

        @Override
        public Integer call() throws Exception {
            LoadOptions o = common.apply(target.apply(LoadOptions.defaults(LoadMode.PINGPONG))).withConns(conns).withPipeline(pipeline)
                    .withRate(rate).withTiming(warmup, duration);
            return execute(o, common);
        }
    }

    @Command(name = "connrate", mixinStandardHelpOptions = true,
            description = "Short connections: connect, one 8-byte exchange, close; measures connections per second.")
    static final class ConnRate implements Callable<Integer> {
        @Mixin
        TcpTarget target = new TcpTarget();

        @Mixin
        Common common = new Common();

        @Option(names = "--concurrency", description = "connections in progress at once (default: ${DEFAULT-VALUE})")
        int concurrency = 64;

        @Option(names = "--linger0", description = "close with SO_LINGER 0 (a reset; no TIME_WAIT left behind)")
        boolean linger0;

        @Option(names = "--warmup", description = "seconds before measuring (default: ${DEFAULT-VALUE})")
        double warmup = 2;

        @Option(names = "--duration", description = "seconds measured (default: ${DEFAULT-VALUE})")
        double duration = 10;

        @Override
        public Integer call() throws Exception {
            LoadOptions o = common.apply(target.apply(LoadOptions.defaults(LoadMode.CONNRATE))).withConcurrency(concurrency)
                    .withLinger0(linger0).withTiming(warmup, duration);
            return execute(o, common);
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true,
            description = "Opens N connections at a rate and holds them, each pinging every interval; reports how many stay alive.")
    static final class Hold implements Callable<Integer> {
        @Mixin
        TcpTarget target = new TcpTarget();

        @Mixin
        Common common = new Common();

        @Option(names = "--conns", description = "connections (default: ${DEFAULT-VALUE})")
        int conns = 1000;

        @Option(names = "--rate", description = "new connections per second, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
        double rate = 5000;

        @Option(names = "--ping-interval", description = "seconds between a connection's pings (default: ${DEFAULT-VALUE})")
        double pingInterval = 10;

        @Option(names = "--quiet-ramp", description = "ping only from the start of the hold, once every connection is open (default: each from its opening)")
        boolean quietRamp;

        @Option(names = "--duration", description = "seconds to hold after opening; then the pings still out get one interval (at most 30 s) to be answered (default: ${DEFAULT-VALUE})")
        double duration = 30;

        @Option(names = "--churn", description = "during the hold, connections per second that close (oldest first, once their ping is answered) and are replaced by new ones, so that a long hold also accepts and closes; 0 for none (default: ${DEFAULT-VALUE})")
        double churn = 0;

        @Override
        public Integer call() throws Exception {
            LoadOptions o = common.apply(target.apply(LoadOptions.defaults(LoadMode.HOLD))).withConns(conns).withRate(rate)
                    .withPingInterval(pingInterval).withQuietRamp(quietRamp).withTiming(0, duration).withChurn(churn);
            return execute(o, common);
        }
    }

    /** What both WebSocket modes take: the subscribers' URL, how many, how fast, on how many channels, pinging how often. */
    static final class Subscribers {
        static final String RAW_URL = "ws://127.0.0.1:8973/sub/load";
        static final String CENTRIFUGO_URL = "ws://127.0.0.1:8973" + io.throng.load.CentrifugoLoad.ENDPOINT;

        @Option(names = "--url", description = {"the subscribers' URL, ws://host:port/sub/<channel> for a push server's raw endpoint, wss:// over TLS",
                "(default: " + RAW_URL + "; with --centrifugo: " + CENTRIFUGO_URL + ")"})
        String url;

        @Option(names = "--conns", description = "WebSocket subscribers (default: ${DEFAULT-VALUE})")
        int conns = 1000;

        @Option(names = "--rate", description = "new subscribers per second, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
        double rate = 5000;

        @Option(names = "--channels", description = "channels to spread the subscribers over: with K > 1, subscriber i takes the URL's channel + '-' + (i mod K) (default: ${DEFAULT-VALUE})")
        int channels = 1;

        @Option(names = "--ping-interval", description = "seconds between a subscriber's WebSocket pings; a ping unanswered by the next fails (default: ${DEFAULT-VALUE})")
        double pingInterval = 10;

        @Option(names = "--quiet-ramp", description = "ping only from the start of the hold, once every subscriber is open (default: each from its opening)")
        boolean quietRamp;

        @Option(names = "--centrifugo", description = {"speak Centrifugo's client protocol (JSON) to a 'throng push --centrifugo' server: --url is its endpoint,",
                "each subscriber sends connect (its own HS256 token, user load-<i>) and subscribe, and answers the server's pings"})
        boolean centrifugo;

        @Option(names = "--centrifugo-channel", paramLabel = "<channel>", description = "with --centrifugo: the channel (with --channels K: <channel>-(i mod K)) (default: ${DEFAULT-VALUE})")
        String centrifugoChannel = "load";

        @Option(names = "--centrifugo-hmac-secret-file", paramLabel = "<file>", description = "with --centrifugo: the server's HMAC key, this file's content (a final line break dropped), to sign the tokens")
        String centrifugoSecretFile;

        @Option(names = "--centrifugo-hmac-secret-env", paramLabel = "<variable>", description = "with --centrifugo: the HMAC key from this environment variable (neither: connect without a token)")
        String centrifugoSecretEnv;

        LoadOptions apply(LoadOptions o) {
            if (!centrifugo && (centrifugoSecretFile != null || centrifugoSecretEnv != null)) {
                throw new IllegalArgumentException("--centrifugo-hmac-secret-file and -env need --centrifugo");
            }
            io.throng.load.WsOptions ws = o.ws().withChannels(channels);
            if (centrifugo) {
                if (centrifugoSecretFile != null && !Files.isRegularFile(Path.of(centrifugoSecretFile))) {
                    throw new IllegalArgumentException("--centrifugo-hmac-secret-file " + centrifugoSecretFile + ": no such file");
                }
                // the file's name goes to the children of --procs (each reads the key), so an absolute one
                ws = ws.withCentrifugo(new io.throng.load.CentrifugoLoad(centrifugoChannel, centrifugoSecretFile == null ? null
                        : Path.of(centrifugoSecretFile).toAbsolutePath().toString(), centrifugoSecretEnv));
            }
            LoadOptions u = o.withWs(ws).withUrl(url != null ? url : centrifugo ? CENTRIFUGO_URL : RAW_URL);
            if (centrifugo && u.ws().path().startsWith("/sub/")) {
                throw new IllegalArgumentException("with --centrifugo the URL is the Centrifugo endpoint (ws://host:port"
                        + io.throng.load.CentrifugoLoad.ENDPOINT + "); the channel is --centrifugo-channel, got " + url);
            }
            return u.withConns(conns).withRate(rate).withPingInterval(pingInterval)
                    .withQuietRamp(quietRamp);
        }
    }

    @Command(name = "ws-hold", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Holds N WebSocket subscribers of a push server, each pinging, and reports how many stay alive.",
                    "Opens them (throng's WebSocket client) at a rate, spread over K channels, each pinging every interval;",
                    "reports how many were established and stay alive, handshake failures by cause,",
                    "pings answered and failed, and the ping round trip."})
    static final class WsHold implements Callable<Integer> {
        @Mixin
        Subscribers subscribers = new Subscribers();

        @Option(names = "--duration", description = "seconds to hold after opening (default: ${DEFAULT-VALUE})")
        double duration = 30;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() throws Exception {
            LoadOptions o = common.apply(subscribers.apply(LoadOptions.defaults(LoadMode.WS_HOLD))).withTiming(0, duration);
            return execute(o, common);
        }
    }

    @Command(name = "ws-broadcast", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Holds WebSocket subscribers, publishes M broadcasts and times their delivery to every subscriber.",
                    "The subscribers are held as ws-hold does; each broadcast (one message to each channel) carries its",
                    "publish time, and reports per broadcast how many subscribers got it,",
                    "p50, p99 and max of the delivery latency and the time until the last subscriber had it; missed and",
                    "duplicate deliveries are counted. With --procs, the subscribers of every process count and the parent publishes."})
    static final class WsBroadcast implements Callable<Integer> {
        @Mixin
        Subscribers subscribers = new Subscribers();

        @Option(names = "--messages", description = "broadcasts measured (default: ${DEFAULT-VALUE})")
        int messages = 10;

        @Option(names = "--warmup-messages", description = "broadcasts before them, checked but left out of the latencies (default: ${DEFAULT-VALUE})")
        int warmupMessages = 2;

        @Option(names = "--size", description = "payload bytes, at least 31 (default: ${DEFAULT-VALUE})")
        int size = 64;

        @Option(names = "--interval", description = "seconds from one broadcast's start to the next's (default: ${DEFAULT-VALUE})")
        double interval = 1.0;

        @Option(names = "--publish", paramLabel = "<path>", description = "binary (the push server's publish protocol) or http (POST /pub/<channel>) (default: ${DEFAULT-VALUE})")
        String publish = "binary";

        @Option(names = "--delivery-timeout", description = "seconds after the last publish to wait for missing deliveries (default: ${DEFAULT-VALUE})")
        double deliveryTimeout = 10;

        @Option(names = "--hold", description = {"seconds to hold the subscribers, pinging, before the first broadcast; their pings are then",
                "drained and judged, and none are sent during the broadcasts. 0: broadcast at once, pinging throughout (default: ${DEFAULT-VALUE})"})
        double hold = 0;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() throws Exception {
            LoadOptions o = common.apply(subscribers.apply(LoadOptions.defaults(LoadMode.WS_BROADCAST)));
            WsOptions ws = o.ws().withMessages(messages, warmupMessages).withMessageBytes(size).withInterval(interval)
                    .withPublishVia(WsOptions.PublishVia.parse(publish)).withDeliveryTimeout(deliveryTimeout)
                    .withHoldFirst(hold);
            return execute(o.withWs(ws), common);
        }
    }
}
