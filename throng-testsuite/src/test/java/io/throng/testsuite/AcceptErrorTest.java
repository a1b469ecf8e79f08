package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Out of descriptors (EMFILE), a server must neither spin nor fall over, and must accept again every
 * time descriptors free up: the server runs in a child process whose descriptor limit is set low with
 * the shell's ulimit, more clients connect than it can accept, and the test reads the child's CPU
 * time from /proc while accept keeps failing; then it closes some of the connections the server
 * holds, a few times, and each time the server must take as many from its backlog; at the end,
 * with every connection closed, new clients must be served.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptErrorTest {
    private static final int FD_LIMIT = 160;
    private static final int CLIENTS = 400;
    /**
     * Connections closed each time to free descriptors: the engine's accept batch (64 a readiness
     * report), so that io_uring's multishot accept ends with exactly one batch accepted ahead of its
     * EMFILE; that failure once went unreported (the listener never re-armed, the accept queue
     * never drained again).
     */
    private static final int FREED = 64;
    private static final int ROUNDS = 3;
    /** Connections probed at the end: one loop of two that had stopped accepting would get about half of them. */
    private static final int PROBES = 20;

    static List<Variant> variants() {
        return Variant.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void runningOutOfDescriptorsNeitherSpinsNorStopsAccepting(Variant v) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String cp = System.getProperty("java.class.path");
        String cmd = "ulimit -n " + FD_LIMIT + " && exec '" + java + "' -Xmx128m --enable-native-access=ALL-UNNAMED -cp '" + cp + "' "
                + ChildServer.class.getName() + " '" + v.name() + "'";
        Process child = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true).start();
        AtomicReference<Integer> port = new AtomicReference<>();
        AtomicLong acceptErrors = new AtomicLong();
        AtomicLong connections = new AtomicLong();
        StringBuilder output = new StringBuilder();
        Thread.ofPlatform().daemon(true).start(() -> readChild(child, port, acceptErrors, connections, output));
        List<SocketChannel> waiting = new ArrayList<>(); // not served yet: in the backlog, or not read yet
        List<SocketChannel> served = new ArrayList<>(); // their byte came back: the server holds them
        try {
            Net.await("child server port", Duration.ofSeconds(20), () -> port.get() != null || !child.isAlive());
            assertThat(child.isAlive()).as("child server started: " + output).isTrue();
            var address = new java.net.InetSocketAddress("127.0.0.1", port.get());
            for (int i = 0; i < CLIENTS; i++) {
                SocketChannel c = Net.connect(address); // the kernel completes the handshake; accept may fail
                Net.writeFully(c, ByteBuffer.wrap(new byte[] {'x'})); // echoed once the server takes it
                c.configureBlocking(false);
                waiting.add(c);
            }
            Net.await("accept errors", Duration.ofSeconds(10), () -> acceptErrors.get() > 0);
            Thread.sleep(500);
            long cpu0 = cpuMillis(child.pid());
            Thread.sleep(2000);
            long cpu1 = cpuMillis(child.pid());
            assertThat(cpu1 - cpu0).as("server CPU over 2 s while accept fails (a spin would be ~2000 ms)")
                    .isLessThan(500);
            assertThat(child.isAlive()).isTrue();
            Net.await("every connection the server holds echoed", Duration.ofSeconds(10),
                    () -> sortEchoed(waiting, served) == connections.get());
            long held = connections.get();
            assertThat(held).as("connections held at the limit; child said: " + output).isPositive().isLessThan(CLIENTS);
            assertThat(waiting.size()).as("connections left in the backlog").isGreaterThanOrEqualTo(ROUNDS * FREED);
            for (int round = 1; round <= ROUNDS; round++) {
                for (int i = 0; i < FREED; i++) {
                    served.removeLast().close();
                }
                long errorsBefore = acceptErrors.get();
                Supplier<String> state = () -> " (" + served.size() + " served, " + waiting.size() + " waiting, "
                        + connections.get() + " open, accept errors " + acceptErrors.get() + " from " + errorsBefore + ")";
                // the server closes its ends, resumes accepting after its back-off (1 s at most by now)
                // and takes as many from its backlog, until EMFILE again
                await("round " + round + ": the server took " + FREED + " connections from its backlog after " + FREED
                        + " closed", () -> sortEchoed(waiting, served) == held, state);
                await("round " + round + ": accept failing again at the limit", () -> acceptErrors.get() > errorsBefore, state);
            }
            closeAll(waiting);
            closeAll(served);
            Net.await("connections released", Duration.ofSeconds(20), () -> connections.get() == 0);
            // descriptors are free again: every listener serves (with SO_REUSEPORT the kernel spreads
            // the probes over the loops' listeners)
            int echoed = 0;
            for (int i = 0; i < PROBES; i++) {
                echoed += echoes(address) ? 1 : 0;
            }
            assertThat(echoed).as("new connections served once the descriptors were free again; child said: " + output)
                    .isEqualTo(PROBES);
        } finally {
            closeAll(waiting);
            closeAll(served);
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    /** Waits up to 10 s for {@code condition}; the failure says what {@code state} says then. */
    private static void await(String what, BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
        try {
            Net.await(what, Duration.ofSeconds(10), condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + state.get(), e);
        }
    }

    /** Moves the connections whose byte came back from {@code waiting} to {@code served}; returns how many are served. */
    private static int sortEchoed(List<SocketChannel> waiting, List<SocketChannel> served) {
        ByteBuffer one = ByteBuffer.allocate(1);
        for (var it = waiting.iterator(); it.hasNext(); ) {
            SocketChannel c = it.next();
            one.clear();
            try {
                if (c.read(one) == 1) {
                    it.remove();
                    served.add(c);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("a held connection failed", e);
            }
        }
        return served.size();
    }

    /** A new connection's bytes come back within 2 s. */
    private static boolean echoes(java.net.InetSocketAddress address) throws IOException {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(address, 2000);
            s.setSoTimeout(2000);
            s.getOutputStream().write("ping".getBytes());
            return new String(s.getInputStream().readNBytes(4)).equals("ping");
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    private static void closeAll(List<SocketChannel> channels) throws IOException {
        for (SocketChannel c : channels) {
            c.close();
        }
        channels.clear();
    }

    private static void readChild(Process child, AtomicReference<Integer> port, AtomicLong acceptErrors,
                                  AtomicLong connections, StringBuilder output) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("port ")) {
                    port.set(Integer.parseInt(line.substring(5).trim()));
                } else if (line.startsWith("stats ")) {
                    for (String kv : line.substring(6).split(" ")) {
                        String[] p = kv.split("=");
                        if (p[0].equals("acceptErrors")) {
                            acceptErrors.set(Long.parseLong(p[1]));
                        } else if (p[0].equals("connections")) {
                            connections.set(Long.parseLong(p[1]));
                        }
                    }
                } else {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            }
        } catch (IOException ignored) {
            // the child ended
        }
    }

    /** utime + stime of a process, from /proc/<pid>/stat, in milliseconds. */
    private static long cpuMillis(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 10; // USER_HZ is 100 on Linux
    }
}
