package io.throng.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmark server in a process of its own, measured from outside: CPU time and RSS from /proc,
 * live heap from {@code jcmd GC.class_histogram} (which runs a full GC first). A server of several
 * processes (prefork: a supervisor and its workers) is measured as the sum over the process and
 * its descendants. A single-process server stops when its stdin closes; prefork on SIGTERM.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)");
    private static final Pattern SERVING_PORT = Pattern.compile(" on \\S+:(\\d+) ");

    private final Process process;
    private final int port;
    private final String unavailable;
    private final boolean tree;

    private ServerProcess(Process process, int port, String unavailable, boolean tree) {
        this.process = process;
        this.port = port;
        this.unavailable = unavailable;
        this.tree = tree;
    }

    static ServerProcess start(Target target, List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary("java"));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(target.classPath() != null ? target.classPath() : System.getProperty("java.class.path"));
        boolean prefork = target.kind() == Target.Kind.PREFORK;
        cmd.addAll(target.command(0)); // the prefork supervisor picks a free port for its workers itself
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> first = new CompletableFuture<>();
        StringBuilder output = new StringBuilder();
        Thread.ofPlatform().daemon(true).name("bench-server-out").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("port ") || line.startsWith("unavailable ")) {
                        first.complete(line);
                    } else if (prefork && line.startsWith("throng serving ")) {
                        // the supervisor's line once every worker listens: "... on HOST:PORT (prefork xP ..."
                        Matcher m = SERVING_PORT.matcher(line);
                        first.complete(m.find() ? "port " + m.group(1) : "exited");
                    } else if (output.length() < 4000) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            first.complete("exited");
        });
        String line;
        try {
            line = first.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            throw new IOException(target.id() + " did not start: " + output);
        }
        if (line.startsWith("unavailable ")) {
            p.waitFor(5, TimeUnit.SECONDS);
            return new ServerProcess(p, -1, line.substring(12), prefork);
        }
        if (!line.startsWith("port ")) {
            throw new IOException(target.id() + " exited before listening: " + output);
        }
        return new ServerProcess(p, Integer.parseInt(line.substring(5).trim()), null, prefork);
    }

    /** The process, and for a prefork server its live descendants (the workers). */
    private List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        if (tree) {
            process.toHandle().descendants().filter(ProcessHandle::isAlive).forEach(h -> pids.add(h.pid()));
        }
        return pids;
    }

    static String javaBinary(String tool) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return Path.of(java).resolveSibling(tool).toString();
    }

    /** Why this server cannot run on this machine (io_uring refused, say), or null. */
    String unavailable() {
        return unavailable;
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** User plus system CPU seconds of the whole server (every process of it) so far. */
    double cpuSeconds() throws IOException {
        double total = 0;
        for (long pid : pids()) {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            total += (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // USER_HZ is 100 on Linux
        }
        return total;
    }

    long rssBytes() throws IOException {
        long total = 0;
        for (long pid : pids()) {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    total += Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        }
        return total;
    }

    /**
     * Live heap, exactly: the total of a class histogram, which jcmd takes after a full GC. (The
     * "used" figure of GC.heap_info counts whole regions and moved by hundreds of bytes per
     * connection between identical runs.)
     */
    long heapUsedAfterGc() throws IOException, InterruptedException {
        long total = 0;
        for (long pid : pids()) {
            String histogram = jcmd(pid, "GC.class_histogram");
            Matcher m = HISTOGRAM_TOTAL.matcher(histogram);
            if (!m.find()) {
                throw new IOException("no total in jcmd GC.class_histogram output");
            }
            total += Long.parseLong(m.group(1));
        }
        return total;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process j = new ProcessBuilder(javaBinary("jcmd"), Long.toString(pid), command).redirectErrorStream(true).start();
        String out = new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!j.waitFor(30, TimeUnit.SECONDS) || j.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (tree) {
            process.destroy(); // SIGTERM: the supervisor stops its workers gracefully
        }
        process.getOutputStream().close();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
