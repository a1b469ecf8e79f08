package io.throng.metrics;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The java.util.logging levels of throng's loggers ({@code io.throng} and below), read and set in
 * tRPC-Go's words: trace, debug, info, warn, error, fatal (and off); java.util.logging's own names
 * (FINE, WARNING, ...) are accepted too. Only loggers under {@code io.throng}: the admin port
 * changes throng's verbosity, not the application's. Any thread.
 */
final class LogLevels {
    static final String ROOT = "io.throng";

    private LogLevels() {
    }

    /**
     * java.util.logging keeps loggers weakly: a level set on a logger nobody else holds would
     * vanish with it at the next GC. The loggers set here are held for the life of the process, as
     * a level set by an operator is meant to last; at most 64 names (throng has about a dozen
     * loggers), so that a caller cannot pin memory by naming loggers.
     */
    private static final int MAX_HELD = 64;
    private static final Map<String, Logger> HELD = new ConcurrentHashMap<>();

    /** A logger's level: its effective one (inherited if it has none), in both vocabularies. */
    record Read(String logger, String level, String javaLevel) {
    }

    /** The logger called {@code name} (null, empty or "default" for {@code io.throng}); throws if it is not throng's. */
    static Logger logger(String name) {
        String n = name == null || name.isEmpty() || name.equals("default") ? ROOT : name;
        if (!n.equals(ROOT) && !n.startsWith(ROOT + ".") || !n.matches("[A-Za-z0-9_.$-]{1,200}")) {
            throw new IllegalArgumentException("logger '" + n + "' is not throng's: the admin port sets "
                    + ROOT + " and the loggers below it");
        }
        Logger held = HELD.get(n);
        return held != null ? held : Logger.getLogger(n);
    }

    private static Logger hold(String name) {
        Logger l = logger(name);
        if (!HELD.containsKey(l.getName()) && HELD.size() >= MAX_HELD) {
            throw new IllegalArgumentException("levels are set on " + MAX_HELD + " loggers already; set a parent instead");
        }
        return HELD.computeIfAbsent(l.getName(), n -> l);
    }

    static Read read(String name) {
        Logger l = logger(name);
        Level level = effective(l);
        return new Read(l.getName(), trpcName(level), level.getName());
    }

    /** Sets the level; returns the level before and the one now. Throws on a level name it does not know. */
    static Read[] set(String name, String levelName) {
        Level level = parse(levelName);
        Read before = read(name);
        hold(name).setLevel(level);
        return new Read[] {before, read(name)};
    }

    /**
     * Why records at {@code logger}'s level would still not be printed: a handler on its way up
     * (the console's is at INFO by default) with a higher level; null if none.
     */
    static String filteredBy(String name) {
        Logger l = logger(name);
        Level level = effective(l);
        for (Logger at = l; at != null; at = at.getUseParentHandlers() ? at.getParent() : null) {
            for (Handler h : at.getHandlers()) {
                if (h.getLevel().intValue() > level.intValue()) {
                    return "records below " + h.getLevel().getName() + " are dropped by the " + h.getClass().getSimpleName()
                            + " of logger '" + at.getName() + "'";
                }
            }
        }
        return null;
    }

    private static Level effective(Logger l) {
        for (Logger at = l; at != null; at = at.getParent()) {
            if (at.getLevel() != null) {
                return at.getLevel();
            }
        }
        return Level.INFO; // java.util.logging's own default for a root without a level
    }

    static Level parse(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("no level given: send value=<level> (trace, debug, info, warn, error, fatal, off)");
        }
        String n = name.strip().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "trace", "finest" -> Level.FINEST;
            case "finer" -> Level.FINER;
            case "debug", "fine" -> Level.FINE;
            case "config" -> Level.CONFIG;
            case "info" -> Level.INFO;
            case "warn", "warning" -> Level.WARNING;
            case "error", "fatal", "severe" -> Level.SEVERE; // java.util.logging has nothing above SEVERE but OFF
            case "off" -> Level.OFF;
            case "all" -> Level.ALL;
            default -> throw new IllegalArgumentException("unknown level '" + name.strip()
                    + "': trace, debug, info, warn, error, fatal or off (or FINEST .. SEVERE)");
        };
    }

    /** tRPC-Go's name for a java.util.logging level: the nearest one at or above it. */
    static String trpcName(Level level) {
        int v = level.intValue();
        if (v == Level.OFF.intValue()) {
            return "off";
        }
        if (v <= Level.FINER.intValue()) {
            return "trace";
        }
        if (v <= Level.CONFIG.intValue()) {
            return "debug";
        }
        if (v <= Level.INFO.intValue()) {
            return "info";
        }
        return v <= Level.WARNING.intValue() ? "warn" : "error";
    }
}
