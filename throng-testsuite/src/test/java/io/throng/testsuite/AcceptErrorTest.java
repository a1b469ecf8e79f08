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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Out of descriptors (EMFILE), a server must neither spin nor fall over: the server runs in a child
 * process whose descriptor limit is set low with the shell's ulimit, more clients connect than it
 * can accept, and the test reads the child's CPU time from /proc while accept keeps failing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AcceptErrorTest {
    private static final int FD_LIMIT = 160;
    private static final int CLIENTS = 260;

    static List<Variant> variants() {
        return Variant.ALL;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void runningOutOfDescriptorsNeitherSpinsNorBreaksTheServer(Variant v) throws Exception {
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
        List<SocketChannel> clients = new ArrayList<>();
        try {
            Net.await("child server port", Duration.ofSeconds(20), () -> port.get() != null || !child.isAlive());
            assertThat(child.isAlive()).as("child server started: " + output).isTrue();
            var address = new java.net.InetSocketAddress("127.0.0.1", port.get());
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Net.connect(address)); // the kernel completes the handshake; accept may fail
            }
            Net.await("accept errors", Duration.ofSeconds(10), () -> acceptErrors.get() > 0);
            Thread.sleep(500);
            long cpu0 = cpuMillis(child.pid());
            Thread.sleep(2000);
            long cpu1 = cpuMillis(child.pid());
            assertThat(cpu1 - cpu0).as("server CPU over 2 s while accept fails (a spin would be ~2000 ms)")
                    .isLessThan(500);
            assertThat(child.isAlive()).isTrue();
            long held = connections.get();
            assertThat(held).as("connections held at the limit; child said: " + output).isPositive().isLessThan(CLIENTS);
            for (SocketChannel c : clients) {
                c.close();
            }
            clients.clear();
            Net.await("connections released", Duration.ofSeconds(20), () -> connections.get() == 0);
            // descriptors are free again: the server serves
            try (SocketChannel c = Net.connect(address)) {
                Net.writeFully(c, ByteBuffer.wrap("ping".getBytes()));
                assertThat(new String(Net.readFully(c, 4))).isEqualTo("ping");
            }
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
            child.getOutputStream().close();
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
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
