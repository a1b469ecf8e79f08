package io.throng.rpc.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * tRPC-Java 1.1.0 in a forked JVM: the programs of module throng-rpc-trpc-java-peer, run from its
 * target/classes with the classpath its build wrote (Maven Central jars), on this JVM's own java.
 * Its Netty, protobuf 3 and log4j never reach our classpath. Stdout lines are collected for the
 * tests; stderr (tRPC-Java's logging) goes to target/trpc-java-*.log.
 */
final class TrpcJavaPeer implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread pump;

    private TrpcJavaPeer(Process process) {
        this.process = process;
        this.pump = Thread.ofPlatform().daemon().name("trpc-java-peer-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process went away
            }
        });
    }

    /** Starts the tRPC-Java server on {@code port} and waits until it serves. */
    static TrpcJavaPeer server(int port) throws Exception {
        TrpcJavaPeer p = new TrpcJavaPeer(launch("io.throng.rpc.peer.TrpcJavaServer", String.valueOf(port)));
        p.awaitLine(l -> l.startsWith("READY"), 90);
        return p;
    }

    /** Runs the tRPC-Java client's scenarios against {@code port}; returns its RESULT lines. */
    static List<String> runClient(int port) throws Exception {
        try (TrpcJavaPeer p = new TrpcJavaPeer(launch("io.throng.rpc.peer.TrpcJavaClient", String.valueOf(port)))) {
            p.awaitLine("DONE"::equals, 120);
            return p.lines();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static Process launch(String mainClass, String... args) throws IOException {
        String dir = System.getProperty("throng.trpcjava.peer.dir");
        if (dir == null) {
            throw new IllegalStateException("system property throng.trpcjava.peer.dir is not set (run the tests through Maven)");
        }
        Path target = Path.of(dir);
        Path classes = target.resolve("classes");
        Path cpFile = target.resolve("peer-classpath.txt");
        if (!Files.isDirectory(classes.resolve("io/throng/rpc/peer")) || !Files.isRegularFile(cpFile)) {
            throw new IllegalStateException("the tRPC-Java peer is not built under " + target
                    + "; build it with: ./mvnw -B -pl throng-rpc -am verify");
        }
        String classpath = classes + java.io.File.pathSeparator + Files.readString(cpFile).strip();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(),
                // tRPC-Java 1.1.0's client proxies (ByteBuddy 1.14) inject classes into java.lang on JDK 17+
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, mainClass));
        cmd.addAll(List.of(args));
        Path log = Path.of("target", "trpc-java-" + mainClass.substring(mainClass.lastIndexOf('.') + 1)
                + "-" + RUNS.incrementAndGet() + ".log");
        return new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    /** Waits for a stdout line matching {@code p}; fails with the process's state and output. */
    String awaitLine(Predicate<String> p, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (String l : lines) {
                if (p.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive() && !pump.isAlive()) {
                break;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("tRPC-Java peer (" + (process.isAlive() ? "running" : "exit " + process.exitValue())
                + ") printed no expected line within " + seconds + " s; stdout: " + lines + "; see target/trpc-java-*.log");
    }

    /** Kills the peer at once (SIGKILL): the kernel closes its sockets under our clients. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            try {
                process.getOutputStream().close(); // the peer halts when its stdin closes
            } catch (IOException ignored) {
                // already gone
            }
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
