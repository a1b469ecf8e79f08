package io.throng.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.net.Server;
import io.throng.core.config.ServerConfig;
import io.throng.core.tls.TlsConfig;
import io.throng.core.tls.TlsHandler;
import io.throng.testca.TestCa;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A server enables only the signature schemes its keys sign with (an idle connection's session
 * then keeps a few of the client's schemes instead of all it offers: fewer bytes a connection,
 * docs/tls.md). Here the clients that matter check it costs no handshake: {@code openssl s_client}
 * over TLS 1.3 and 1.2 and the JDK's {@link SSLSocket}, against an EC and an RSA server, each
 * verifying the certificate; and the sessions the server kept hold only its keys' schemes. And the
 * cipher order (AES-128-GCM first, also for fewer bytes a connection) as openssl sees it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class TlsSignatureSchemesTest {

    @ParameterizedTest(name = "{0} key")
    @ValueSource(strings = {"EC", "RSA"})
    void everyClientHandshakesAndTheSessionKeepsOnlyTheKeysSchemes(String keyType) throws Exception {
        TestCa ca = TestCa.get();
        TlsConfig tls = keyType.equals("EC") ? ca.serverConfig() : ca.rsaServerConfig();
        // the session names the schemes by their JCA algorithms (SHA256withECDSA, RSASSA-PSS, ...)
        java.util.function.Predicate<String> ofKey = keyType.equals("EC")
                ? a -> a.endsWith("withECDSA")
                : a -> a.endsWith("withRSA") || a.equals("RSASSA-PSS");
        Queue<ExtendedSSLSession> sessions = new ConcurrentLinkedQueue<>();
        Handler keep = new Handler() {
            @Override
            public void onOpen(Connection c) {
                sessions.add((ExtendedSSLSession) TlsHandler.session(c));
            }

            @Override
            public void onData(Connection c, ByteBuffer in) {
                c.write(in);
                c.flush();
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
            }
        };
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1).withTls(tls);
        try (Server server = Server.start(config, keep)) {
            int port = server.address().getPort();
            for (String version : List.of("-tls1_3", "-tls1_2")) {
                String out = sClient(ca, port, version);
                assertThat(out).as("openssl s_client %s", version).contains("Verification: OK")
                        .contains(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2");
            }
            try (SSLSocket s = (SSLSocket) ca.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
                javax.net.ssl.SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
                s.setSSLParameters(p);
                s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(TlsContractTest.readFully(s.getInputStream(), 4), StandardCharsets.US_ASCII)).isEqualTo("ping");
            }
            Net.await("three sessions", Duration.ofSeconds(10), () -> sessions.size() == 3);
        }
        for (ExtendedSSLSession s : sessions) {
            assertThat(s.getPeerSupportedSignatureAlgorithms()).as("what the client offers, of what the server enables")
                    .isNotEmpty().allMatch(ofKey);
            assertThat(s.getLocalSupportedSignatureAlgorithms()).isNotEmpty().allMatch(ofKey);
        }
    }

    /**
     * The server prefers TLS_AES_128_GCM_SHA256 (and AES-128-GCM in TLS 1.2) to the AES-256 suite
     * that OpenSSL offers first, and a client that offers only AES-256 still gets it.
     */
    @org.junit.jupiter.api.Test
    void theServerChoosesAes128GcmOverTheClientsAes256AndStillServesAClientOfAes256Only() throws Exception {
        TestCa ca = TestCa.get();
        ServerConfig config = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withLoops(1).withTls(ca.serverConfig());
        try (Server server = Server.start(config, new Handler() {
            @Override
            public void onData(Connection c, ByteBuffer in) {
                in.position(in.limit());
            }

            @Override
            public void onClose(Connection c, CloseReason reason) {
            }
        })) {
            int port = server.address().getPort();
            assertThat(sClient(ca, port, "-tls1_3")).contains("Verification: OK").contains("TLS_AES_128_GCM_SHA256");
            assertThat(sClient(ca, port, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384"))
                    .contains("Verification: OK").contains("TLS_AES_256_GCM_SHA384");
            // TLS 1.2: OpenSSL names the suite ECDHE-ECDSA-AES128-GCM-SHA256
            assertThat(sClient(ca, port, "-tls1_2")).contains("Verification: OK").contains("ECDHE-ECDSA-AES128-GCM-SHA256");
        }
    }

    private static String sClient(TestCa ca, int port, String... version) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
                ca.ca.toString(), "-verify_return_error", "-verify_ip", "127.0.0.1"));
        command.addAll(List.of(version));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
