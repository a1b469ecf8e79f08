package io.throng.cli;

import io.throng.cli.prefork.ServeCommandAccess;
import io.throng.core.Handler;
import io.throng.core.net.Server;
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
final class ServeCommand implements Callable<Integer>, ServeCommandAccess {
    private static final ServerConfig DEFAULTS = ServerConfig.defaults();

    @Option(names = "--model", paramLabel = "<model>",
            description = {"virtual-threads, platform-threads, single-reactor, multi-reactor, worker-pool, leader-follower,",
                    "or prefork (--procs worker processes, each running --worker-model) (default: ${DEFAULT-VALUE})"})
    String model = DEFAULTS.model().id();

    @Option(names = "--procs", description = "prefork: worker processes sharing the port (default: ${DEFAULT-VALUE})")
    int procs = 2;

    @Option(names = "--worker-model", paramLabel = "<model>", description = "prefork: the model each worker runs (default: ${DEFAULT-VALUE})")
    String workerModel = DEFAULTS.model().id();

    @Option(names = "--worker-jvm", paramLabel = "<options>", description = "prefork: extra JVM options for the workers, e.g. \"-Xmx512m\"")
    String workerJvm = "";

    @Option(names = "--reuse-port", hidden = true, description = "set SO_REUSEPORT (prefork workers)")
    boolean reusePort;

    @Option(names = "--status-format", hidden = true, description = "human or json (prefork workers report in json)")
    String statusFormat = "human";

    @Option(names = "--exit-on-stdin-close", hidden = true, description = "stop when stdin closes (a prefork worker whose supervisor died)")
    boolean exitOnStdinClose;

    @Option(names = "--transport", paramLabel = "<transport>", converter = Converters.TransportConverter.class,
            description = "auto (io_uring where the kernel allows it and the model runs on it, else epoll, else nio, with a log line), io_uring, epoll or nio (default: ${DEFAULT-VALUE})")
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

    @picocli.CommandLine.Mixin
    io.throng.cli.tls.TlsOptions tls = new io.throng.cli.tls.TlsOptions();

    @picocli.CommandLine.Mixin
    io.throng.cli.admin.AdminOptions admin = new io.throng.cli.admin.AdminOptions();

    @Option(names = "--duration", paramLabel = "<duration>", converter = Converters.DurationConverter.class,
            description = "stop by itself after this long; 0 to run until a signal (default: 0)")
    Duration duration = Duration.ZERO;

    boolean prefork() {
        return "prefork".equalsIgnoreCase(model);
    }

    private static Model parseModel(String text) {
        try {
            return Model.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ", or prefork");
        }
    }

    ServerConfig config() {
        return config(model);
    }

    private ServerConfig config(String modelText) {
        return DEFAULTS.withHost(host).withPort(port).withModel(parseModel(modelText)).withTransport(transport).withLoops(loops)
                .withAcceptMode(accept)
                .withWorkers(new WorkerPoolConfig(workers, workerQueue, virtualWorkers))
                .withLimits(Limits.DEFAULT.withMaxConnections(maxConnections).withIdleTimeout(idleTimeout)
                        .withMaxQueuedBytes(maxQueuedBytes))
                .withBuffers(BufferConfig.DEFAULT.withReadBufferSize(readBuffer))
                .withSocket(DEFAULTS.socket().withReusePort(reusePort))
                .withShutdownTimeout(shutdownTimeout)
                .withTls(tls.config());
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
        return handler;
    }

    @Override
    public Duration statusInterval() {
        return statusInterval;
    }

    @Override
    public Duration duration() {
        return duration;
    }

    @Override
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    @Override
    public io.throng.cli.admin.AdminOptions admin() {
        return admin.enabled() ? admin : null;
    }

    /** Under prefork: the supervisor's settings, then each worker's server as it prints it. */
    @Override
    public String describe(int workerPort) {
        return "prefork\n  procs: " + procs + "\n  worker-model: " + workerModel + "\n  worker-jvm: "
                + (workerJvm.isBlank() ? "(none)" : workerJvm.strip()) + "\n  status-interval: " + statusInterval.toMillis()
                + "ms\n" + config(workerModel).withPort(workerPort).withSocket(DEFAULTS.socket().withReusePort(true)).describe()
                + "  handler: " + handler + "\n";
    }

    /** The options a prefork worker is started with: this command's, for one worker. */
    @Override
    public java.util.List<String> workerArguments(int workerPort, String interval) {
        java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("serve", "--model", workerModel,
                "--host", host, "--port", Integer.toString(workerPort), "--transport", transport.id(),
                "--handler", handler, "--loops", Integer.toString(loops), "--accept", accept.id(),
                "--workers", Integer.toString(workers), "--worker-queue", Integer.toString(workerQueue),
                "--max-connections", Integer.toString(maxConnections),
                "--idle-timeout", idleTimeout.toMillis() + "ms", "--max-queued-bytes", Long.toString(maxQueuedBytes),
                "--read-buffer", Integer.toString(readBuffer), "--shutdown-timeout", shutdownTimeout.toMillis() + "ms",
                "--reuse-port", "--status-format", "json", "--status-interval", interval, "--exit-on-stdin-close"));
        if (virtualWorkers) {
            a.add("--virtual-workers");
        }
        a.addAll(tls.workerArguments());
        return a;
    }

    @Override
    public Integer call() throws Exception {
        if (prefork()) {
            if ("prefork".equalsIgnoreCase(workerModel)) {
                throw new IllegalArgumentException("--worker-model cannot be prefork");
            }
            parseModel(workerModel); // fail here, not in every worker
            admin.check();
            return new io.throng.cli.prefork.Supervisor(this).run();
        }
        PrintStream out = System.out;
        ServerConfig config = config();
        admin.check();
        Handler h = Handlers.create(handler);
        String describe = config.describe() + "  handler: " + handler + "\n";
        out.print(describe);
        out.flush();
        Server server = Server.start(config, h);
        out.println("throng serving " + handler + " on " + server.address().getHostString() + ":" + server.port()
                + " (" + config.model() + ", " + server.transport() + ", pid " + ProcessHandle.current().pid() + ")");
        io.throng.cli.admin.AdminOptions.Running adminPort;
        try {
            adminPort = admin.startWithDump(out, describe, n -> server.dump(n).toText(), io.throng.metrics.ServerMeters.of(server));
        } catch (java.io.IOException | RuntimeException e) {
            server.shutdown(Duration.ZERO);
            throw e;
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            out.println("stopping: no new connections; draining for up to " + shutdownTimeout.toSeconds() + "s");
            boolean clean = server.shutdown(shutdownTimeout);
            if (adminPort != null) {
                adminPort.close(); // after the drain, so that it can be watched
            }
            out.println(clean ? "stopped: every connection closed cleanly" : "stopped: timeout reached, the rest were closed");
            out.flush();
            stopped.countDown();
        }, "throng-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        StatusLine status = new StatusLine(server, h instanceof TimestampEchoHandler t ? t::messages : null);
        boolean json = "json".equals(statusFormat);
        if (exitOnStdinClose) {
            Thread.ofPlatform().daemon(true).name("throng-stdin-watch").start(() -> {
                try {
                    while (System.in.read() >= 0) {
                        // only the end matters
                    }
                } catch (java.io.IOException ignored) {
                    // the supervisor is gone either way
                }
                stopped.countDown(); // leaves the wait below; the hook-less stop follows
            });
        }
        long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long interval = statusInterval.isZero() ? 1000 : statusInterval.toMillis();
        while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
            if (stopped.await(Math.min(interval, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                break;
            }
            server.trimBuffers();
            if (!statusInterval.isZero()) {
                out.println(json ? status.json() : status.next());
                out.flush();
            }
        }
        if (!stoppedByHook(hook)) {
            // --duration elapsed, or the supervisor went away: stop as a signal would
            hook.run();
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
                line.append(String.format(" | workers %d/%d queue %d", s.workersBusy(), s.workers(), s.workerQueue()));
            }
            if (s.acceptPauses() > 0 || s.workers() > 0) {
                line.append(" | accept pauses ").append(s.acceptPauses());
            }
            if (s.acceptErrors() > 0) {
                line.append(" | accept errors ").append(s.acceptErrors());
            }
            line.append(String.format(" | buffers %d (%s) | rss %s heap %s", s.lentBuffers(), Units.bytes(s.lentBytes()),
                    Units.bytes(ProcessMemory.rssBytes()), Units.bytes(ProcessMemory.heapUsedBytes())));
            previous = s;
            return line.toString();
        }

        /** The raw counters, as one JSON line, for a prefork supervisor to add up. */
        String json() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("pid", ProcessHandle.current().pid());
            m.put("stats", server.stats());
            m.put("messages", messages == null ? 0 : messages.getAsLong());
            m.put("rss", ProcessMemory.rssBytes());
            m.put("heap", ProcessMemory.heapUsedBytes());
            m.put("heap_committed", Runtime.getRuntime().totalMemory());
            m.put("heap_max", Runtime.getRuntime().maxMemory());
            m.put("threads", java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount());
            return "{\"status\":" + io.throng.load.Json.write(m) + "}";
        }
    }
}
