package io.throng.cli;

import java.time.Duration;
import java.util.List;

/** What a prefork supervisor needs from {@code throng serve}'s options. */
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
}
