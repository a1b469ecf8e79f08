package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.load.Load;
import io.throng.load.LoadMode;
import io.throng.load.LoadOptions;
import io.throng.load.LoadResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The prefork supervisor, as a user runs it (a child JVM running {@code throng serve --model
 * prefork}): workers share the port, a worker killed under load is restarted, SIGTERM stops all.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PreforkTest {
    private static final Pattern WORKER = Pattern.compile("prefork: worker (\\d+) \\(pid (\\d+)\\) serving");

    @Test
    void workersShareThePortAKilledWorkerIsRestartedAndSigtermStopsAll() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-XX:+UseCompactObjectHeaders", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ThrongCommand.class.getName(),
                "serve", "--model", "prefork", "--procs", "2", "--worker-model", "single-reactor",
                "--handler", "timestamp-echo", "--port", Integer.toString(port), "--status-interval", "500ms",
                "--worker-jvm", "-Xmx256m");
        Process supervisor = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofPlatform().daemon(true).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(supervisor.getInputStream()))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // ended
            }
        });
        try {
            await(lines, "throng serving timestamp-echo on 127.0.0.1:" + port + " (prefork x2 single-reactor", 60);
            List<Long> pids = workerPids(lines);
            assertThat(pids).hasSize(2);

            // Held connections pinging; while they run, kill one worker outright.
            LoadOptions hold = LoadOptions.defaults(LoadMode.HOLD).withTarget("127.0.0.1", port).withConns(200)
                    .withRate(2000).withPingInterval(0.2).withTiming(0, 3).withLoops(1);
            boolean[] killed = new boolean[1];
            LoadResult held;
            try (io.throng.load.LoadRun run = new io.throng.load.LoadRun(hold, p -> { })) {
                run.connect(); // all 200 up (and spread over both workers) before the kill
                Thread killer = Thread.ofPlatform().start(() -> {
                    try {
                        Thread.sleep(1000);
                        killed[0] = ProcessHandle.of(pids.getFirst()).map(ProcessHandle::destroyForcibly).orElse(false);
                    } catch (InterruptedException ignored) {
                        // test ends
                    }
                });
                held = run.measure();
                killer.join();
            }
            assertThat(killed[0]).as("worker " + pids.getFirst() + " killed").isTrue();
            assertThat(held.established()).isEqualTo(200);
            assertThat(held.disconnects()).as("connections of the killed worker were lost; supervisor said:\n"
                    + String.join("\n", lines)).isPositive()
                    .isLessThan(200);
            assertThat(held.openAtEnd()).as("the other worker's stayed up").isPositive();
            assertThat(held.mismatches()).isZero();

            await(lines, "exited with status 137", 30);
            await(lines, "restarting it in", 30);
            awaitCount(lines, WORKER, 3, 60); // the restarted worker announces itself again
            assertThat(lines).anyMatch(l -> l.contains("restarts 1"));

            // Everyone is served again, by both workers.
            LoadOptions pp = LoadOptions.defaults(LoadMode.PINGPONG).withTarget("127.0.0.1", port).withConns(100)
                    .withTiming(0.3, 1).withLoops(1);
            LoadResult after = Load.run(pp, p -> { });
            assertThat(after.established()).isEqualTo(100);
            assertThat(after.connectFailures()).isEmpty();
            assertThat(after.mismatches()).isZero();
            assertThat(after.responses()).isPositive();

            List<Long> all = workerPids(lines);
            supervisor.toHandle().destroy(); // SIGTERM (Process.destroy() would also close the pipes we read)
            assertThat(supervisor.waitFor(60, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            assertThat(lines).anyMatch(l -> l.contains("prefork: stopping 2 workers gracefully"));
            assertThat(lines).anyMatch(l -> l.contains("stopped: every connection closed cleanly"));
            assertThat(lines).anyMatch(l -> l.equals("prefork: stopped"));
            for (long pid : all) {
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                        .as("worker " + pid + " stopped").isFalse();
            }
        } finally {
            supervisor.destroyForcibly();
            for (long pid : workerPids(lines)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static List<Long> workerPids(List<String> lines) {
        List<Long> pids = new ArrayList<>();
        for (String l : lines) {
            Matcher m = WORKER.matcher(l);
            if (m.find()) {
                pids.add(Long.parseLong(m.group(2)));
            }
        }
        return pids;
    }

    private static void await(List<String> lines, String text, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (lines.stream().noneMatch(l -> l.contains(text))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' in the supervisor's output:\n" + String.join("\n", lines));
            }
            Thread.sleep(50);
        }
    }

    private static void awaitCount(List<String> lines, Pattern p, int count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (lines.stream().filter(l -> p.matcher(l).find()).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + count + " matches of " + p + ":\n" + String.join("\n", lines));
            }
            Thread.sleep(50);
        }
    }
}
