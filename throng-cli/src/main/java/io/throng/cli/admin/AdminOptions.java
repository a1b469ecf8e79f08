package io.throng.cli.admin;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.throng.metrics.AdminConfig;
import io.throng.metrics.AdminServer;
import io.throng.metrics.ConfigJson;
import io.throng.metrics.ThrongMetrics;
import java.io.IOException;
import java.io.PrintStream;
import picocli.CommandLine.Option;

/**
 * The admin port options of the server commands ({@code serve}, {@code push}): Prometheus
 * {@code /metrics} and tRPC-Go's admin commands on a port of their own, off unless asked for.
 */
public final class AdminOptions {
    @Option(names = "--admin-port", paramLabel = "<port>",
            description = "serve Prometheus metrics (GET /metrics), the admin commands (/cmds, /version,"
                    + " /cmds/loglevel, /cmds/config) and a status page (GET /) on this port; 0 for none (default: 0)")
    int port;

    @Option(names = "--admin-host", paramLabel = "<address>",
            description = "the admin port's address: it answers whoever reaches it (it can change log levels),"
                    + " so open it beyond this machine deliberately (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    public boolean enabled() {
        return port != 0;
    }

    /** Throws IllegalArgumentException on a bad port or address: call before starting the server it watches. */
    public void check() {
        if (enabled()) {
            config();
        }
    }

    private AdminConfig config() {
        return AdminConfig.defaults().withHost(host).withPort(port);
    }

    /** A running admin port and its registry; closing stops both. */
    public record Running(AdminServer server, ThrongMetrics metrics) implements AutoCloseable {
        @Override
        public void close() {
            server.close();
            metrics.close();
        }
    }

    /**
     * Starts the admin port with the JVM's meters and {@code binders}, {@code describe} (the
     * effective configuration, as printed at start) for /cmds/config, and prints its URL; null
     * when it is off.
     */
    public Running start(PrintStream out, String describe, MeterBinder... binders) throws IOException {
        return startWithDump(out, describe, null, binders);
    }

    /** As above, with {@code dump} serving GET /dump (see {@link AdminServer#start(AdminConfig, ThrongMetrics,
     * java.util.function.Supplier, java.util.function.IntFunction)}). */
    public Running startWithDump(PrintStream out, String describe, java.util.function.IntFunction<String> dump, MeterBinder... binders)
            throws IOException {
        if (!enabled()) {
            return null;
        }
        AdminConfig config = config();
        String configJson = ConfigJson.fromDescribe(describe);
        ThrongMetrics metrics = ThrongMetrics.withJvm();
        try {
            for (MeterBinder b : binders) {
                metrics.bind(b);
            }
            AdminServer server = AdminServer.start(config, metrics, () -> configJson, dump);
            out.println("  admin:      " + server.url() + "/metrics (Prometheus), " + server.url() + "/cmds (commands), "
                    + server.url() + "/ (status page)" + (dump != null ? ", " + server.url() + "/dump" : ""));
            return new Running(server, metrics);
        } catch (IOException | RuntimeException e) {
            metrics.close();
            throw new IOException("admin port " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
