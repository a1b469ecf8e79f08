package io.throng.cli.rpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark's server in its own JVM, so that it and the load generator do not share a heap, a
 * GC or JIT threads: throng's ({@code throng rpc serve}) or tRPC-Java 1.1.0's (the peer program
 * from module throng-rpc-trpc-java-peer). Stopped by PID when the bench ends.
 */
final class ChildServer implements AutoCloseable {
    final String name;
    final InetSocketAddress address;
    final String func;
    private final Process process;

    private ChildServer(String name, InetSocketAddress address, String func, Process process) {
        this.name = name;
        this.address = address;
        this.func = func;
        this.process = process;
    }

    /** throng's echo server, on the same classpath as this JVM; it stops by itself after {@code maxLife}. */
    static ChildServer throng(String model, int loops, String execution, long maxLifeSeconds) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(java(), "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED",
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), "io.throng.cli.ThrongCommand", "rpc", "serve",
                "--port", String.valueOf(port), "--model", model, "--loops", String.valueOf(loops),
                "--execution", execution, "--status-interval", "0", "--duration", maxLifeSeconds + "s"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        awaitLine(p, "throng rpc serving", 60);
        return new ChildServer("throng (" + model + ", " + execution + ")", new InetSocketAddress("127.0.0.1", port),
                "/" + EchoService.DEFAULT_NAME + "/Echo", p);
    }

    /** tRPC-Java 1.1.0's server with the probe service (its Echo returns the StringValue it gets). */
    static ChildServer trpcJava(Path peerTarget) throws Exception {
        Path classes = peerTarget.resolve("classes");
        Path cpFile = peerTarget.resolve("peer-classpath.txt");
        if (!Files.isRegularFile(cpFile) || !Files.isDirectory(classes)) {
            throw new IllegalArgumentException("the tRPC-Java peer is not built under " + peerTarget
                    + " (build it with ./mvnw -B -pl throng-rpc-trpc-java-peer package, or pass --trpc-java-peer DIR)");
        }
        int port = freePort();
        String cp = classes + java.io.File.pathSeparator + Files.readString(cpFile).strip();
        Process p = new ProcessBuilder(java(), "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp", cp, "io.throng.rpc.peer.TrpcJavaServer",
                String.valueOf(port)).redirectErrorStream(true).start();
        awaitLine(p, "READY", 90);
        return new ChildServer("tRPC-Java 1.1.0", new InetSocketAddress("127.0.0.1", port),
                "/trpc.interop.probe.Probe/Echo", p);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Reads the child's output until a line starts with {@code prefix}; then drains the rest in the background. */
    private static void awaitLine(Process p, String prefix, int seconds) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (seen) {
                        seen.add(line);
                        seen.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the child ended
            }
        });
        synchronized (seen) {
            while (seen.stream().noneMatch(l -> l.startsWith(prefix))) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!p.isAlive() && !reader.isAlive())) {
                    p.destroyForcibly();
                    throw new IllegalStateException("server child (pid " + p.pid() + ") did not print '" + prefix
                            + "' within " + seconds + " s; its output: " + seen);
                }
                seen.wait(Math.max(1, Math.min(200, left / 1_000_000)));
            }
        }
    }

    /** CPU time the server process has used so far (user + system), in nanoseconds; -1 if unknown. */
    long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(-1L);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: throng stops gracefully; tRPC-Java exits
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
