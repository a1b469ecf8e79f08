package io.throng.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One line per log record, with the time, level and logger: readable next to the status lines. */
final class Logging {
    private Logging() {
    }

    static void configure() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        }
        if (System.getProperty("java.util.logging.config.file") == null
                && System.getProperty("java.util.logging.config.class") == null) {
            // The loggers' levels decide what is printed, so that a level lowered from the admin port
            // (PUT /cmds/loglevel value=debug) shows: the console handler's own INFO would still drop
            // the FINE records. The root logger stays at INFO, so by default nothing more is printed.
            for (Handler h : Logger.getLogger("").getHandlers()) {
                h.setLevel(Level.ALL);
            }
        }
    }
}
