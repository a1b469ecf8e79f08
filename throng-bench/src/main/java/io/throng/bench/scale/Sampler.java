package io.throng.bench.scale;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads, every few seconds, what the processes of a scale run use: the server's workers (children
 * of the supervisor) and the load processes (this process's other children), and the kernel's
 * share. CPU time is remembered per process id, so a process that has exited still counts with
 * its last reading.
 */
final class Sampler {
    private static final long PAGE = 4096;
    /**
     * The slab caches a connection's two sockets live in: the socket, its inode, its open file,
     * its epoll entry and wait-queue hook, its port's bind buckets, the conntrack entry. (Each
     * socket also has a dentry, ~192 B, left out: the dentry cache grows with any file activity
     * on the machine, and this one is shared.)
     */
    static final java.util.Set<String> SOCKET_CACHES = java.util.Set.of("TCP", "request_sock_TCP", "sock_inode_cache",
            "filp", "eventpoll_epi", "eventpoll_pwq", "nf_conntrack", "tcp_bind_bucket", "tcp_bind2_bucket");

    /**
     * One reading; bytes and CPU seconds.
     *
     * @param workersCpu CPU seconds of every worker that has run so far
     * @param loadCpu    and of every load process
     */
    record Reading(long nanos, int workers, long workersRss, long workersPss, long supervisorRss, long loadRss,
                   long loadPss, long slab, long sunreclaim, long socketSlab, long tcpBuffers, long memAvailable,
                   double workersCpu, double loadCpu, double machineBusy, double machineTotal) {

        /** Kernel memory for sockets: their slab caches (or all slab, where slabinfo is unreadable) and buffers. */
        long kernel() {
            return (socketSlab >= 0 ? socketSlab : slab) + tcpBuffers;
        }
    }

    private final PreforkServer server;
    private final Map<Long, Double> workerCpu = new HashMap<>();
    private final Map<Long, Double> loadCpu = new HashMap<>();

    Sampler(PreforkServer server) {
        this.server = server;
    }

    synchronized Reading read() {
        long workersRss = 0;
        long workersPss = 0;
        List<Long> workers = server.workerPids();
        for (long pid : workers) {
            workersRss += Math.max(0, ProcFs.rssBytes(pid));
            workersPss += Math.max(0, ProcFs.pssBytes(pid));
            remember(workerCpu, pid);
        }
        long loadRss = 0;
        long loadPss = 0;
        List<Long> load = ProcessHandle.current().children().map(ProcessHandle::pid).filter(p -> p != server.pid()).toList();
        for (long pid : load) {
            loadRss += Math.max(0, ProcFs.rssBytes(pid));
            loadPss += Math.max(0, ProcFs.pssBytes(pid));
            remember(loadCpu, pid);
        }
        Map<String, Long> mem = ProcFs.meminfo();
        Map<String, Long> tcp = ProcFs.tcpSockstat();
        double[] cpu = ProcFs.machineCpuSeconds();
        return new Reading(System.nanoTime(), workers.size(), workersRss, workersPss,
                Math.max(0, ProcFs.rssBytes(server.pid())), loadRss, loadPss, mem.getOrDefault("Slab", 0L),
                mem.getOrDefault("SUnreclaim", 0L), ProcFs.slabBytes(SOCKET_CACHES), tcp.getOrDefault("mem", 0L) * PAGE,
                mem.getOrDefault("MemAvailable", 0L), sum(workerCpu), sum(loadCpu), cpu[0], cpu[1]);
    }

    private static void remember(Map<Long, Double> cpu, long pid) {
        double s = ProcFs.cpuSeconds(pid);
        if (s >= 0) {
            cpu.merge(pid, s, Math::max);
        }
    }

    private static double sum(Map<Long, Double> cpu) {
        double s = 0;
        for (double v : cpu.values()) {
            s += v;
        }
        return s;
    }
}
