package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.net.Server;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import io.throng.core.handler.EchoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * auto takes epoll where it can run and says so; without native access it falls back to NIO with
 * a log line that says why; an explicit epoll that cannot run is an error. Child JVMs, since native
 * access is a JVM flag.
 */
class TransportSelectionTest {

    /** Starts a server with the transport named in args[0] and prints what runs. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            ServerConfig c = ServerConfig.defaults().withPort(0).withModel(Model.SINGLE_REACTOR)
                    .withTransport(TransportKind.parse(args[0]));
            try (Server s = Server.start(c, new EchoHandler())) {
                System.out.println("running " + s.transport());
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    private static String run(boolean nativeAccess, String transport) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        if (nativeAccess) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), transport));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void autoRunsEpollWhereItCan() throws Exception {
        String out = run(true, "auto");
        assertThat(out).contains("running the epoll transport", "running epoll");
    }

    @Test
    void withoutNativeAccessAutoFallsBackToNioAndSaysWhy() throws Exception {
        String out = run(false, "auto");
        assertThat(out).contains("running the nio transport: epoll cannot run here: native access is not enabled",
                "--enable-native-access=ALL-UNNAMED", "running nio");
    }

    @Test
    void leaderFollowerOnNioIsRefusedWithTheReason() {
        ServerConfig c = ServerConfig.defaults().withPort(0).withModel(Model.LEADER_FOLLOWER).withTransport(TransportKind.NIO);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Server.start(c, new EchoHandler()))
                .hasMessageContaining("leader-follower runs on the epoll transport only")
                .hasMessageContaining("worker-pool is the nearest design");
    }

    @Test
    void anExplicitEpollThatCannotRunIsAnError() throws Exception {
        String out = run(false, "epoll");
        assertThat(out).contains("refused: transport epoll cannot run: native access is not enabled")
                .doesNotContain("running nio");
    }

    @Test
    void anExplicitIoUringRunsHere() throws Exception {
        // this machine and CI: Linux 6.18 with io_uring enabled
        assertThat(run(true, "io_uring")).contains("running io_uring");
    }

    @Test
    void anExplicitIoUringThatCannotRunIsAnError() throws Exception {
        String out = run(false, "io_uring");
        assertThat(out).contains("refused: transport io_uring cannot run: native access is not enabled")
                .doesNotContain("running");
    }

    @Test
    void ioUringUnderAModelItDoesNotRunIsRefusedWithTheReason() {
        for (Model m : List.of(Model.WORKER_POOL, Model.LEADER_FOLLOWER, Model.VIRTUAL_THREADS)) {
            ServerConfig c = ServerConfig.defaults().withPort(0).withModel(m).withTransport(TransportKind.IO_URING);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Server.start(c, new EchoHandler()))
                    .hasMessageContaining("transport io_uring runs the reactor models")
                    .hasMessageContaining("run " + m.id() + " on epoll");
        }
    }
}
