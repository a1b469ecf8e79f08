package io.throng.cli.rpc;

import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.config.RpcConfig;
import io.throng.rpc.config.RpcServerGroup;
import io.throng.rpc.config.ServiceSettings;
import io.throng.rpc.config.TransportChoice;
import io.throng.rpc.server.Execution;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import io.throng.rpc.server.RpcServerStats;
import io.throng.rpc.server.RpcService;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code throng rpc serve}: a tRPC echo server. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves a tRPC echo service: method Echo returns the request body unchanged.",
                "Any content type, at func /<service>/Echo. Stops gracefully on SIGINT/SIGTERM or after --duration."})
public final class RpcServeCommand implements Callable<Integer> {

    @Option(names = "--host", description = "address to bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "port to bind, 0 for any (default: ${DEFAULT-VALUE})")
    int port = 8000;

    @Option(names = "--service", description = "the service name (default: ${DEFAULT-VALUE})")
    String service = EchoService.DEFAULT_NAME;

    @Option(names = "--model", description = "virtual-threads, platform-threads, single-reactor, multi-reactor, worker-pool (default: ${DEFAULT-VALUE})")
    String model = Model.MULTI_REACTOR.id();

    @Option(names = "--loops", description = "event loops for multi-reactor and worker-pool (default: cores = ${DEFAULT-VALUE})")
    int loops = ServerConfig.DEFAULT_LOOPS;

    @Option(names = "--transport", description = "tnet or epoll, io_uring, auto, gonet or nio; tnet/epoll that cannot run fall back to nio with a log line (default: nio)")
    String transport = "nio";

    @Option(names = "--execution", description = "worker (a virtual thread per request) or inline (on the I/O thread) (default: ${DEFAULT-VALUE})")
    String execution = "worker";

    @Option(names = "--max-concurrent-requests", description = "requests handled at once; ret 22 past it (default: ${DEFAULT-VALUE})")
    int maxConcurrent = RpcServerOptions.DEFAULT_MAX_CONCURRENT_REQUESTS;

    @picocli.CommandLine.Mixin
    io.throng.cli.tls.TlsOptions tls = new io.throng.cli.tls.TlsOptions();

    @picocli.CommandLine.Mixin
    io.throng.cli.admin.AdminOptions admin = new io.throng.cli.admin.AdminOptions();

    @Option(names = "--config", description = "a tRPC-Go-shaped YAML file: serves the echo service for each server.service[] entry (other options are then ignored)")
    Path config;

    @Option(names = "--duration", description = "stop by itself after this long, e.g. 30s; 0 to run until a signal (default: 0)")
    String duration = "0";

    @Option(names = "--status-interval", description = "time between status lines; 0 for none (default: ${DEFAULT-VALUE})")
    String statusInterval = "5s";

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        admin.check();
        Execution exec = Execution.valueOf(execution.toUpperCase(Locale.ROOT));
        List<RpcServer> servers;
        AutoCloseable closer;
        if (config != null) {
            RpcConfig c = RpcConfig.load(config);
            if (c.services().isEmpty()) {
                throw new IllegalArgumentException(config + " has no server.service entries");
            }
            Map<String, List<RpcService>> impl = new HashMap<>();
            for (ServiceSettings s : c.services()) {
                impl.put(s.name(), List.of(EchoService.create(s.name(), exec)));
                out.print(s.options().describe());
            }
            RpcServerGroup group = RpcServerGroup.start(c.services(), impl);
            servers = group.servers();
            closer = group;
        } else {
            TransportChoice t = TransportChoice.resolve(transport, "tcp").logFallback("rpc serve");
            ServerConfig engine = ServerConfig.defaults().withHost(host).withPort(port).withModel(Model.parse(model))
                    .withLoops(loops).withTransport(t.kind()).withTls(tls.config());
            RpcServerOptions o = RpcServerOptions.defaults().withEngine(engine).withMaxConcurrentRequests(maxConcurrent);
            out.print(o.describe());
            RpcServer server = RpcServer.start(o, EchoService.create(service, exec));
            servers = List.of(server);
            closer = server;
        }
        for (RpcServer s : servers) {
            for (String name : s.serviceNames()) {
                out.println("throng rpc serving " + name + " on " + s.address().getHostString() + ":" + s.port()
                        + " (func /" + name + "/Echo, " + s.options().engine().model() + ", "
                        + s.options().engine().transport() + ", " + execution + ", pid " + ProcessHandle.current().pid() + ")");
            }
        }
        io.throng.cli.admin.AdminOptions.Running adminPort;
        try {
            adminPort = startAdmin(out, servers);
        } catch (java.io.IOException | RuntimeException e) {
            closer.close();
            throw e;
        }
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            try {
                closer.close();
            } catch (Exception e) {
                out.println("stop failed: " + e);
            }
            if (adminPort != null) {
                adminPort.close();
            }
            out.println("stopped");
            out.flush();
            stopped.countDown();
        }, "throng-rpc-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Duration d = RpcBenchCommand.duration(duration);
        Duration every = RpcBenchCommand.duration(statusInterval);
        long deadline = d.isZero() ? Long.MAX_VALUE : System.nanoTime() + d.toNanos();
        long interval = every.isZero() ? 1000 : every.toMillis();
        RpcServerStats[] last = new RpcServerStats[servers.size()];
        for (int i = 0; i < servers.size(); i++) {
            last[i] = servers.get(i).stats();
        }
        while (stopped.getCount() > 0 && System.nanoTime() < deadline) {
            if (stopped.await(Math.min(interval, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                break;
            }
            for (int i = 0; i < servers.size(); i++) {
                RpcServer s = servers.get(i);
                s.trimBuffers();
                RpcServerStats now = s.stats();
                if (!every.isZero()) {
                    double secs = interval / 1000.0;
                    out.printf("%s:%d | conns %s | requests/s %.0f | replies/s %.0f | errors %d | overloaded %d | in flight %d%n",
                            s.address().getHostString(), s.port(),
                            s.engineStats() == null ? "udp" : String.valueOf(s.engineStats().connections()),
                            (now.requests() - last[i].requests()) / secs, (now.replied() - last[i].replied()) / secs,
                            now.errors(), now.overloaded(), now.inFlight());
                }
                last[i] = now;
            }
            out.flush();
        }
        if (stopped.getCount() > 0) {
            Runtime.getRuntime().removeShutdownHook(hook);
            hook.run();
        }
        return 0;
    }

    /**
     * The admin port, with each server's RPC meters (requests, calls by method and ret, their
     * latency) and each TCP server's engine meters, tagged {@code server=<ip:port>} (a UDP server
     * has no connections to count), and every server's settings under its service names in
     * /cmds/config.
     */
    private io.throng.cli.admin.AdminOptions.Running startAdmin(PrintStream out, List<RpcServer> servers)
            throws java.io.IOException {
        if (!admin.enabled()) {
            return null;
        }
        StringBuilder describe = new StringBuilder();
        List<io.micrometer.core.instrument.binder.MeterBinder> binders = new java.util.ArrayList<>();
        for (RpcServer s : servers) {
            String at = s.address().getHostString() + ":" + s.port();
            describe.append(String.join(",", new java.util.TreeSet<>(s.serviceNames()))).append(":\n");
            for (String line : s.options().describe().split("\n")) {
                describe.append("  ").append(line).append('\n');
            }
            io.micrometer.core.instrument.Tags tags = io.micrometer.core.instrument.Tags.of("server", at);
            binders.add(new io.throng.metrics.RpcMeters(s, tags));
            if (s.engineStats() != null) {
                binders.add(new io.throng.metrics.ServerMeters(s::engineStats, tags));
            }
        }
        return admin.start(out, describe.toString(), binders.toArray(io.micrometer.core.instrument.binder.MeterBinder[]::new));
    }
}
