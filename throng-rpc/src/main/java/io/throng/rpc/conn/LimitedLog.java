package io.throng.rpc.conn;

import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A logger that writes at most {@code perSecond} lines a second and then counts what it dropped,
 * so a flood of malformed connections costs a counter, not the disk. Any thread.
 */
public final class LimitedLog {
    private final System.Logger logger;
    private final int perSecond;
    private final AtomicLong window = new AtomicLong();
    private final AtomicLong inWindow = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public LimitedLog(String name, int perSecond) {
        this.logger = System.getLogger(name);
        this.perSecond = perSecond;
    }

    public void log(Level level, String message) {
        if (!logger.isLoggable(level)) {
            return;
        }
        long second = System.nanoTime() / 1_000_000_000L;
        long w = window.get();
        if (w != second && window.compareAndSet(w, second)) {
            inWindow.set(0);
            long d = dropped.getAndSet(0);
            if (d > 0) {
                logger.log(level, d + " similar log lines suppressed");
            }
        }
        if (inWindow.incrementAndGet() <= perSecond) {
            logger.log(level, message);
        } else {
            dropped.incrementAndGet();
        }
    }

    public System.Logger logger() {
        return logger;
    }
}
