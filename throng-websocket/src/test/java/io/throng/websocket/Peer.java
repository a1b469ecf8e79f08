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
 * failure within seconds, not a skip and not a timeout: {@code bin/test-peers.sh} (run by
 * {@code ./mvnw verify}) installs them, and a peer that exits before printing what the test waits
 * for (a missing module, a crash) fails the wait at once with its output.
 */
final class Peer implements AutoCloseable {
    static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    static final Path PYTHON_DIR = Path.of("src/test/python").toAbsolutePath();
    static final String PYTHON = "/usr/bin/python3"; // Debian's, where python3-websockets is installed

    /** What the reader thread queues when the process's output ends; never a real line. */
    private static final String ENDED = new String("<ended>");
    private static final String INSTALL = " (bin/test-peers.sh installs it; ./mvnw verify runs that)";

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
            lines.add(ENDED);
        });
    }

    static Peer node(String script, String... args) throws IOException {
        return node(java.util.Map.of(), script, args);
    }

    /** As {@link #node(String, String...)}, with extra environment variables (NODE_EXTRA_CA_CERTS for a test CA). */
    static Peer node(java.util.Map<String, String> env, String script, String... args) throws IOException {
        if (!onPath("node")) {
            throw new AssertionError("node is not installed: apt-get install nodejs npm" + INSTALL);
        }
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/ws")) || !Files.isDirectory(NODE_DIR.resolve("node_modules/playwright-core"))) {
            throw new AssertionError("the npm test peers are not installed in " + NODE_DIR
                    + ": npm ci --prefix throng-websocket/src/test/node" + INSTALL);
        }
        List<String> cmd = new ArrayList<>(List.of("node", NODE_DIR.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return start(cmd, NODE_DIR, env);
    }

    /** Playwright drives Debian's Chromium (it downloads no browser of its own). */
    static void requireChromium() {
        if (!Files.isExecutable(Path.of("/usr/bin/chromium"))) {
            throw new AssertionError("/usr/bin/chromium is not installed: apt-get install chromium" + INSTALL);
        }
    }

    static Peer python(String script, String... args) throws IOException {
        return python(java.util.Map.of(), script, args);
    }

    /** As {@link #python(String, String...)}, with extra environment variables (SSL_CERT_FILE for a test CA). */
    static Peer python(java.util.Map<String, String> env, String script, String... args) throws IOException {
        if (!PythonWebsockets.INSTALLED) {
            throw new AssertionError("python3-websockets is not installed (" + PYTHON
                    + " cannot import websockets): apt-get install python3-websockets" + INSTALL);
        }
        List<String> cmd = new ArrayList<>(List.of(PYTHON, PYTHON_DIR.resolve(script).toString()));
        cmd.addAll(List.of(args));
        return start(cmd, PYTHON_DIR, env);
    }

    /** Whether Debian's python imports websockets, asked once (about 50 ms). */
    private static final class PythonWebsockets {
        static final boolean INSTALLED = probe();

        private static boolean probe() {
            if (!Files.isExecutable(Path.of(PYTHON))) {
                return false;
            }
            try {
                Process p = new ProcessBuilder(PYTHON, "-c", "import websockets").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static boolean onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return true;
            }
        }
        return false;
    }

    private static Peer start(List<String> cmd, Path dir, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().remove("PYTHONPATH");
        pb.environment().putAll(env);
        return new Peer(pb.start());
    }

    /** The next stdout line, waiting up to {@code seconds}. */
    String line(int seconds) throws InterruptedException {
        String l = lines.poll(seconds, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("the peer printed nothing within " + seconds + " s; its output: " + output());
        }
        if (l == ENDED) {
            throw ended("a line");
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
            if (l == ENDED) {
                throw ended("a line starting with '" + prefix + "'");
            }
            if (l.startsWith(prefix)) {
                return l;
            }
        }
    }

    private AssertionError ended(String awaited) {
        lines.add(ENDED); // a later wait fails at once too
        String code;
        try {
            code = process.waitFor(2, TimeUnit.SECONDS) ? "exit code " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            code = "interrupted";
        }
        return new AssertionError("the peer's output ended (" + code + ") before " + awaited + "; its output: " + output());
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
