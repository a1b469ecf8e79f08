package io.throng.cli.prefork;

import java.time.Duration;
import java.util.List;

/** What a prefork supervisor needs from the command it runs workers of ({@code throng serve}, {@code throng push}). */
public interface ServeCommandAccess {
    String host();

    int port();

    int procs();

    String workerModel();

    String workerJvm();

    String handler();

    Duration statusInterval();

    Duration duration();

    Duration shutdownTimeout();

    /** The command-line arguments of one worker (after the main class). */
    List<String> workerArguments(int port, String statusInterval);

    /** How a worker's line saying it listens begins. */
    default String readyLine() {
        return "throng serving";
    }

    /** The supervisor's line once every worker listens. */
    default String announce(String host, int port) {
        return "throng serving " + handler() + " on " + host + ":" + port + " (prefork x" + procs() + " " + workerModel()
                + ", pid " + ProcessHandle.current().pid() + ")";
    }

    /** More for the cluster's status line (the push service's bus hub), or "". */
    default String statusExtra() {
        return "";
    }

    /** The admin port's options ({@code --admin-port}); the supervisor serves it for the cluster. */
    default io.throng.cli.admin.AdminOptions admin() {
        return null;
    }

    /**
     * The supervisor's effective configuration, as indented "key: value" lines (for the admin
     * port's /cmds/config), with {@code port} the port the workers share.
     */
    default String describe(int port) {
        return "";
    }

    /** Whether the workers run the push service (their reports then carry its counters). */
    default boolean push() {
        return false;
    }

    /** More meters for the supervisor's admin port (the push service's bus hub). */
    default List<io.micrometer.core.instrument.binder.MeterBinder> supervisorMeters() {
        return List.of();
    }

        /** Called once every worker has stopped (also when the supervisor stops on a signal). */
    default void afterStop() {
    }
}
