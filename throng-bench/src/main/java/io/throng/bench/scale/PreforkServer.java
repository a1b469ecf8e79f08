package io.throng.bench.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The server of a scale run: {@code throng serve --model prefork} (or {@code throng push} for
 * WebSocket) in a process of its own, with its workers as children. Follows the supervisor's
 * output: the line that says every worker listens, the cluster status lines (the last few are kept
 * for the report), and any worker that exits (a failure: its connections were lost).
 */
final class PreforkServer implements AutoCloseable {
    private static final int KEPT_STATUS_LINES = 4;

    private final Process process;
    private final int port;
    private final CountDownLatch serving = new CountDownLatch(1);
    private final List<String> status = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<String> early = new CopyOnWriteArrayList<>();

    private PreforkServer(Process process, int port) {
        this.process = process;
        this.port = port;
        Thread.ofPlatform().daemon(true).name("scale-server-out").start(this::follow);
    }

    /**
     * Starts {@code workers} workers running {@code model} on a free port and waits until all of
     * them listen (a few seconds each when dozens start on two cores).
     */
    static PreforkServer start(ScaleOptions options, int workers, String model, List<String> workerJvm)
            throws IOException, InterruptedException {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(LeanJvm.SUPERVISOR);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(options.serverMain());
        cmd.addAll(arguments(options, workers, model, port, workerJvm));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(LeanJvm.ENVIRONMENT);
        PreforkServer server = new PreforkServer(pb.start(), port);
        long seconds = 90 + 4L * workers;
        if (!server.serving.await(seconds, TimeUnit.SECONDS)) {
            server.close();
            throw new IOException("the prefork server did not serve within " + seconds + " s; it said:\n"
                    + String.join("\n", server.early));
        }
        return server;
    }

    /** The supervisor's arguments: one loop per worker (dozens of workers share two cores), small pools. */
    static List<String> arguments(ScaleOptions options, int workers, String model, int port, List<String> workerJvm) {
        List<String> a = new ArrayList<>();
        switch (options.protocol()) {
            case TCP -> a.addAll(List.of("serve", "--handler", "timestamp-echo"));
            // the push service: subscribers at /sub/<channel>, publishes relayed to every worker by the
            // supervisor's embedded bus. The subscribers ping (the run's liveness check), so the server's
            // own pings of silent subscribers are off: at its default (a ping after 60 s of silence)
            // they added N / 60 pings a second to the ramp, 16,667 at a million, more than the ramp.
            // The server waits for an upgrade request as long as the load waits for its answer
            // (--connect-timeout): in the ramp's first minute, with a hundred JVMs starting on two
            // cores, some load processes sent theirs more than the default 10 s after the worker
            // accepted, and the worker closed those connections (377 at a million).
            case WS -> a.addAll(List.of("push", "--bus", "embedded", "--idle-timeout", "0",
                    "--handshake-timeout", Math.round(options.connectTimeoutSeconds() * 1000) + "ms"));
        }
        if (options.centrifugoSecretFile() != null) {
            // Centrifugo's endpoint beside the raw one; the workers read the key from the file themselves
            a.addAll(List.of("--centrifugo", "--centrifugo-hmac-secret-file",
                    java.nio.file.Path.of(options.centrifugoSecretFile()).toAbsolutePath().toString()));
            if (options.pingInterval() > 0) {
                // The server's {} pings as often as the load's own (the plan keeps those near 8,333 a
                // second): at Centrifugo's 25 s a million subscribers would take 40,000 pings and
                // pongs a second on top. The pong gets half the interval: a broadcast to a million
                // keeps both cores busy for tens of seconds, and 8 s would close subscribers then.
                long interval = Math.max(2, Math.round(options.pingInterval()));
                a.addAll(List.of("--centrifugo-ping-interval", interval + "s", "--centrifugo-pong-timeout", interval / 2 + "s"));
            }
        }
        a.addAll(List.of("--model", "prefork", "--procs", Integer.toString(workers), "--worker-model", model,
                "--transport", options.transport(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--loops", "1", "--workers", "2", "--status-interval", "5s", "--shutdown-timeout", "10s",
                "--worker-jvm", String.join(" ", workerJvm)));
        return a;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** The workers' process ids now. */
    List<Long> workerPids() {
        return process.toHandle().children().map(ProcessHandle::pid).toList();
    }

    /** The last few cluster status lines, and every worker exit or restart. */
    List<String> log() {
        List<String> all = new ArrayList<>(events);
        all.addAll(status);
        return all;
    }

    /** Lines that report a worker exiting: each one lost its connections. */
    List<String> workerExits() {
        return events.stream().filter(l -> l.contains("exited with status")).toList();
    }

    private void follow() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("cluster ")) {
                    status.add(line);
                    if (status.size() > KEPT_STATUS_LINES) {
                        status.removeFirst();
                    }
                } else if (line.startsWith("throng serving") || line.startsWith("throng push on")) {
                    serving.countDown();
                } else if (line.contains("exited with status") || line.contains("restarting") || line.contains("could not")) {
                    events.add(line);
                } else if (early.size() < 200) {
                    early.add(line);
                }
            }
        } catch (IOException ignored) {
            // the supervisor is gone
        }
    }

    /** SIGTERM: the supervisor stops every worker gracefully; forced after two minutes. */
    @Override
    public void close() throws InterruptedException {
        process.toHandle().destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A free port below the default ephemeral range (32768 and up), so that a million connects
     * looking for ephemeral ports never compete with it.
     */
    private static int freePort() throws IOException {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 100; attempt++) {
            int candidate = random.nextInt(12_000, 32_000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", candidate));
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port found in 12000..32000");
    }
}
