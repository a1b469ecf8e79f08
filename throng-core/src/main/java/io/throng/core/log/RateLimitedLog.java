package io.throng.core.log;

import java.lang.System.Logger.Level;

/**
 * A logger that lets through at most N lines a second and then says how many it held back, so a
 * flood of bad peers cannot flood the log (or slow the loops down writing it).
 */
public final class RateLimitedLog {
    private final System.Logger logger;
    private final int perSecond;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    public RateLimitedLog(System.Logger logger, int perSecond) {
        this.logger = logger;
        this.perSecond = perSecond;
        // The first formatted record loads time-zone data from a file: do it now, not when the
        // process is out of descriptors and an event loop is reporting exactly that.
        java.util.TimeZone.getDefault();
    }

    public System.Logger logger() {
        return logger;
    }

    public void log(Level level, String message) {
        long held;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart > 1_000_000_000L) {
                windowStart = now;
                inWindow = 0;
            }
            if (++inWindow > perSecond) {
                suppressed++;
                return;
            }
            held = suppressed;
            suppressed = 0;
        }
        try {
            if (held > 0) {
                logger.log(level, "(" + held + " similar lines suppressed)");
            }
            logger.log(level, message);
        } catch (Throwable ignored) {
            // Logging must never take a loop down (out of descriptors, a broken handler, a full disk).
        }
    }

    public void log(Level level, String message, Throwable error) {
        try {
            logger.log(level, message, error);
        } catch (Throwable ignored) {
            // as above
        }
    }
}
