package io.throng.cli.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.rpc.client.MultiplexedClient;
import io.throng.rpc.client.RpcClient;
import io.throng.rpc.client.RpcClientOptions;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RpcCommandTest {
    private static final Pattern SERVING = Pattern.compile("throng rpc serving (\\S+) on 127\\.0\\.0\\.1:(\\d+) \\(func (\\S+),");

    /** Runs a command with System.out piped to the returned reader, on its own thread. */
    private static synchronized BufferedReader start(String... args) throws Exception {
        PipedOutputStream pipe = new PipedOutputStream();
        BufferedReader lines = new BufferedReader(new InputStreamReader(new PipedInputStream(pipe, 1 << 16), StandardCharsets.UTF_8));
        PrintStream saved = System.out;
        PrintStream mine = new PrintStream(pipe, true, StandardCharsets.UTF_8);
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        System.setOut(mine);
        Thread.ofPlatform().start(() -> {
            try {
                CommandLine cl = new CommandLine(new io.throng.cli.rpc.RpcCommand());
                cl.setExecutionStrategy(parsed -> {
                    started.countDown(); // the command has read System.out by the time it prints
                    return new CommandLine.RunLast().execute(parsed);
                });
                cl.execute(args);
            } finally {
                mine.close();
            }
        });
        started.await(10, TimeUnit.SECONDS);
        Thread.sleep(100);
        System.setOut(saved);
        return lines;
    }

    private static Matcher awaitServing(BufferedReader lines) throws Exception {
        for (String l; (l = lines.readLine()) != null; ) {
            Matcher m = SERVING.matcher(l);
            if (m.find()) {
                return m;
            }
        }
        throw new AssertionError("the server never said it was serving");
    }

    @Test
    void serveEchoesAnyBodyUnderTheGivenService() throws Exception {
        BufferedReader out = start("serve", "--port", "0", "--service", "trpc.test.cli.Echo", "--model", "worker-pool",
                "--duration", "4s", "--status-interval", "0");
        Matcher m = awaitServing(out);
        assertThat(m.group(1)).isEqualTo("trpc.test.cli.Echo");
        assertThat(m.group(3)).isEqualTo("/trpc.test.cli.Echo/Echo");
        byte[] raw = {0, (byte) 0xFF, 'n', 'o', 't', ' ', 'p', 'b'};
        try (RpcClient client = MultiplexedClient.start(RpcClientOptions.to(
                new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2)))))) {
            assertThat(client.call("/trpc.test.cli.Echo/Echo", raw, client.defaults().withContentType(4)).body()).isEqualTo(raw);
        }
    }

    @Test
    void serveFromATrpcGoShapedFile(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("trpc_go.yaml");
        Files.writeString(yaml, """
                server:
                  transport: tnet
                  service:
                    - name: trpc.test.cli.FromYaml
                      ip: 127.0.0.1
                      port: 0
                      network: tcp
                """);
        BufferedReader out = start("serve", "--config", yaml.toString(), "--duration", "4s", "--status-interval", "0");
        Matcher m = awaitServing(out);
        assertThat(m.group(1)).isEqualTo("trpc.test.cli.FromYaml");
        try (RpcClient client = MultiplexedClient.start(RpcClientOptions.to(
                new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(2)))))) {
            assertThat(client.call("/trpc.test.cli.FromYaml/Echo", new byte[] {1, 2, 3}).body()).containsExactly(1, 2, 3);
        }
    }

    @Test
    void benchMeasuresBothClientsAgainstAChildServer() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        synchronized (RpcCommandTest.class) {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            try {
                code = new CommandLine(new RpcCommand()).execute("bench", "--callers", "1,8", "--duration", "500ms",
                        "--warmup", "200ms", "--loops", "1");
            } finally {
                System.setOut(saved);
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text).isZero();
        assertThat(text).contains("qps", "p99.9 us", "srv cpu us/op");
        Matcher row = Pattern.compile("throng \\(multi-reactor, worker\\)\\s+(multiplexed|pooled)\\s+(\\d+)\\s+(\\d+)\\s.*\\s(\\d+)\\s+\\S+\\s+\\S+$",
                Pattern.MULTILINE).matcher(text);
        int rows = 0;
        while (row.find()) {
            rows++;
            assertThat(Long.parseLong(row.group(3))).as("qps of " + row.group()).isPositive();
            assertThat(row.group(4)).as("errors of " + row.group()).isEqualTo("0");
        }
        assertThat(rows).as(text).isEqualTo(8); // 4 cells, printed as measured and again in the summary
    }
}
