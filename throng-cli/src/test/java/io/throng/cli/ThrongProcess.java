package io.throng.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code throng} command run as a user runs it: a child JVM on this test's class path, its
 * output (stdout and stderr) collected line by line. Closing kills it and every process it
 * started (by PID).
 */
final class ThrongProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ThrongProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // ended
            }
        });
    }

    static ThrongProcess start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), ThrongCommand.class.getName()));
        cmd.addAll(List.of(args));
        return new ThrongProcess(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    List<String> lines() {
        return lines;
    }

    String output() {
        return String.join("\n", lines);
    }

    long pid() {
        return process.pid();
    }

    /** Waits for a line containing {@code text}; returns it. */
    String await(String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            for (String l : lines) {
                if (l.contains(text)) {
                    return l;
                }
            }
            if (System.nanoTime() > deadline || !process.isAlive() && !reader.isAlive()) {
                throw new AssertionError("no line with '" + text + "' within " + seconds + " s; the output:\n" + output());
            }
            Thread.sleep(20);
        }
    }

    /** Waits for a line matching {@code pattern} that {@code accept}s; returns its matcher. */
    Matcher awaitMatch(Pattern pattern, java.util.function.Predicate<Matcher> accept, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int from = 0;
        while (true) {
            for (int i = from; i < lines.size(); i++) {
                Matcher m = pattern.matcher(lines.get(i));
                if (m.find() && accept.test(m)) {
                    return m;
                }
            }
            from = 0;
            if (System.nanoTime() > deadline || !process.isAlive() && !reader.isAlive()) {
                throw new AssertionError("no line matching " + pattern + " within " + seconds + " s; the output:\n" + output());
            }
            Thread.sleep(50);
        }
    }

    /** The port of the first line "throng push on 127.0.0.1:PORT". */
    int pushPort(int seconds) throws InterruptedException {
        Matcher m = awaitMatch(Pattern.compile("^throng push on 127\\.0\\.0\\.1:(\\d+)"), x -> true, seconds);
        return Integer.parseInt(m.group(1));
    }

    /** SIGTERM (a graceful stop) and waits for the exit; true if it exited in time. */
    boolean stop(int seconds) throws InterruptedException {
        process.toHandle().destroy();
        boolean exited = process.waitFor(seconds, TimeUnit.SECONDS);
        reader.join(2000);
        return exited;
    }

    @Override
    public void close() {
        for (ProcessHandle h : process.descendants().toList()) {
            h.destroyForcibly();
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
