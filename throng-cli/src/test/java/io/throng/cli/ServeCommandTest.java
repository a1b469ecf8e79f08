package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServeCommandTest {

    /** Runs the command with System.out captured (the command prints there, as a user sees it). */
    private static synchronized Result run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = ThrongCommand.commandLine();
            cl.setErr(new java.io.PrintWriter(errBytes, true));
            int code = cl.execute(args);
            return new Result(code, bytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(saved);
        }
    }

    record Result(int code, String out, String err) {
    }

    @Test
    void servesPrintsItsConfigAndStatusAndStopsByItself() throws Exception {
        Result[] result = new Result[1];
        Thread server = Thread.ofPlatform().start(() -> result[0] = run("serve", "--port", "0", "--model", "worker-pool",
                "--workers", "3", "--handler", "timestamp-echo", "--duration", "2s", "--status-interval", "500ms"));
        server.join(30_000);
        Result r = result[0];
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("model: worker-pool", "threads: 3", "handler: timestamp-echo",
                "throng serving timestamp-echo on 127.0.0.1:", "conns 0", "msgs/s", "workers 0/3", "stopped: every connection closed cleanly");
    }

    @Test
    void echoesWhileServing() throws Exception {
        PrintStream saved = System.out;
        java.io.PipedOutputStream pipe = new java.io.PipedOutputStream();
        java.io.BufferedReader lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(new java.io.PipedInputStream(pipe, 1 << 16), StandardCharsets.UTF_8));
        System.setOut(new PrintStream(pipe, true, StandardCharsets.UTF_8));
        Thread server = Thread.ofPlatform().start(() -> ThrongCommand.commandLine()
                .execute("serve", "--port", "0", "--model", "single-reactor", "--duration", "3s", "--status-interval", "0"));
        try {
            int port = -1;
            Pattern p = Pattern.compile("throng serving echo on 127\\.0\\.0\\.1:(\\d+)");
            for (String line; port < 0 && (line = lines.readLine()) != null; ) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                ch.write(ByteBuffer.wrap("hello".getBytes()));
                ByteBuffer back = ByteBuffer.allocate(5);
                while (back.hasRemaining()) {
                    ch.read(back);
                }
                assertThat(new String(back.array())).isEqualTo("hello");
            }
            Thread.ofVirtual().start(() -> {
                try {
                    while (lines.readLine() != null) {
                        // drain the rest so the server never blocks on its output
                    }
                } catch (java.io.IOException ignored) {
                    // pipe closed
                }
            });
            server.join(30_000);
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void aBadOptionIsAClearErrorNotAStackTrace() {
        Result r = run("serve", "--model", "fork-bomb");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("throng serve: unknown model 'fork-bomb'", "virtual-threads, platform-threads",
                "leader-follower, or prefork").doesNotContain("at io.throng");
        Result t = run("serve", "--transport", "carrier-pigeon");
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err()).contains("unknown transport 'carrier-pigeon'; expected auto, io_uring, epoll or nio");
        Result h = run("serve", "--handler", "nope", "--port", "0", "--duration", "1s");
        assertThat(h.code()).isEqualTo(1);
        assertThat(h.err()).contains("throng serve: unknown handler 'nope'; expected one of echo, timestamp-echo")
                .doesNotContain("at io.throng");
    }

    @Test
    void durationsReadTheWayPeopleWriteThem() {
        assertThat(Converters.parseDuration("500ms").toMillis()).isEqualTo(500);
        assertThat(Converters.parseDuration("30s").toSeconds()).isEqualTo(30);
        assertThat(Converters.parseDuration("1.5").toMillis()).isEqualTo(1500);
        assertThat(Converters.parseDuration("2m").toSeconds()).isEqualTo(120);
    }
}
