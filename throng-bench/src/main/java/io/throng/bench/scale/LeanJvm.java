package io.throng.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * JVM settings for many small processes on one machine: a million connections here take ~55 server
 * workers and ~52 load processes, so what one JVM costs before it holds a connection is paid a
 * hundred times. Each option below was measured (RSS and PSS of an idle worker; method and table in
 * docs/scale.md, script scripts/lean-worker-jvm.sh):
 *
 * <ul>
 *   <li>{@code -XX:+UseSerialGC}: no GC worker threads, no remembered sets or card-table regions
 *       of G1; a worker's heap is a few MiB of long-lived connection state.</li>
 *   <li>{@code -Xms8m -Xmx128m}: G1's ergonomics start a 24 GiB machine's JVM at 1/64 of RAM;
 *       the heap grows only as connections need it.</li>
 *   <li>{@code -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:ReservedCodeCacheSize=16m}: C1
 *       only, one compiler thread: no C2 arenas (tens of MiB at peaks), a small code cache. Fine for
 *       holding connections; the throughput comparison runs with C2 as well.</li>
 *   <li>{@code -Xss256k}: the few platform threads reserve less (only touched pages count).</li>
 *   <li>{@code -XX:-UsePerfData}: no 32 KiB hsperfdata file mapped per process.</li>
 *   <li>{@code -XX:TrimNativeHeapInterval=5000}: gives glibc's freed native memory back every 5 s
 *       (startup leaves malloc arenas full of freed blocks).</li>
 *   <li>{@code MALLOC_ARENA_MAX=2} (environment): glibc otherwise gives each thread that mallocs
 *       an arena of its own, up to 8 per core.</li>
 *   <li>{@code -XX:+UseCompactObjectHeaders} (always on: the supervisor adds it): 8-byte headers.</li>
 *   <li>{@code -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0}: map the class-data
 *       archives (the JDK's and the AOT cache below) at the address they were built for. By
 *       default (mode 1, since JDK 20, for address-space randomisation) they are mapped elsewhere
 *       and every pointer in them is relocated, which writes to, and so privately copies, ~16 MiB
 *       of pages in every process; at their own address they stay clean pages of one file that all
 *       workers share.</li>
 *   <li>An AOT cache ({@code -XX:AOTCache}, JDK 25's class data sharing for the application's
 *       classes): the classes of throng, picocli and Jackson are parsed once into a file every
 *       worker maps read-only, so their metadata is shared instead of built 55 times, and workers
 *       start faster. Created by a short training run next to the jar ({@link #aotCache}).</li>
 * </ul>
 */
public final class LeanJvm {
    /** Options of each prefork worker (the supervisor adds compact headers and native access). */
    public static final List<String> WORKER = List.of("-XX:+UseSerialGC", "-Xms8m", "-Xmx128m",
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m", "-Xss256k",
            "-XX:-UsePerfData", "-XX:TrimNativeHeapInterval=5000", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:ArchiveRelocationMode=0");

    /** Options of each load process: as a worker's, with room for its connections' state. */
    public static final List<String> LOAD = List.of("-XX:+UseCompactObjectHeaders", "-XX:+UseSerialGC", "-Xms16m",
            "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m",
            "-Xss256k", "-XX:-UsePerfData", "-XX:TrimNativeHeapInterval=5000", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:ArchiveRelocationMode=0", "--enable-native-access=ALL-UNNAMED");

    /** Options of the prefork supervisor: it only reads the workers' status lines. */
    public static final List<String> SUPERVISOR = List.of("-XX:+UseCompactObjectHeaders", "-XX:+UseSerialGC",
            "-Xms8m", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=16m",
            "-XX:-UsePerfData", "-XX:TrimNativeHeapInterval=5000", "--enable-native-access=ALL-UNNAMED");

    /** Environment of every process a scale run starts (workers inherit the supervisor's). */
    public static final Map<String, String> ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private LeanJvm() {
    }

    /**
     * The AOT cache for workers started from {@code classpath} with {@code options}: made by a
     * training run (a worker that starts, serves for two seconds and stops) when missing or older
     * than the jar. Returns the option that uses it, or an empty list when the classpath is not one
     * jar (class data sharing takes classes from jars only, not from build directories) or the
     * training run fails.
     */
    public static List<String> aotCache(String classpath, List<String> options, String serverMain, Consumer<String> log)
            throws InterruptedException {
        if (classpath.contains(java.io.File.pathSeparator) || !classpath.endsWith(".jar")) {
            return List.of();
        }
        Path jar = Path.of(classpath);
        // One cache per option set: a cache made under other GC or header options is refused.
        Path cache = jar.resolveSibling("throng-worker-" + Integer.toHexString(options.hashCode()) + ".aot");
        try {
            if (!Files.exists(cache) || Files.getLastModifiedTime(cache).compareTo(Files.getLastModifiedTime(jar)) < 0) {
                log.accept("making the workers' AOT cache " + cache + " (a 2-second training run)");
                List<String> cmd = new ArrayList<>(workerPrefix(options));
                cmd.add("-XX:AOTCacheOutput=" + cache);
                cmd.addAll(List.of("-cp", classpath, serverMain, "serve", "--model", "multi-reactor", "--loops", "1",
                        "--port", "0", "--handler", "timestamp-echo", "--status-format", "json", "--status-interval",
                        "500ms", "--duration", "2s", "--reuse-port"));
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
                pb.environment().putAll(ENVIRONMENT);
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(cache)) {
                    p.destroyForcibly();
                    log.accept("no AOT cache (the training run failed): " + out.lines().limit(5).toList());
                    return List.of();
                }
            }
            return List.of("-XX:AOTCache=" + cache);
        } catch (IOException e) {
            log.accept("no AOT cache: " + e.getMessage());
            return List.of();
        }
    }

    /** {@code options} without the C1-only settings, for runs that measure speed rather than memory. */
    public static List<String> withC2(List<String> options) {
        List<String> o = new ArrayList<>(options);
        o.removeIf(x -> x.startsWith("-XX:TieredStopAtLevel=") || x.startsWith("-XX:CICompilerCount="));
        return o;
    }

    /** {@code options} with the heap ceiling set to {@code mib} MiB. */
    public static List<String> withHeap(List<String> options, long mib) {
        List<String> o = new ArrayList<>(options);
        o.removeIf(x -> x.startsWith("-Xmx"));
        o.add("-Xmx" + mib + "m");
        return o;
    }

    /** The java command and options a supervisor starts a worker with (it adds the same two first). */
    static List<String> workerPrefix(List<String> options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-XX:+UseCompactObjectHeaders");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(options);
        return cmd;
    }
}
