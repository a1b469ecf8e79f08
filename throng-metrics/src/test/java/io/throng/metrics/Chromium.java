package io.throng.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, the tests' real browser: loads a page, lets it run for a budget of
 * virtual time, and prints the DOM its script built. Virtual time does not pass while a fetch is
 * pending, so a page whose server paces its requests (the status page) runs in real time.
 */
final class Chromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    /** Chromium starts in about a second; a budget of a few seconds on top, with room for a loaded machine. */
    private static final long RUN_SECONDS = 60;

    private Chromium() {
    }

    /** Fails at once, in one line, where Chromium is not installed: bin/test-peers.sh installs it. */
    static void require() {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is not installed: apt-get install chromium"
                    + " (bin/test-peers.sh installs it; ./mvnw verify runs that)");
        }
    }

    /** The DOM of {@code url} after {@code virtualMillis} of the page's time. */
    static String dumpDom(String url, int virtualMillis) throws IOException, InterruptedException {
        require();
        Path profile = Files.createTempDirectory("throng-chromium-");
        Path out = profile.resolve("dom.html");
        Path err = profile.resolve("stderr.txt");
        try {
            Process p = new ProcessBuilder(BINARY.toString(), "--headless",
                    "--no-sandbox", // the tests may run as root, where Chromium's sandbox refuses to start
                    "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile, "--window-size=1200,800",
                    "--virtual-time-budget=" + virtualMillis, "--dump-dom", url)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(RUN_SECONDS, TimeUnit.SECONDS)) {
                List<ProcessHandle> tree = p.descendants().toList();
                p.destroyForcibly();
                tree.forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("chromium did not finish within " + RUN_SECONDS + " s");
            }
            byte[] dom = Files.readAllBytes(out);
            if (p.exitValue() != 0 || dom.length == 0) {
                throw new AssertionError("chromium exited " + p.exitValue() + " with " + dom.length + " bytes of DOM: "
                        + tail(Files.readString(err, StandardCharsets.UTF_8)));
            }
            return new String(dom, StandardCharsets.UTF_8);
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** The end of Chromium's stderr, where the reason is (the start is D-Bus noise on a machine without one). */
    private static String tail(String text) {
        return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
    }
}
