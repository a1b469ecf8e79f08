package io.throng.bench;

import io.throng.bench.peers.JdkEchoServer;
import io.throng.bench.peers.NettyEchoServer;
import io.throng.bench.peers.ThrongEchoServer;
import java.util.ArrayList;
import java.util.List;

/**
 * One server the benchmark measures: a throng model on a transport, or a peer.
 *
 * @param id    a stable key ("throng/worker-pool/nio", "netty/epoll", "jdk/virtual-threads")
 * @param label how tables name it
 * @param kind  whose server it is
 * @param model the throng model, or the peer's flavour
 * @param transport the transport
 * @param classPath where the server's classes come from: null for this process's own class path,
 *                  else another build of throng (a baseline measured in the same run)
 */
public record Target(String id, String label, Kind kind, String model, String transport, String classPath) {

    public enum Kind { THRONG, PREFORK, NETTY, JDK }

    public Target(String id, String label, Kind kind, String model, String transport) {
        this(id, label, kind, model, transport, null);
    }

    /**
     * The same throng server run from another build ({@code jar}: a {@code throng.jar} built from an
     * earlier commit): measured beside this one, round by round, for before/after figures taken in
     * one run rather than across runs, between which this machine drifts by up to 20%.
     */
    public Target asBaseline(String jar) {
        if (kind != Kind.THRONG) {
            throw new IllegalArgumentException("only throng/<model>/<transport> targets have a baseline, not " + id);
        }
        return new Target("baseline/" + model + "/" + transport, "baseline " + model + " (" + transport + ")", kind,
                model, transport, jar);
    }

    /** Whether this is a baseline build's server (see {@link #asBaseline}). */
    public boolean fromBaseline() {
        return classPath != null;
    }

    /** Worker processes of the prefork target: one per core, each with one loop. */
    static final int PREFORK_PROCS = Math.max(2, Runtime.getRuntime().availableProcessors());

    public static Target throng(String model, String transport) {
        return new Target("throng/" + model + "/" + transport, "throng " + model + " (" + transport + ")", Kind.THRONG,
                model, transport);
    }

    /**
     * {@code throng serve --model prefork}: the CLI's supervisor and its worker JVMs, each running
     * {@code workerModel} with one loop on the same port (SO_REUSEPORT). Measured as one server:
     * CPU, RSS and heap are the sums over the supervisor and its workers.
     */
    public static Target prefork(String workerModel, String transport) {
        return new Target("throng/prefork/" + transport, "throng prefork x" + PREFORK_PROCS + " " + workerModel + " ("
                + transport + ")", Kind.PREFORK, workerModel, transport);
    }

    public static Target netty(String transport) {
        return new Target("netty/" + transport, "Netty 4.2 " + transport, Kind.NETTY, "event-loops", transport);
    }

    public static Target jdk() {
        return new Target("jdk/virtual-threads", "JDK virtual threads", Kind.JDK, "thread-per-connection", "jdk");
    }

    /**
     * Every throng model on the given transports (leader-follower on epoll only, where it exists;
     * io_uring runs the reactor models and the worker pool;
     * prefork unless {@code quick}, since it starts a JVM per core for every cell), then the peers.
     */
    public static List<Target> standard(List<String> transports, boolean quick) {
        List<Target> all = new ArrayList<>();
        for (String transport : transports) {
            // io_uring runs the reactor models and the worker pool; the rest run on every transport
            // (the quick run, which must stay under three minutes, takes its default model only)
            List<String> models = transport.equals("io_uring")
                    ? quick ? List.of("multi-reactor") : List.of("single-reactor", "multi-reactor", "worker-pool")
                    : List.of("virtual-threads", "platform-threads", "single-reactor", "multi-reactor", "worker-pool");
            for (String model : models) {
                all.add(throng(model, transport));
            }
            if (transport.equals("epoll")) {
                all.add(throng("leader-follower", transport));
            }
            if (!quick) {
                all.add(prefork("multi-reactor", transport));
            }
        }
        all.add(netty("nio"));
        all.add(netty("epoll"));
        all.add(netty("io_uring"));
        all.add(jdk());
        return all;
    }

    /** The main class and arguments that run this server on {@code port}. */
    List<String> command(int port) {
        return switch (kind) {
            case THRONG -> List.of(ThrongEchoServer.class.getName(), model, transport, Integer.toString(port));
            // the CLI is on the same class path (the shaded jar) but not a dependency of this module
            case PREFORK -> List.of("io.throng.cli.ThrongCommand", "serve", "--model", "prefork",
                    "--procs", Integer.toString(PREFORK_PROCS), "--worker-model", model, "--loops", "1",
                    "--transport", transport, "--handler", "timestamp-echo", "--port", Integer.toString(port),
                    "--status-interval", "1h", "--worker-jvm", "-XX:+UseCompactObjectHeaders -Xmx1g");
            case NETTY -> List.of(NettyEchoServer.class.getName(), transport, Integer.toString(port));
            case JDK -> List.of(JdkEchoServer.class.getName(), Integer.toString(port));
        };
    }
}
