package io.throng.bench.scale;

import java.util.ArrayList;
import java.util.List;

/**
 * A scale run fitted to this machine: how many server workers and load processes the descriptor
 * limit calls for, how many loopback source addresses the ephemeral port range calls for, how
 * often each connection pings, and which kernel settings must be at least what.
 *
 * @param connections    N
 * @param workers        server worker processes
 * @param loadProcs      load processes
 * @param srcIps         loopback source addresses (127.0.0.2 ..)
 * @param rate           new connections per second, all load processes together
 * @param pingInterval   seconds between one connection's pings
 * @param holdSeconds    hold time once every connection is open: the one asked for, or one ping
 *                       interval and {@link #HOLD_MARGIN_SECONDS} if that is longer, so that every
 *                       connection pings in the hold
 * @param descriptorLimit open files one process may hold (the hard limit; -1 unknown)
 * @param requirements   kernel settings and their minimums
 * @param notes          why the numbers are what they are, for the report
 */
public record ScalePlan(int connections, int workers, int loadProcs, int srcIps, double rate, double pingInterval,
                        double holdSeconds, long descriptorLimit, List<Sysctls.Requirement> requirements,
                        List<String> notes) {

    /** Descriptors a JVM holds besides its sockets: jars, epoll and event fds, pipes, /proc reads. */
    static final int RESERVED_DESCRIPTORS = 150;
    /**
     * Share of a worker's descriptors planned for: SO_REUSEPORT picks a worker by a hash of the
     * connection's addresses, so each gets its share plus or minus a few standard deviations
     * (sqrt(share): ~140 at 19,000); 7% room is ten of them.
     */
    static final double WORKER_FILL = 0.93;
    /** A load process opens exactly its share; 3% room for the JVM's own descriptors to vary. */
    static final double LOAD_FILL = 0.97;
    /**
     * Share of the ephemeral port range used per source address. connect() tries the range's even
     * ports first and leaves the odd ones for bind(); once an address holds half the range, every
     * further connect walks all the even ports, each a lookup in the established table, before it
     * finds an odd one: measured here at 3.3 ms of kernel time a connect at 14,000 connections an
     * address, which stalled a 200,000-connection ramp. Below half, a free even port is a few
     * tries away.
     */
    static final double PORT_FILL = 0.45;
    /**
     * Pings per second for all connections together when the interval is left to the plan. Measured
     * here (docs/scale.md): with ~110 JVMs on two cores every ping is a wake-up of two processes;
     * a million connections asked for 16,667 a second got 11,600 with both cores busy (ping p50
     * 17 s, and 80,000 connections had not pinged when the 60 s hold ended). At 8,333 a second
     * there is room.
     */
    public static final double PINGS_PER_SECOND = 8_333;
    /** The longest interval the plan chooses (seconds): a million connections ping every 120 s. */
    static final double LONGEST_DEFAULT_INTERVAL = 120;
    /** The hold lasts at least one ping interval and this (seconds): every connection's first ping falls in it. */
    static final double HOLD_MARGIN_SECONDS = 5;
    static final double SHORTEST_DEFAULT_INTERVAL = 10;
    /**
     * TCP buffer pages planned per connection (two sockets) for tcp_mem's pressure threshold. Idle
     * sockets held ~0.2 page each here (308,529 pages at 1.57 million sockets), more while pings
     * wait unread on a busy machine; a 24 GiB machine's default threshold (383,865 pages) was passed
     * at ~700,000 connections, and the pings then waited tens of seconds.
     */
    static final int TCP_PAGES_PER_CONNECTION = 1;
    /** The server's listen backlog (SocketOptions' default); the kernel cuts it to somaxconn. */
    static final int BACKLOG = 4096;
    /** Up to this many connections the queue settings' defaults do (a test's run leaves the machine alone). */
    static final int SMALL_RUN = 20_000;
    /** Without a known limit, plan as if a process could hold this many. */
    static final long NR_OPEN_DEFAULT = 1_048_576;

    public ScalePlan {
        requirements = List.copyOf(requirements);
        notes = List.copyOf(notes);
    }

    /**
     * The plan for {@code options} on a machine whose processes may hold {@code descriptorLimit}
     * files (-1: unknown), whose ephemeral range is {@code portRange} ({low, high}, or null), with
     * {@code cores} cores.
     */
    public static ScalePlan of(ScaleOptions options, long descriptorLimit, int[] portRange, int cores) {
        int n = options.connections();
        List<String> notes = new ArrayList<>();
        long limit = descriptorLimit > 0 ? Math.min(descriptorLimit, NR_OPEN_DEFAULT) : NR_OPEN_DEFAULT;
        long usable = Math.max(100, limit - RESERVED_DESCRIPTORS);
        int perWorker = (int) Math.max(1, Math.floor(usable * WORKER_FILL));
        int perLoad = (int) Math.max(1, Math.floor(usable * LOAD_FILL));
        int workers = options.workers() > 0 ? options.workers()
                : Math.max(ceilDiv(n, perWorker), Math.min(cores, ceilDiv(n, 1000)));
        int loadProcs = options.loadProcs() > 0 ? options.loadProcs() : ceilDiv(n, perLoad);
        notes.add(String.format("a process may hold %s open files (hard limit), %,d of them sockets: %d workers "
                        + "(%,d connections each on average, planned at most %,d: SO_REUSEPORT spreads by hash) "
                        + "and %d load processes (%,d each)",
                descriptorLimit > 0 ? String.format("%,d", descriptorLimit) : "unlimited", usable, workers,
                n / workers, perWorker, loadProcs, ceilDiv(n, loadProcs)));
        if (options.workers() == 0 && (long) ceilDiv(n, workers) > usable) {
            notes.add("WARNING: more connections per worker than a process may hold");
        }

        List<Sysctls.Requirement> req = new ArrayList<>();
        int ports = portRange == null ? 28_232 : portRange[1] - portRange[0] + 1;
        int srcIps = options.srcIps();
        if (srcIps == 0) {
            srcIps = ceilDiv(n, (int) (ports * PORT_FILL));
            if (srcIps > 250) {
                srcIps = 250;
            }
        }
        int perSource = ceilDiv(n, srcIps);
        int portsNeeded = (int) Math.ceil(perSource / PORT_FILL);
        if (portsNeeded > ports) {
            req.add(new Sysctls.Requirement(Sysctls.PORT_RANGE, Math.min(portsNeeded, 64_512),
                    String.format("%,d connections from each of %d source addresses need that many ephemeral ports",
                            perSource, srcIps)));
        }
        notes.add(srcIps == 1
                ? String.format("one source address (127.0.0.1), within %,d ephemeral ports", ports)
                : String.format("%d loopback source addresses (127.0.0.2 ..), %,d connections each, within %,d "
                        + "ephemeral ports", srcIps, perSource, portsNeeded > ports ? 64_512 : ports));

        if (n > SMALL_RUN) {
            req.add(new Sysctls.Requirement("net.core.somaxconn", BACKLOG,
                    "the listen backlog (" + BACKLOG + ") is cut to this; a fast ramp overflows a short accept queue"));
            req.add(new Sysctls.Requirement("net.ipv4.tcp_max_syn_backlog", BACKLOG,
                    "half-open connections past this are dropped (or answered with syncookies) during the ramp"));
            req.add(new Sysctls.Requirement("net.core.netdev_max_backlog", 16_384,
                    "loopback packets wait in this per-core queue; past it they are dropped and resent a second later"));
            req.add(new Sysctls.Requirement(Sysctls.TCP_MEM, (long) n * TCP_PAGES_PER_CONNECTION,
                    "pages for all TCP sockets' buffers (the second value); above it the kernel prunes receive queues "
                            + "and drops packets, and held connections' pings wait for retransmits"));
        }
        req.add(new Sysctls.Requirement("net.netfilter.nf_conntrack_max", n + n / 8L + 16_384,
                "connection tracking follows loopback connections too; past this, new connections' packets are dropped"));
        if (n > SMALL_RUN) {
            req.add(new Sysctls.Requirement("net.netfilter.nf_conntrack_buckets", n,
                    "the conntrack hash table's buckets: every packet looks its connection up there; 262,144 buckets "
                            + "for a million connections (two entries each) make chains of eight"));
        }
        req.add(new Sysctls.Requirement("fs.file-max", 2L * n + 200_000,
                "every connection is two descriptors on one machine (both ends), plus every JVM's own"));

        double ping = options.pingInterval() > 0 ? options.pingInterval()
                : Math.min(LONGEST_DEFAULT_INTERVAL, Math.max(SHORTEST_DEFAULT_INTERVAL, Math.round(n / PINGS_PER_SECOND)));
        // Pings start with the hold (the ramp only connects), each connection's first at a random
        // point of the first interval: a hold shorter than an interval would leave some unpinged.
        double hold = Math.max(options.holdSeconds(), ping + HOLD_MARGIN_SECONDS);
        notes.add(String.format("each connection pings every %.0f s (%,.0f pings/s in all), opened at %,.0f/s "
                + "(%.0f s to open them all), held %.0f s%s", ping, n / ping, options.rate(), n / options.rate(), hold,
                hold > options.holdSeconds() ? String.format(" (%.0f s asked; one ping interval and %.0f s, so that "
                        + "every connection pings in the hold)", options.holdSeconds(), HOLD_MARGIN_SECONDS) : ""));
        return new ScalePlan(n, workers, loadProcs, srcIps, options.rate(), ping, hold, descriptorLimit, req, notes);
    }

    /** A rough need in bytes, to warn before a run the machine cannot hold (measured here: see docs/scale.md). */
    public long estimatedMemoryBytes() {
        // kernel: two sockets with their files and epoll entries, conntrack (9.8-12.6 KB measured at 20,000)
        long perConnection = 11_000 + 500 /* server */ + 1_000 /* load */;
        long perProcess = 40L << 20;
        return connections * perConnection + (workers + loadProcs) * perProcess;
    }

    static int ceilDiv(long a, long b) {
        return (int) ((a + b - 1) / b);
    }
}
