package io.throng.bench.scale;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel settings a scale run needs, checked and (where this process may) raised, then put
 * back. Only settings below what the run needs are touched; each change is remembered with the
 * value it replaced and restored in reverse order. A setting that is too low and cannot be written
 * (not root, a read-only /proc/sys in a container) becomes a {@link Shortfall} whose text says what
 * to run instead.
 *
 * <p>Reads and writes go to files under a root ({@code /proc/sys} on a real machine) so that the
 * logic is tested on a plain directory.
 */
public final class Sysctls {
    /** The range sysctl is a pair, "low high"; its requirement is a number of ports. */
    static final String PORT_RANGE = "net.ipv4.ip_local_port_range";
    /** The widest range: every unprivileged port. */
    static final String WIDEST_PORT_RANGE = "1024 65535";
    /**
     * TCP's memory thresholds, in pages, "low pressure high"; its requirement is the pressure
     * threshold, and raising it writes half of that as low and one and a half times it as high.
     */
    static final String TCP_MEM = "net.ipv4.tcp_mem";

    /**
     * A setting the run needs.
     *
     * @param name    the sysctl's name, e.g. {@code net.netfilter.nf_conntrack_max}
     * @param minimum the least value that works (for the port range: the least number of ports)
     * @param why     one line on what goes wrong below it
     */
    public record Requirement(String name, long minimum, String why) {
    }

    /** A setting this run changed: restored to {@code before} at the end. */
    public record Change(String name, String before, String after, String why) {
    }

    /** A setting below what the run needs that could not be raised. */
    public record Shortfall(String name, String current, String wanted, String why, String error) {
    }

    /**
     * What {@link #apply} found and did.
     *
     * @param changes    settings raised (to restore)
     * @param shortfalls settings too low that could not be raised
     * @param fine       settings already high enough, as "name = value"
     * @param absent     settings this kernel does not have (conntrack not loaded, say): nothing to do
     */
    public record Outcome(List<Change> changes, List<Shortfall> shortfalls, List<String> fine, List<String> absent) {
    }

    private final Path root;

    public Sysctls(Path root) {
        this.root = root;
    }

    /** The machine's own settings, under /proc/sys. */
    public static Sysctls system() {
        return new Sysctls(Path.of("/proc/sys"));
    }

    Path path(String name) {
        return root.resolve(name.replace('.', '/'));
    }

    /**
     * The current value, trimmed and with runs of blanks as one space; null if there is no such
     * setting. Read in one call through a stream: a sysctl file reports size 0, and
     * {@code Files.readString} then reads one byte first; the kernel answers a read at a non-zero
     * offset of these files with nothing, so it returned "3" for "32768 60999".
     */
    public String read(String name) {
        try (InputStream in = Files.newInputStream(path(name))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim().replaceAll("\\s+", " ");
        } catch (IOException e) {
            return null;
        }
    }

    /** The value to write so that {@code current} meets the requirement, or null if it already does. */
    static String wanted(Requirement r, String current) {
        if (r.name().equals(PORT_RANGE)) {
            String[] lh = current.split(" ");
            long ports = Long.parseLong(lh[1]) - Long.parseLong(lh[0]) + 1;
            return ports >= r.minimum() ? null : WIDEST_PORT_RANGE;
        }
        if (r.name().equals(TCP_MEM)) {
            String[] v = current.split(" ");
            if (v.length == 3 && Long.parseLong(v[1]) >= r.minimum()) {
                return null;
            }
            return Math.max(r.minimum() / 2, Long.parseLong(v[0])) + " " + r.minimum() + " " + r.minimum() * 3 / 2;
        }
        return Long.parseLong(current.split(" ")[0]) >= r.minimum() ? null : Long.toString(r.minimum());
    }

    /** Checks every requirement and raises what is too low, if it can; nothing is thrown. */
    public Outcome apply(List<Requirement> requirements) {
        List<Change> changes = new ArrayList<>();
        List<Shortfall> shortfalls = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        for (Requirement r : requirements) {
            String current = read(r.name());
            if (current == null) {
                absent.add(r.name());
                continue;
            }
            String want = wanted(r, current);
            if (want == null) {
                fine.add(r.name() + " = " + current);
                continue;
            }
            if (r.name().equals(PORT_RANGE) && wanted(r, WIDEST_PORT_RANGE) != null) {
                shortfalls.add(new Shortfall(r.name(), current, want, r.why(),
                        "even " + WIDEST_PORT_RANGE + " has fewer than " + r.minimum() + " ports: use more source addresses"));
                continue;
            }
            try {
                Files.writeString(path(r.name()), want);
                String now = read(r.name());
                if (now == null || wanted(r, now) != null) {
                    // Some settings are clamped by the kernel (somaxconn to 65535 on old kernels, say).
                    shortfalls.add(new Shortfall(r.name(), current, want, r.why(), "the kernel kept " + now));
                    if (now != null && !now.equals(current)) {
                        changes.add(new Change(r.name(), current, now, r.why()));
                    }
                } else {
                    changes.add(new Change(r.name(), current, now, r.why()));
                }
            } catch (IOException | SecurityException e) {
                shortfalls.add(new Shortfall(r.name(), current, want, r.why(), describe(e)));
            }
        }
        return new Outcome(changes, shortfalls, fine, absent);
    }

    /** Puts every changed setting back, last change first; returns the ones that failed, described. */
    public List<String> restore(List<Change> changes) {
        List<String> failed = new ArrayList<>();
        for (Change c : changes.reversed()) {
            try {
                Files.writeString(path(c.name()), c.before());
            } catch (IOException | SecurityException e) {
                failed.add(c.name() + " (still " + c.after() + ", was " + c.before() + "): " + describe(e));
            }
        }
        return failed;
    }

    /** What to do about settings that could not be raised: the commands, and why each matters. */
    public static String explain(List<Shortfall> shortfalls) {
        StringBuilder s = new StringBuilder("this run needs kernel settings it could not set itself:\n");
        for (Shortfall f : shortfalls) {
            s.append(String.format("  %s is %s, needs %s: %s%n    (%s)%n", f.name(), f.current(), f.wanted(), f.why(), f.error()));
        }
        s.append("run as root, or set them first (and put them back afterwards):\n");
        for (Shortfall f : shortfalls) {
            s.append(String.format("  sudo sysctl -w %s=\"%s\"%n", f.name(), f.wanted()));
        }
        return s.toString();
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
