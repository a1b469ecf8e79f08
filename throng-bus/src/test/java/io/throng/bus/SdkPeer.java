package io.throng.bus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Centrifugo's official JavaScript SDK in Node, run as a child process with throng-websocket's
 * script for it ({@code throng-websocket/src/test/node/centrifuge-client.mjs}, whose header says
 * what it prints): its stdout lines are queued for the test, and it is stopped when the test is
 * done. The npm packages are the ones throng-websocket's build installs there; missing, they are a
 * clear failure, not a skip. (throng-websocket's tests have the general runner, Peer; test sources
 * do not cross modules.)
 */
final class SdkPeer implements AutoCloseable {
    /** Where the script and its node_modules are, from this module's directory (Surefire's working directory). */
    static final Path NODE_DIR = Path.of("../throng-websocket/src/test/node").toAbsolutePath().normalize();
    private static final String ENDED = new String("<ended>");

    private final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> all = new ArrayList<>();

    private SdkPeer(Process process) {
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

    /** {@code node centrifuge-client.mjs args...} with {@code env} added. */
    static SdkPeer client(Map<String, String> env, String... args) throws IOException {
        if (!Files.isDirectory(NODE_DIR.resolve("node_modules/centrifuge"))) {
            throw new AssertionError("the npm test peers are not installed in " + NODE_DIR
                    + ": npm ci --prefix throng-websocket/src/test/node (bin/test-peers.sh does it; ./mvnw verify runs that)");
        }
        List<String> cmd = new ArrayList<>(List.of("node", NODE_DIR.resolve("centrifuge-client.mjs").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(NODE_DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            return new SdkPeer(pb.start());
        } catch (IOException e) {
            throw new AssertionError("cannot run node (apt-get install nodejs; bin/test-peers.sh does it): " + e.getMessage(), e);
        }
    }

    /** The next line starting with {@code prefix}, skipping others, within {@code seconds}. */
    String lineStartingWith(String prefix, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (l == null) {
                throw new AssertionError("no line starting with '" + prefix + "' within " + seconds + " s; output: " + output());
            }
            if (l == ENDED) {
                lines.add(ENDED);
                throw new AssertionError("the SDK's process ended before a line starting with '" + prefix + "'; output: " + output());
            }
            if (l.startsWith(prefix)) {
                return l;
            }
        }
    }

    private String output() {
        synchronized (all) {
            return String.join("\n", all);
        }
    }

    @Override
    public void close() {
        try {
            process.getOutputStream().close(); // the script quits at the end of its input
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }
}
