package io.throng.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.testca.TestCa;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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

/**
 * TLS from the command line: {@code throng serve --tls-cert --tls-key} with {@code throng load
 * pingpong --tls --tls-ca} and {@code connrate} against it (each connection a full handshake,
 * checked against the test CA), and half a configuration refused with what is missing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsCommandTest {
    @TempDir
    Path dir;

    private static synchronized String[] run(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = ThrongCommand.commandLine();
            cl.setErr(new java.io.PrintWriter(err, true));
            int code = cl.execute(args);
            return new String[] {Integer.toString(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(saved);
        }
    }

    @Test
    void loadOverTlsAgainstServeOverTls() throws Exception {
        TestCa ca = TestCa.get();
        try (ThrongProcess server = ThrongProcess.start("serve", "--port", "0", "--model", "multi-reactor", "--loops", "1",
                "--tls-cert", ca.cert.toString(), "--tls-key", ca.key.toString(), "--status-interval", "0", "--duration", "60s")) {
            String line = server.await("throng serving", 30);
            Matcher m = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(line);
            assertThat(m.find()).as(line).isTrue();
            String port = m.group(1);
            assertThat(server.output()).contains("tls", "handshake-timeout: 10s");
            Path json = dir.resolve("pingpong.json");
            String[] r = run("load", "pingpong", "--port", port, "--conns", "20", "--warmup", "0.5", "--duration", "1",
                    "--tls", "--tls-ca", ca.ca.toString(), "--src-ips", "1", "--json", json.toString());
            assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
            assertThat(r[1]).contains("TLS on, verified against " + ca.ca).contains("established 20 of 20");
            assertThat(Files.readString(json)).contains("\"mismatches\" : 0");
            String[] rate = run("load", "connrate", "--port", port, "--concurrency", "4", "--warmup", "0.5", "--duration", "1",
                    "--tls", "--tls-ca", ca.ca.toString(), "--src-ips", "1");
            assertThat(rate[0]).as(rate[1] + rate[2]).isEqualTo("0");
            String[] full = run("load", "connrate", "--port", port, "--concurrency", "4", "--warmup", "0.5", "--duration", "1",
                    "--tls", "--tls-insecure", "--tls-no-resume", "--src-ips", "1");
            assertThat(full[0]).as(full[1] + full[2]).isEqualTo("0");
            assertThat(full[1]).contains("every handshake a full one");
            // A client that trusts only the JDK's CAs fails every handshake, and says so.
            String[] untrusting = run("load", "pingpong", "--port", port, "--conns", "2", "--warmup", "0", "--duration", "0.5",
                    "--tls", "--src-ips", "1", "--connect-timeout", "3");
            assertThat(untrusting[0]).isNotEqualTo("0");
        }
    }

    @Test
    void halfATlsConfigurationIsRefusedWithWhatIsMissing() {
        String[] noKey = run("serve", "--port", "0", "--tls-cert", "cert.pem", "--duration", "1s");
        assertThat(noKey[0]).isEqualTo("1");
        assertThat(noKey[2]).contains("TLS needs both --tls-cert and --tls-key").doesNotContain("at io.throng");
        String[] missing = run("serve", "--port", "0", "--tls-cert", dir.resolve("nope.pem").toString(),
                "--tls-key", dir.resolve("nope.key").toString(), "--duration", "1s");
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).contains("nope.pem: no such file");
        String[] insecureAlone = run("load", "pingpong", "--port", "9", "--tls-insecure");
        assertThat(insecureAlone[0]).isNotEqualTo("0");
        assertThat(insecureAlone[2]).contains("--tls-insecure, --tls-ca and --tls-no-resume need --tls");
    }
}
