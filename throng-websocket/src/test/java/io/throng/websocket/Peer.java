package io.throng.websocket;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An independent implementation run as a child process (node with the ws library, Debian's
 * python3-websockets, Chromium through Playwright): its stdout lines are queued for the test, its
 * stdin lets the test signal it, and it is killed when the test is done. A missing tool is a clear
 * failure, not a skip: .ci/run installs them.
 */
final class Peer implements AutoCloseable {
    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    static final Path PYTHON_DIR = Path.of("src/test/python").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3"; // Debian's, where python3-websockets is installed

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private Peer(Process process) {
        this.process = process;
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (all) {
                        all.add(line);
                    }
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
    }

    static Peer node(String script, String... args) throws IOException {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/ws")) || !Files.isDirectory(NODE_DIR.resolve("node_modules/playwright-core"))) {
            throw new AssertionError("the npm test peers are not installed in " + NODE_DIR
                    + ": run .ci/run, or 'npm ci' in that directory");
        }
        List<String> cmd = new ArrayList<>(List.of("node", NODE_DIR.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return start(cmd, NODE_DIR);
    }

    static Peer python(String script, String... args) throws IOException {
        if (!Files.isExecutable(Path.of(PYTHON))) {
            throw new AssertionError(PYTHON + " is missing: run .ci/run (it installs python3-websockets)");
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, PYTHON_DIR.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return start(cmd, PYTHON_DIR);
    }

    private static Peer start(List<String> cmd, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("PYTHONPATH");
        return new Peer(pb.start());
    }

    /** The next stdout line, waiting up to {@code seconds}. */
    String line(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("the peer printed nothing within " + seconds + " s; its output: " + output());
        }
        return l;
    }

    /** The next line starting with {@code prefix}, skipping others (warnings, logs). */
    String lineStartingWith(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String l = lines.poll(Math.max(1, left), TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError("no line starting with '" + prefix + "' within " + seconds + " s; output: " + output());
            }
            if (l.startsWith(prefix)) {
                return l;
            }
        }
    }

    /** Waits for the process to end; returns its exit code. */
    int exitCode(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("the peer did not finish within " + seconds + " s; output: " + output());
        }
        return process.exitValue();
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
