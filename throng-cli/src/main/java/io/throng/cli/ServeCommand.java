package io.throng.cli;

import io.throng.core.Handler;
import io.throng.core.Server;
import io.throng.core.ServerStats;
import io.throng.core.config.AcceptMode;
import io.throng.core.config.BufferConfig;
import io.throng.core.config.Limits;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.config.WorkerPoolConfig;
import io.throng.core.handler.TimestampEchoHandler;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code throng serve}: runs a server with a shipped handler and prints its status. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs a server under the model of your choice and prints a status line every few seconds.",
                "Stops gracefully on SIGINT or SIGTERM (or after --duration)."})
final class ServeCommand implements Callable<Integer> {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults();

    @Option(names = "--model", paramLabel = "<model>", converter = Converters.ModelConverter.class,
            description = "virtual-threads, platform-threads, single-reactor, multi-reactor, worker-pool (default: ${DEFAULT-VALUE})")
    Model model = DEFAULTS.model();

    @Option(names = "--transport", paramLabel = "<transport>", converter = Converters.TransportConverter.class,
            description = "auto (epoll where it can run, else nio, with a log line), epoll or nio (default: ${DEFAULT-VALUE})")
    TransportKind transport = DEFAULTS.transport();

    @Option(names = "--host", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = DEFAULTS.host();

    @Option(names = "--port", description = "port to bind, 0 for any (default: ${DEFAULT-VALUE})")
    int port = DEFAULTS.port();

    @Option(names = "--handler", description = "echo, timestamp-echo, ws-echo or ws-echo-deflate (default: ${DEFAULT-VALUE})")
    String handler = "echo";

    @Option(names = "--loops", description = "event loops for multi-reactor and worker-pool (default: cores = ${DEFAULT-VALUE})")
    int loops = DEFAULTS.loops();

    @Option(names = "--accept", paramLabel = "<mode>", converter = Converters.AcceptConverter.class,
            description = "reuseport (a listener per loop) or acceptor (one thread, round-robin) (default: ${DEFAULT-VALUE})")
    AcceptMode accept = DEFAULTS.acceptMode();

    @Option(names = "--workers", description = "worker-pool threads (default: ${DEFAULT-VALUE})")
    int workers = DEFAULTS.workers().threads();

    @Option(names = "--worker-queue", description = "worker-pool queue; when full, accepting pauses (default: ${DEFAULT-VALUE})")
    int workerQueue = DEFAULTS.workers().queueCapacity();

    @Option(names = "--virtual-workers", description = "run the worker pool on virtual threads")
    boolean virtualWorkers;

    @Option(names = "--max-connections", description = "0 for no limit; the excess is accepted and closed (default: ${DEFAULT-VALUE})")
    int maxConnections = DEFAULTS.limits().maxConnections();

    @Option(names = "--idle-timeout", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "close connections idle this long, e.g. 30s; 0 for never (default: 0)")
    Duration idleTimeout = DEFAULTS.limits().idleTimeout();

    @Option(names = "--max-queued-bytes", description = "close a connection whose unsent bytes pass this (default: ${DEFAULT-VALUE})")
    long maxQueuedBytes = DEFAULTS.limits().maxQueuedBytes();

    @Option(names = "--read-buffer", description = "bytes of each loop's read buffer (default: ${DEFAULT-VALUE})")
    int readBuffer = DEFAULTS.buffers().readBufferSize();

    @Option(names = "--shutdown-timeout", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "how long a graceful stop may take (default: 10s)")
    Duration shutdownTimeout = DEFAULTS.shutdownTimeout();

    @Option(names = "--status-interval", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "seconds between status lines; 0 for none (default: 5s)")
    Duration statusInterval = Duration.ofSeconds(5);

    @Option(names = "--duration", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "stop by itself after this long; 0 to run until a signal (default: 0)")
    Duration duration = Duration.ZERO;

    ServerConfig config() {
        return DEFAULTS.withHost(host).withPort(port).withModel(model).withTransport(transport).withLoops(loops)
                .withAcceptMode(accept)
                .withWorkers(new WorkerPoolConfig(workers, workerQueue, virtualWorkers))
                .withLimits(Limits.DEFAULT.withMaxConnections(maxConnections).withIdleTimeout(idleTimeout)
                        .withMaxQueuedBytes(maxQueuedBytes))
                .withBuffers(BufferConfig.DEFAULT.withReadBufferSize(readBuffer))
                .withShutdownTimeout(shutdownTimeout);
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        ServerConfig config = config();
        Handler h = Handlers.create(handler);
        out.print(config.describe());
        out.println("  handler: " + handler);
        out.flush();
        Server server = Server.start(config, h);
        out.println("throng serving " + handler + " on " + server.address().getHostString() + ":" + server.port()
                + " (" + config.model() + ", " + server.transport() + ", pid " + ProcessHandle.current().pid() + ")");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("stopping: no new connections; draining for up to " + shutdownTimeout.toSeconds() + "s");
            boolean clean = server.shutdown(shutdownTimeout);
            out.println(clean ? "stopped: every connection closed cleanly" : "stopped: timeout reached, the rest were closed");
            out.flush();
            stopped.countDown();
        }, "throng-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        StatusLine status = new StatusLine(server, h instanceof TimestampEchoHandler t ? t::messages : null);
        long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long interval = statusInterval.isZero() ? 1000 : statusInterval.toMillis();
        while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
            if (stopped.await(Math.min(interval, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                break;
            }
            server.trimBuffers();
            if (!statusInterval.isZero()) {
                out.println(status.next());
                out.flush();
            }
        }
        if (stopped.getCount() > 0) {
            // --duration elapsed: stop as a signal would
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        return 0;
    }

    /** One status line per interval, with rates since the previous one. */
    static final class StatusLine {
        private final Server server;
        private final java.util.function.LongSupplier messages;
        private ServerStats previous;
        private long previousMessages;

        StatusLine(Server server, java.util.function.LongSupplier messages) {
            this.server = server;
            this.messages = messages;
            this.previous = server.stats();
        }

        String next() {
            ServerStats s = server.stats();
            ServerStats.Rates r = s.ratesSince(previous);
            StringBuilder line = new StringBuilder();
            line.append(String.format("conns %s | accepted/s %s | reads/s %s", Units.count(s.connections()),
                    Units.count(r.accepted()), Units.count(r.reads())));
            if (messages != null) {
                long m = messages.getAsLong();
                double seconds = (s.uptimeNanos() - previous.uptimeNanos()) / 1e9;
                line.append(" | msgs/s ").append(Units.count((m - previousMessages) / seconds));
                previousMessages = m;
            }
            line.append(String.format(" | in %s/s out %s/s", Units.bytes(r.bytesRead()), Units.bytes(r.bytesWritten())));
            if (s.workers() > 0) {
                line.append(String.format(" | workers %d/%d queue %d | accept pauses %d", s.workersBusy(), s.workers(),
                        s.workerQueue(), s.acceptPauses()));
            }
            if (s.rejected() > 0 || s.acceptErrors() > 0) {
                line.append(String.format(" | rejected %d accept errors %d", s.rejected(), s.acceptErrors()));
            }
            line.append(String.format(" | buffers %d (%s) | rss %s heap %s", s.lentBuffers(), Units.bytes(s.lentBytes()),
                    Units.bytes(ProcessMemory.rssBytes()), Units.bytes(ProcessMemory.heapUsedBytes())));
            previous = s;
            return line.toString();
        }
    }
}
