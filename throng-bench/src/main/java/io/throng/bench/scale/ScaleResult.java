package io.throng.bench.scale;

import io.throng.bench.Results;
import io.throng.load.LoadResult;
import java.util.List;
import java.util.Map;

/**
 * What a scale run measured, in a shape that serialises to JSON as it stands.
 *
 * @param command     the command line
 * @param started     when (UTC)
 * @param seconds     the whole run, set-up to restore
 * @param machine     cores, memory, kernel, JDK
 * @param options     as asked
 * @param plan        as fitted to this machine
 * @param sysctls     what was checked, raised, already fine or absent
 * @param restoreFailures settings that could not be put back (empty: all restored)
 * @param workerJvm   the workers' JVM options as used (with the AOT cache, if any)
 * @param hold        the held connections
 * @param memory      server, load and kernel memory with every connection held
 * @param cpu         CPU seconds used
 * @param broadcast   WebSocket only: one publish delivered to every subscriber (null for TCP)
 * @param comparison  the seed's comparison at this N, one row per worker model (empty unless asked)
 * @param timeline    samples every few seconds
 * @param serverLog   the supervisor's last status lines and any worker exits
 * @param failures    why the run did not pass (empty: it did)
 */
public record ScaleResult(String command, String started, double seconds, Results.Machine machine,
                          ScaleOptions options, ScalePlan plan, Sysctls.Outcome sysctls, List<String> restoreFailures,
                          List<String> workerJvm, Hold hold, Memory memory, Cpu cpu, Broadcast broadcast,
                          List<Comparison> comparison, List<Sample> timeline, List<String> serverLog,
                          List<String> failures) {

    public boolean passed() {
        return failures.isEmpty();
    }

    /**
     * The held connections, as the load processes saw them.
     *
     * @param established    connections established
     * @param alive          still open at the end of the hold
     * @param disconnects    closed by the other side during the run
     * @param connectFailures failed connects by cause
     * @param connectSeconds time to establish them all, by the slowest load process's clock
     * @param rampSeconds    from starting the load processes to the last connection established
     * @param pingsAnswered  echoes received (the ramp is quiet: pings start with the hold)
     * @param pingFailures   pings not answered before the connection's next ping, or within an
     *                       interval (at most 30 s) after the hold
     * @param lateEchoes     of those, answered later still
     * @param silent         connections alive at the end with no ping answered in the hold
     * @param mismatches     echoes that differed from the ping
     * @param pingsPerSecond pings answered per second of the hold
     * @param latency        ping round trips, microseconds
     */
    public record Hold(long established, long alive, long disconnects, Map<String, Long> connectFailures,
                       double connectSeconds, double rampSeconds, long pingsAnswered, long pingFailures,
                       long lateEchoes, long silent, long mismatches, double pingsPerSecond,
                       LoadResult.Latency latency) {
    }

    /**
     * Memory with every connection held (the last sample with the most connections open), and
     * before the load started (workers idle).
     *
     * @param workersRssBytes    the workers' VmRSS added up (shared pages counted in each)
     * @param workersPssBytes    the workers' Pss added up: their true total
     * @param idleWorkersRssBytes the same before any connection, for the growth per connection
     * @param idleWorkersPssBytes as above, Pss
     * @param rssPerConnection   workersRss / N
     * @param pssPerConnection   workersPss / N
     * @param rssGrowthPerConnection (workersRss - idle) / N
     * @param pssGrowthPerConnection (workersPss - idle) / N
     * @param supervisorRssBytes the prefork supervisor's RSS
     * @param loadRssBytes       the load processes' RSS added up
     * @param loadPssBytes       and their Pss
     * @param kernelBytes        growth of kernel memory for sockets: their slab caches (socket, inode,
     *                           file, epoll entry, bind buckets, conntrack) plus TCP buffer pages
     * @param kernelPerConnection kernelBytes / N: both ends' sockets
     * @param slabBytes          growth of all of Slab, machine-wide (of which unreclaimable:
     *                           {@code sunreclaimBytes}); other work on the machine moves it
     * @param sunreclaimBytes    growth of SUnreclaim
     * @param tcpBufferBytes     growth of the TCP buffer pages (/proc/net/sockstat "mem")
     * @param memAvailableBytes  MemAvailable at that point
     */
    public record Memory(long workersRssBytes, long workersPssBytes, long idleWorkersRssBytes, long idleWorkersPssBytes,
                         double rssPerConnection, double pssPerConnection, double rssGrowthPerConnection,
                         double pssGrowthPerConnection, long supervisorRssBytes, long loadRssBytes, long loadPssBytes, long kernelBytes,
                         double kernelPerConnection, long slabBytes, long sunreclaimBytes, long tcpBufferBytes,
                         long memAvailableBytes) {
    }

    /**
     * CPU seconds (user + system) over the whole load run (ramp and hold), and in the hold alone.
     *
     * @param wallSeconds        the load run's length
     * @param serverSeconds      the workers'
     * @param loadSeconds        the load processes'
     * @param machineBusySeconds every core's non-idle time (includes the kernel's network work)
     * @param holdWallSeconds    the hold's length
     * @param holdServerSeconds  the workers' in the hold
     * @param holdMachineBusySeconds every core's in the hold
     */
    public record Cpu(double wallSeconds, double serverSeconds, double loadSeconds, double machineBusySeconds,
                      double holdWallSeconds, double holdServerSeconds, double holdMachineBusySeconds) {
    }

    /**
     * WebSocket: the broadcasts published during the hold (one 64-byte message to the one channel
     * every subscriber is on), each timed from its publish until every subscriber had it. The
     * figures at the top are the slowest measured broadcast's.
     *
     * @param subscribers         subscribers that should receive each one (every one established)
     * @param delivered           of those, the fewest that received a measured broadcast
     * @param lastDeliverySeconds from the publish to the last subscriber's delivery, slowest measured broadcast
     * @param p50Seconds          half of the subscribers had that broadcast by then
     * @param p99Seconds          99% by then
     * @param duplicates          deliveries of a broadcast a subscriber already had, all broadcasts
     * @param rounds              every broadcast, the warm-up one first
     */
    public record Broadcast(long subscribers, long delivered, double lastDeliverySeconds, double p50Seconds,
                            double p99Seconds, long duplicates, List<BroadcastRound> rounds) {
        public Broadcast {
            rounds = List.copyOf(rounds);
        }
    }

    /**
     * One broadcast of a WebSocket run.
     *
     * @param warmup              published first, while the JIT compiles: shown, not judged
     * @param subscribers         subscribers that should receive it
     * @param delivered           subscribers that did
     * @param lastDeliverySeconds from the publish to the last subscriber's delivery
     * @param p50Seconds          delivery latency, median
     * @param p99Seconds          delivery latency, 99th percentile
     */
    public record BroadcastRound(boolean warmup, long subscribers, long delivered, double lastDeliverySeconds,
                                 double p50Seconds, double p99Seconds) {
    }

    /**
     * One worker model in the seed's comparison: N connections, each pinging in a closed loop.
     *
     * @param model          the worker model
     * @param unavailable    why it did not run (null if it did)
     * @param established    connections established
     * @param failures       failed connects plus disconnects
     * @param requestsPerSecond echoes per second in the window
     * @param meanMicros     mean round trip
     * @param p50Micros      median
     * @param p99Micros      99th percentile
     * @param maxMicros      worst
     * @param mismatches     wrong echoes
     * @param workersPssBytes the workers' memory during the window
     */
    public record Comparison(String model, String unavailable, long established, long failures,
                             double requestsPerSecond, double meanMicros, double p50Micros, double p99Micros,
                             double maxMicros, long mismatches, long workersPssBytes) {
    }

    /**
     * One sample of the timeline.
     *
     * @param seconds         since the load started
     * @param established     as the load processes count
     * @param open            open now
     * @param pingsPerSecond  echoes per second, last interval
     * @param p99Micros       p99 round trip, last interval (the worst load process's)
     * @param workersRssBytes the workers' RSS
     * @param workersPssBytes the workers' Pss
     * @param loadRssBytes    the load processes' RSS
     * @param kernelBytes     sockets' slab caches plus TCP buffer pages (absolute)
     * @param cpuBusy         the machine's busy share since the last sample, 0..1
     */
    public record Sample(double seconds, long established, long open, double pingsPerSecond, double p99Micros,
                         long workersRssBytes, long workersPssBytes, long loadRssBytes, long kernelBytes,
                         double cpuBusy) {
    }
}
