package io.throng.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates from the files operators have: a test CA and two servers' certificates made by
 * {@code openssl} for this test, PEM (RSA and EC) and PKCS#12, and {@code openssl s_client} as the
 * client over a real socket, which verifies the chain against the CA and names a server by SNI.
 */
class TlsContextTest {
    @TempDir
    static Path dir;

    static void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    /** A certificate for {@code name} signed by the test CA, its key of {@code keyArgs}, in name.pem / name.key. */
    static void leaf(String name, String file, String... keyArgs) throws Exception {
        List<String> gen = new ArrayList<>(List.of("genpkey", "-out", file + ".key"));
        gen.addAll(List.of(keyArgs));
        openssl(gen.toArray(String[]::new));
        openssl("req", "-new", "-key", file + ".key", "-subj", "/CN=" + name, "-out", file + ".csr");
        Files.writeString(dir.resolve(file + ".ext"), "subjectAltName=DNS:" + name + "\n");
        openssl("x509", "-req", "-in", file + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", file + ".ext", "-out", file + ".pem");
    }

    @BeforeAll
    static void certificates() throws Exception {
        try {
            new ProcessBuilder("openssl", "version").start().waitFor();
        } catch (IOException e) {
            throw new AssertionError("openssl is not installed: apt-get install openssl (bin/test-peers.sh does)");
        }
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-subj", "/CN=throng test CA", "-days", "2", "-out", "ca.pem");
        leaf("a.test", "a", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        leaf("b.test", "b", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        openssl("pkcs12", "-export", "-in", "b.pem", "-inkey", "b.key", "-passout", "pass:s3cret", "-out", "b.p12");
        Files.writeString(dir.resolve("b.pass"), "s3cret\n");
        openssl("genrsa", "-traditional", "-out", "pkcs1.key", "2048");
    }

    private static TlsConfig both() {
        return TlsConfig.pem(dir.resolve("a.pem"), dir.resolve("a.key")).withCredentials(List.of(
                new TlsConfig.PemFiles(dir.resolve("a.pem"), dir.resolve("a.key")),
                new TlsConfig.Pkcs12(dir.resolve("b.p12"), dir.resolve("b.pass"), null)));
    }

    /** What {@code openssl s_client} reports for a handshake with {@code ctx}: the subject it got and the verification. */
    private static String sClient(TlsContext ctx, String serverName) throws Exception {
        try (SSLServerSocket server = (SSLServerSocket) ctx.sslContext().getServerSocketFactory().createServerSocket(0)) {
            Thread accept = Thread.ofVirtual().start(() -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.startHandshake();
                    s.getInputStream().read(); // until the client goes
                } catch (IOException e) {
                    // the client closed
                }
            });
            List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.getLocalPort(),
                    "-CAfile", dir.resolve("ca.pem").toString(), "-verify_return_error"));
            if (serverName != null) {
                cmd.addAll(List.of("-servername", serverName));
            } else {
                cmd.add("-noservername");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            accept.join(5000);
            return out;
        }
    }

    @Test
    void pemAndPkcs12CredentialsLoadAndTheClientsSniChoosesBetweenThem() throws Exception {
        TlsContext ctx = TlsContext.server(both());
        assertThat(ctx.certificates()).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=a.test", "CN=b.test");

        String toB = sClient(ctx, "b.test");
        assertThat(toB).contains("CN = b.test").contains("Verification: OK");
        String toA = sClient(ctx, "a.test");
        assertThat(toA).contains("CN = a.test").contains("Verification: OK");
        assertThat(toA).doesNotContain("subject=CN = b.test");
    }

    @Test
    void anEngineHasTheConfiguredVersionsAlpnAndClientAuthentication() throws Exception {
        TlsContext ctx = TlsContext.server(both().withProtocols(List.of("TLSv1.3")).withAlpn(List.of("h2", "http/1.1"))
                .withClientAuth(TlsConfig.ClientAuth.REQUIRED, dir.resolve("ca.pem")));
        var engine = ctx.newServerEngine();
        assertThat(engine.getUseClientMode()).isFalse();
        assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3");
        // ALPN: the server's own preference among what the client offers, through one selector all engines share
        var select = engine.getHandshakeApplicationProtocolSelector();
        assertThat(select.apply(engine, List.of("http/1.1", "h2"))).isEqualTo("h2");
        assertThat(select.apply(engine, List.of("http/1.1"))).isEqualTo("http/1.1");
        assertThat(select.apply(engine, List.of("spdy/3"))).isNull();
        // the defaults leave an engine with its context's own settings, shared
        var plain = TlsContext.server(both()).newServerEngine();
        assertThat(plain.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(plain.getHandshakeApplicationProtocolSelector()).isNull();
        assertThat(plain.getNeedClientAuth()).isFalse();
        assertThat(engine.getNeedClientAuth()).isTrue();
    }

    @Test
    void anEngineEnablesTheSignatureSchemesOfItsKeysOnlyUnlessClientsAuthenticate() throws Exception {
        // a (RSA) and b (EC): every scheme of both types, nothing else
        String[] both = TlsContext.server(both()).newServerEngine().getSSLParameters().getSignatureSchemes();
        assertThat(both).contains("rsa_pss_rsae_sha256", "rsa_pkcs1_sha256", "ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384")
                .allMatch(s -> s.startsWith("rsa_") || s.startsWith("ecdsa_"));
        String[] ec = TlsContext.server(TlsConfig.pem(dir.resolve("b.pem"), dir.resolve("b.key")))
                .newServerEngine().getSSLParameters().getSignatureSchemes();
        assertThat(ec).isNotEmpty().allMatch(s -> s.startsWith("ecdsa_"));
        // the engine keeps the context's other defaults: server cipher order, both versions
        var engine = TlsContext.server(both()).newServerEngine();
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(TlsContext.server(both().withProtocols(List.of("TLSv1.3"))).newServerEngine().getEnabledProtocols())
                .containsExactly("TLSv1.3");
        // a client's key may be of any type: with client authentication the JDK's defaults stay
        var mutual = TlsContext.server(both().withClientAuth(TlsConfig.ClientAuth.REQUIRED, dir.resolve("ca.pem"))).newServerEngine();
        assertThat(mutual.getSSLParameters().getSignatureSchemes()).isNull();
        assertThat(mutual.getNeedClientAuth()).isTrue();

        assertThat(TlsContext.schemesFor(List.of("EC"), new String[] {"ecdsa_secp384r1_sha384", "rsa_pkcs1_sha256"}))
                .containsExactly("ecdsa_secp384r1_sha384");
        assertThat(TlsContext.schemesFor(List.of("EC", "ML-DSA"), null)).isNull(); // a type not known here: the defaults
        assertThat(TlsContext.schemesFor(List.of("Ed25519"), null)).containsExactly("ed25519");
    }

    @Test
    void anEngineEnablesTheSuitesItsKeysCanServeWithAes128GcmBeforeAes256() throws Exception {
        javax.net.ssl.SSLContext jdk = javax.net.ssl.SSLContext.getInstance("TLS");
        jdk.init(null, null, null);
        var plain = jdk.createSSLEngine();
        plain.setUseClientMode(false);
        List<String> defaults = List.of(plain.getEnabledCipherSuites());
        // an RSA and an EC key: every suite but those a DSA key would sign
        List<String> servable = defaults.stream().filter(n -> !n.contains("_DSS_")).toList();
        assertThat(servable).hasSizeLessThan(defaults.size());
        for (TlsConfig config : List.of(both(), both().withClientAuth(TlsConfig.ClientAuth.REQUIRED, dir.resolve("ca.pem")))) {
            List<String> suites = List.of(TlsContext.server(config).newServerEngine().getEnabledCipherSuites());
            assertThat(suites).as("the JDK's suites the keys can serve, no more, no fewer").containsExactlyInAnyOrderElementsOf(servable);
            assertThat(suites.getFirst()).isEqualTo("TLS_AES_128_GCM_SHA256");
            assertThat(suites.indexOf("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
                    .isLessThan(suites.indexOf("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"));
            assertThat(suites.indexOf("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                    .isLessThan(suites.indexOf("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
        }

        // an EC key alone: TLS 1.3's suites, the ECDHE_ECDSA ones and the renegotiation signal
        List<String> ec = List.of(TlsContext.server(TlsConfig.pem(dir.resolve("b.pem"), dir.resolve("b.key")))
                .newServerEngine().getEnabledCipherSuites());
        assertThat(ec).isNotEmpty().allMatch(n -> n.startsWith("TLS_AES_") || n.startsWith("TLS_CHACHA20_")
                || n.startsWith("TLS_ECDHE_ECDSA_") || n.endsWith("_SCSV"));
        assertThat(ec).containsExactlyInAnyOrderElementsOf(defaults.stream().filter(n -> n.startsWith("TLS_AES_")
                || n.startsWith("TLS_CHACHA20_") || n.contains("_ECDSA_") || n.endsWith("_SCSV")).toList());
        assertThat(ec.getFirst()).isEqualTo("TLS_AES_128_GCM_SHA256");

        String[] offered = {"TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"};
        assertThat(TlsContext.suitesFor(List.of("RSA"), offered))
                .containsExactly("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
        assertThat(TlsContext.suitesFor(List.of("Ed25519"), offered))
                .containsExactly("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
        assertThat(TlsContext.suitesFor(List.of("EC", "RSA", "DSA"), offered)).as("nothing to change").isNull();
        assertThat(TlsContext.suitesFor(List.of("EC", "ML-DSA"), offered)).as("a key type not known here: every suite").isNull();

        assertThat(TlsContext.aes128First(new String[] {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}))
                .containsExactly("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        // already in that order, or no sibling: nothing to set (the shared defaults stay)
        assertThat(TlsContext.aes128First(new String[] {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"})).isNull();
        assertThat(TlsContext.aes128First(new String[] {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"})).isNull();
    }

    @Test
    void keysInOtherFormsOrNotTheCertificatesAreRefusedWithWhatToDo() throws Exception {
        assertThatThrownBy(() -> TlsContext.server(TlsConfig.pem(dir.resolve("a.pem"), dir.resolve("pkcs1.key"))))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("pkcs1.key").hasMessageContaining("PKCS#1").hasMessageContaining("openssl pkcs8 -topk8");
        assertThatThrownBy(() -> TlsContext.server(TlsConfig.pem(dir.resolve("a.pem"), dir.resolve("b.key"))))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("the key is EC, the certificate's RSA");
        leaf("c.test", "c", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        assertThatThrownBy(() -> TlsContext.server(TlsConfig.pem(dir.resolve("b.pem"), dir.resolve("c.key"))))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not the certificate's");
        assertThatThrownBy(() -> TlsContext.server(TlsConfig.pem(dir.resolve("missing.pem"), dir.resolve("a.key"))))
                .isInstanceOf(IOException.class).hasMessageContaining("missing.pem");
        assertThatThrownBy(() -> TlsContext.server(both().withCredentials(List.of(
                new TlsConfig.Pkcs12(dir.resolve("b.p12"), null, "THRONG_TEST_NO_SUCH_VARIABLE")))))
                .isInstanceOf(IOException.class).hasMessageContaining("THRONG_TEST_NO_SUCH_VARIABLE is not set");
        Files.writeString(dir.resolve("wrong.pass"), "not-it\n");
        assertThatThrownBy(() -> TlsContext.server(both().withCredentials(List.of(
                new TlsConfig.Pkcs12(dir.resolve("b.p12"), dir.resolve("wrong.pass"), null)))))
                .isInstanceOf(IOException.class).hasMessageContaining("b.p12").satisfies(e ->
                        assertThat(e.getMessage()).doesNotContain("not-it"));
    }

    @Test
    void changedFilesAreTakenByTheNextHandshakeAndABrokenChangeKeepsTheOldOnes() throws Exception {
        leaf("d.test", "d", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        TlsContext ctx = TlsContext.server(TlsConfig.pem(dir.resolve("d.pem"), dir.resolve("d.key"))
                .withReloadCheck(Duration.ofMillis(1)));
        assertThat(ctx.certificates().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=d.test");

        // renewed in place, as certbot does: a new key and certificate under the same names
        leaf("d2.test", "d", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        Thread.sleep(5);
        ctx.newServerEngine();
        assertThat(ctx.certificates().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=d2.test");
        assertThat(sClient(ctx, "d2.test")).contains("CN = d2.test").contains("Verification: OK");

        // half-written: the key no longer the certificate's; the context in use stays
        Files.copy(dir.resolve("b.key"), dir.resolve("d.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Thread.sleep(5);
        ctx.newServerEngine();
        assertThat(ctx.certificates().get(0).getSubjectX500Principal().getName()).isEqualTo("CN=d2.test");
        assertThatThrownBy(ctx::reload).hasMessageContaining("not the certificate's");
        assertThat(sClient(ctx, "d2.test")).contains("Verification: OK");
    }
}
