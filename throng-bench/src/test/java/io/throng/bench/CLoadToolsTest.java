package io.throng.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.handler.EchoHandler;
import io.throng.core.net.Server;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C tools of the scale and connection-rate runs (scripts/hold.c, connrate.c, echo-epoll.c) are
 * instruments: built here with the machine's C compiler and run for a moment against a real server,
 * so that a figure taken with them counts what it says it counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CLoadToolsTest {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();

    @TempDir
    static Path bin;

    @BeforeAll
    static void compile() throws Exception {
        for (String tool : List.of("hold", "connrate", "echo-epoll")) {
            Result r = run(List.of("gcc", "-O2", "-pthread", "-o", bin.resolve(tool).toString(),
                    SCRIPTS.resolve(tool + ".c").toString()), 60);
            assertThat(r.status).as("gcc %s: %s", tool, r.out).isZero();
        }
    }

    @Test
    void holdCountsEveryConnectionHeldAndPingedAgainstThrong() throws Exception {
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.SINGLE_REACTOR),
                new EchoHandler())) {
            Result r = run(List.of(bin.resolve("hold").toString(), "-n", "300", "-r", "3000", "-H", "1", "-P", "2",
                    "-s", "127.0.0.2,127.0.0.3", "127.0.0.1", Integer.toString(server.port())), 60);
            assertThat(r.status).as(r.out).isZero();
            assertThat(r.out).contains("established 300,", "lost while held 0,", "pings answered 300,", "pings failed 0");
        }
    }

    @Test
    void holdCountsConnectsThatFindNoServer() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result r = run(List.of(bin.resolve("hold").toString(), "-n", "20", "-r", "1000", "-H", "0", "127.0.0.1",
                Integer.toString(port)), 60);
        assertThat(r.status).as(r.out).isEqualTo(1);
        assertThat(r.out).contains("established 0,", "connect failures 20,");
    }

    @Test
    void connrateCountsShortConnectionsAgainstThrongAndTheCBaseline() throws Exception {
        try (Server server = Server.start(ServerConfig.defaults().withPort(0).withModel(Model.MULTI_REACTOR),
                new EchoHandler())) {
            Result r = run(List.of(bin.resolve("connrate").toString(), "-c", "8", "-w", "0", "-d", "1", "127.0.0.1",
                    Integer.toString(server.port())), 60);
            assertThat(r.status).as(r.out).isZero();
            assertThat(rate(r.out)).as(r.out).isPositive();
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process echo = new ProcessBuilder(bin.resolve("echo-epoll").toString(), Integer.toString(port), "1")
                .redirectErrorStream(true).start();
        try {
            waitForPort(port);
            Result r = run(List.of(bin.resolve("connrate").toString(), "-c", "8", "-w", "0", "-d", "1", "127.0.0.1",
                    Integer.toString(port)), 60);
            assertThat(r.status).as(r.out).isZero();
            assertThat(rate(r.out)).as(r.out).isPositive();
        } finally {
            echo.destroy();
            echo.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static long rate(String out) {
        String[] w = out.trim().split("[ ,]+");
        assertThat(w[0]).isEqualTo("connections/s");
        return Long.parseLong(w[1]);
    }

    private static void waitForPort(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                new java.net.Socket("127.0.0.1", port).close();
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the C echo server did not listen on " + port);
    }

    private record Result(int status, String out) {
    }

    private static Result run(List<String> cmd, int seconds) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd.get(0) + " cannot run here (install gcc: apt-get install gcc): " + e.getMessage());
        }
        boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(done).as("%s finished: %s", cmd.get(0), out).isTrue();
        return new Result(p.exitValue(), out);
    }
}
