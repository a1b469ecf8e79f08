package io.throng.bus;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real broker (Debian's {@code redis-server} or {@code nats-server}) run by a test as its own
 * child process, on a free loopback port, with its log in target/. It can be stopped (SIGKILL, by
 * its PID) and started again on the same port, which is how tests take the broker away from
 * running nodes. {@code bin/test-peers.sh} (run by {@code ./mvnw verify}) installs both servers.
 */
public final class BrokerProcess implements AutoCloseable {

    public enum Kind {
        REDIS("redis-server", "redis"), NATS("nats-server", "nats");

        final String executable;
        final String scheme;

        Kind(String executable, String scheme) {
            this.executable = executable;
            this.scheme = scheme;
        }
    }

    private final Kind kind;
    private final int port;
    private final int monitorPort;
    private final Path log;
    /** nats-server's JetStream store (-js -sd), or null: no JetStream. */
    private final Path jetStream;
    private Process process;

    private BrokerProcess(Kind kind, int port, int monitorPort, Path log, Path jetStream) {
        this.kind = kind;
        this.port = port;
        this.monitorPort = monitorPort;
        this.log = log;
        this.jetStream = jetStream;
    }

    /** Starts a broker on a free loopback port and waits until it accepts connections. */
    public static BrokerProcess start(Kind kind) throws IOException, InterruptedException {
        return start(kind, false);
    }

    /** A nats-server with JetStream on (-js), its store in a directory of its own under target/brokers. */
    public static BrokerProcess startNatsWithJetStream() throws IOException, InterruptedException {
        return start(Kind.NATS, true);
    }

    private static BrokerProcess start(Kind kind, boolean jetStream) throws IOException, InterruptedException {
        Path dir = Path.of("target", "brokers");
        Files.createDirectories(dir);
        int port = freePort();
        int monitor = kind == Kind.NATS ? freePort() : 0;
        Path store = jetStream ? Files.createTempDirectory(dir, "jetstream-" + port + "-").toAbsolutePath() : null;
        BrokerProcess b = new BrokerProcess(kind, port, monitor, dir.resolve(kind.executable + "-" + port + ".log").toAbsolutePath(), store);
        b.startAgain();
        return b;
    }

    /** Starts the broker (again) on its port. */
    public void startAgain() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(kind.executable + " is running already (pid " + process.pid() + ")");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(executable(kind.executable));
        if (kind == Kind.REDIS) {
            cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--daemonize", "no", "--protected-mode", "no", "--logfile", ""));
        } else {
            cmd.addAll(List.of("-a", "127.0.0.1", "-p", Integer.toString(port), "-m", Integer.toString(monitorPort)));
            if (jetStream != null) {
                cmd.addAll(List.of("-js", "-sd", jetStream.toString()));
            }
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!accepts(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String tail = Files.exists(log) ? Files.readString(log) : "(no log)";
                kill();
                throw new IOException(kind.executable + " did not start on port " + port + "; its log:\n" + tail);
            }
            Thread.sleep(20);
        }
    }

    /** Kills the broker (SIGKILL, by PID) and waits until it is gone and its port closed. */
    public void kill() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(20, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (accepts(port) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    public String url() {
        return kind.scheme + "://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** nats-server's HTTP monitoring port (/subsz, /connz); 0 for Redis. */
    public int monitorPort() {
        return monitorPort;
    }

    public long pid() {
        return process.pid();
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    @Override
    public String toString() {
        return kind.executable + " on " + port;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** The server's path: on PATH or in the Debian directories (nats-server lives in /usr/sbin). */
    static String executable(String name) throws IOException {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new IOException(name + " is not installed: apt-get install " + name
                + " (bin/test-peers.sh installs it; ./mvnw verify runs that)");
    }
}
