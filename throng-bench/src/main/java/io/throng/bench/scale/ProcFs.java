package io.throng.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a scale run reads from /proc: a process's resident memory (RSS and PSS), its CPU time, the
 * machine's memory and CPU counters, the TCP socket counters and this process's descriptor limit.
 * Every reader returns -1 (or an empty map) where the file is missing, so a run on a machine
 * without one of them still reports the rest.
 */
public final class ProcFs {
    /** USER_HZ: the unit of CPU times in /proc/[pid]/stat and /proc/stat (100 on every Linux we know). */
    static final double TICKS_PER_SECOND = 100.0;

    private ProcFs() {
    }

    /** VmRSS of {@code pid} in bytes: every page it maps, shared ones counted in full. */
    public static long rssBytes(long pid) {
        return statusField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
    }

    /**
     * Pss of {@code pid} in bytes: private pages plus its share of each shared page. Summed over
     * many JVMs it is their true total (the JDK's CDS archive and libjvm are shared by all of
     * them; RSS counts those once per process).
     */
    public static long pssBytes(long pid) {
        return statusField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
    }

    /** User plus system CPU seconds of {@code pid} so far, or -1 once it is gone. */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** /proc/meminfo, in bytes ("MemTotal" -> 25,276,026,880). */
    public static Map<String, Long> meminfo() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                int colon = line.indexOf(':');
                String[] v = line.substring(colon + 1).trim().split("\\s+");
                long n = Long.parseLong(v[0]);
                m.put(line.substring(0, colon), v.length > 1 && v[1].equals("kB") ? n * 1024 : n);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: an empty map
        }
        return m;
    }

    /** The TCP line of /proc/net/sockstat: inuse, orphan, tw, alloc, mem (pages of socket buffers). */
    public static Map<String, Long> tcpSockstat() {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (line.startsWith("TCP:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    for (int i = 0; i + 1 < f.length; i += 2) {
                        m.put(f[i], Long.parseLong(f[i + 1]));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return m;
    }

    /**
     * Bytes held by the named slab caches (/proc/slabinfo, root only): whole slabs, as the
     * kernel holds them (slabs x pages per slab x 4 KiB); -1 if unreadable. A cache merged into
     * another under a different name is simply absent.
     */
    public static long slabBytes(java.util.Set<String> caches) {
        long total = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/slabinfo"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 15 && caches.contains(f[0])) {
                    // name active num objsize perslab pagesperslab : tunables a b c : slabdata active num shared
                    total += Long.parseLong(f[14]) * Long.parseLong(f[5]) * 4096;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return total;
    }

    /** The machine's CPU time so far, from the first line of /proc/stat: {busy, total} in seconds. */
    public static double[] machineCpuSeconds() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = first.trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                long v = Long.parseLong(f[i]);
                total += v;
                if (i == 4 || i == 5) {
                    idle += v;
                }
            }
            return new double[] {(total - idle) / TICKS_PER_SECOND, total / TICKS_PER_SECOND};
        } catch (IOException | RuntimeException e) {
            return new double[] {-1, -1};
        }
    }

    /**
     * This process's hard limit on open files ("Max open files" in /proc/self/limits), or -1 if
     * unknown or unlimited. The JVM raises its soft limit to the hard one at start, so the hard
     * limit is what a worker or load process can hold.
     */
    public static long openFilesHardLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? -1 : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static long statusField(Path file, String field) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
