package io.throng.cli.push;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Limits;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.config.WorkerPoolConfig;
import io.throng.websocket.DeflateConfig;
import io.throng.websocket.SlowSubscriberPolicy;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.push.PushServer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code throng push}: the notification service (WebSocket subscribers, HTTP and binary publishers, a page). */
@Command(name = "push", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the push (notification) service on one port:",
                "  GET /                      a page that subscribes to a channel and shows notifications live",
                "  ws://HOST:PORT/sub/<ch>    a WebSocket subscribed to channel <ch>; send 'subscribe <ch>' / 'unsubscribe <ch>' for more",
                "  POST /pub/<ch>             publishes the body (text if UTF-8, else binary); answers with the counts",
                "  first byte 0x00            the binary publish protocol (see PublishProtocol), for high rates",
                "Stops gracefully on SIGINT or SIGTERM (subscribers get Close 1001), or after --duration."})
public final class PushCommand implements Callable<Integer> {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults();
    private static final WebSocketConfig WS = WebSocketConfig.defaults();

    @Option(names = "--model", paramLabel = "<model>", description = "virtual-threads, platform-threads, single-reactor, multi-reactor, worker-pool (default: multi-reactor)")
    String model = DEFAULTS.model().id();

    @Option(names = "--transport", paramLabel = "<transport>", description = "auto (epoll on Linux, else nio), epoll or nio (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--max-handshakes", description = "connections accepted and not yet upgraded; the excess gets 503 (default: ${DEFAULT-VALUE})")
    int maxHandshakes = WS.maxHandshakesInFlight();

    @Option(names = "--slow-limit", description = "bytes a subscriber may have queued before the slow-subscriber action (default: ${DEFAULT-VALUE})")
    long slowLimit = WS.slowSubscribers().maxQueuedBytes();

    @Option(names = "--slow-action", description = "drop (the message, for that subscriber) or close (the subscriber, with 1008) (default: ${DEFAULT-VALUE})")
    String slowAction = "drop";

    @Option(names = "--deflate", description = "offer permessage-deflate (no context takeover: no zlib memory per idle connection)")
    boolean deflate;

    @Option(names = "--shutdown-timeout", paramLabel = "<duration>", description = "how long a graceful stop may take (default: 10s)")
    String shutdownTimeout = "10s";

    @Option(names = "--status-interval", paramLabel = "<duration>", description = "time between status lines; 0 for none (default: 5s)")
    String statusInterval = "5s";

    @Option(names = "--duration", paramLabel = "<duration>", description = "stop by itself after this long; 0 to run until a signal (default: 0)")
    String duration = "0";

    ServerConfig serverConfig() {
        Model m = Model.parse(model);
        return DEFAULTS.withHost(host).withPort(port).withModel(m).withTransport(TransportKind.parse(transport)).withLoops(loops).withAcceptMode(AcceptMode.parse(accept))
                .withWorkers(new WorkerPoolConfig(workers, workerQueue, virtualWorkers))
                .withLimits(Limits.DEFAULT.withMaxConnections(maxConnections)
                        .withMaxInboundBytes(Math.max(Limits.DEFAULT.maxInboundBytes(), maxMessage + 1024)))
                .withShutdownTimeout(Durations.parse(shutdownTimeout));
    }

    WebSocketConfig webSocketConfig() {
        return WS.withMaxMessageBytes(maxMessage).withIdleTimeout(Durations.parse(idleTimeout))
                .withMaxHandshakesInFlight(maxHandshakes)
                .withSlowSubscribers(new SlowSubscriberPolicy(slowLimit, SlowSubscriberPolicy.parseAction(slowAction)))
                .withDeflate(deflate ? DeflateConfig.ENABLED : DeflateConfig.DISABLED);
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ServerConfig config = serverConfig();
        WebSocketConfig ws = webSocketConfig();
        Duration stopAfter = Durations.parse(duration);
        Duration interval = Durations.parse(statusInterval);
        out.print(config.describe());
        out.print(ws.describe());
        out.flush();
        PushServer push = PushServer.start(config, ws);
        String at = push.address().getHostString() + ":" + push.port();
        out.println("throng push on " + at + " (" + config.model() + ", pid " + ProcessHandle.current().pid() + ")");
        out.println("  page:       http://" + at + "/");
        out.println("  subscribe:  ws://" + at + "/sub/<channel>");
        out.println("  publish:    curl -d 'hello' http://" + at + "/pub/<channel>");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Duration grace = config.shutdownTimeout();
        Thread hook = new Thread(() -> {
            out.println("stopping: subscribers get Close 1001; draining for up to " + grace.toSeconds() + "s");
            boolean clean = push.shutdown(grace);
            out.println(clean ? "stopped: every connection closed cleanly" : "stopped: timeout reached, the rest were closed");
            out.flush();
            stopped.countDown();
        }, "throng-push-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PushStatus status = new PushStatus(push);
        long deadline = stopAfter.isZero() ? Long.MAX_VALUE : System.nanoTime() + stopAfter.toNanos();
        long every = interval.isZero() ? 1000 : interval.toMillis();
        while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
            if (stopped.await(Math.min(every, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                break;
            }
            push.webSocketServer().engine().trimBuffers();
            if (!interval.isZero()) {
                out.println(status.next());
                out.flush();
            }
        }
        if (stopped.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        return 0;
    }
}
