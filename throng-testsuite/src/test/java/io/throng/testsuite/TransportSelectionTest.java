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
 * auto takes io_uring where the kernel allows it and the model runs on it, else epoll, else NIO,
 * each time with a log line that says which and why; an explicit transport that cannot run is an
 * error. Child JVMs, since native access is a JVM flag and io_uring's switch a system property.
 */
class TransportSelectionTest {

    /** Starts a server with the transport named in args[0] (and the model in args[1]) and prints what runs. */
    public static final class Probe {
        public static void main(String[] args) throws Exception {
            Model model = args.length > 1 ? Model.parse(args[1]) : Model.SINGLE_REACTOR;
            ServerConfig c = ServerConfig.defaults().withPort(0).withModel(model)
                    .withTransport(TransportKind.parse(args[0]));
            try (Server s = Server.start(c, new EchoHandler())) {
                System.out.println("running " + s.transport());
            } catch (IllegalStateException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    /** {@code more}: -D properties for the JVM, and the model. */
    private static String run(boolean nativeAccess, String transport, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        if (nativeAccess) {
            cmd.add("--enable-native-access=ALL-UNNAMED");
        }
        List<String> args = new ArrayList<>();
        for (String m : more) {
            (m.startsWith("-D") ? cmd : args).add(m);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), transport));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void autoRunsIoUringWhereTheKernelAllowsIt() throws Exception {
        // this machine and CI: Linux 6.18 with io_uring enabled
        for (String model : List.of("single-reactor", "multi-reactor", "worker-pool")) {
            assertThat(run(true, "auto", model)).as(model).contains("running the io_uring transport", "running io_uring");
        }
    }

    @Test
    void autoFallsBackToEpollWhenIoUringIsRefusedAndSaysWhy() throws Exception {
        String out = run(true, "auto", "-Dthrong.io_uring=off");
        assertThat(out).contains("running the epoll transport (Linux, through FFM): io_uring cannot run here: turned off"
                + " (-Dthrong.io_uring=off)", "running epoll");
        // and an explicit io_uring then refuses with the same reason
        assertThat(run(true, "io_uring", "-Dthrong.io_uring=off"))
                .contains("refused: transport io_uring cannot run: turned off (-Dthrong.io_uring=off)");
    }

    @Test
    void autoRunsEpollForModelsIoUringDoesNotRunAndSaysWhy() throws Exception {
        assertThat(run(true, "auto", "virtual-threads")).contains("running the epoll transport (Linux, through FFM):"
                + " io_uring does not run virtual-threads: its threads block on their sockets", "running epoll");
        assertThat(run(true, "auto", "leader-follower")).contains("io_uring does not run leader-follower",
                "running epoll");
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
        for (Model m : List.of(Model.LEADER_FOLLOWER, Model.VIRTUAL_THREADS, Model.PLATFORM_THREADS)) {
            ServerConfig c = ServerConfig.defaults().withPort(0).withModel(m).withTransport(TransportKind.IO_URING);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Server.start(c, new EchoHandler()))
                    .hasMessageContaining("transport io_uring does not run " + m.id())
                    .hasMessageContaining("run " + m.id() + " on epoll");
        }
    }
}
