package io.throng.testca;

import io.throng.core.tls.TlsConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A certificate authority made by {@code openssl} for the tests of one JVM, and a server certificate
 * it signed for {@code localhost} and 127.0.0.1: every TLS test talks to a server that a client
 * verifies for real (no trust-anything shortcut). Shared with the other modules' tests through
 * this module's test jar, in a package of its own (the core module owns io.throng.core.*, so a
 * test class there would be invisible to a modular consumer).
 */
public final class TestCa {
    private static TestCa instance;

    public final Path dir;
    public final Path ca;
    public final Path cert;
    public final Path key;
    /** A certificate for another name, signed by the same CA (a client must refuse it for localhost). */
    public final Path otherCert;
    public final Path otherKey;

    private TestCa(Path dir) {
        this.dir = dir;
        this.ca = dir.resolve("ca.pem");
        this.cert = dir.resolve("server.pem");
        this.key = dir.resolve("server.key");
        this.otherCert = dir.resolve("other.pem");
        this.otherKey = dir.resolve("other.key");
    }

    public static synchronized TestCa get() throws Exception {
        if (instance == null) {
            TestCa t = new TestCa(Files.createTempDirectory("throng-test-ca"));
            t.dir.toFile().deleteOnExit();
            t.make();
            instance = t;
        }
        return instance;
    }

    private void make() throws Exception {
        try {
            new ProcessBuilder("openssl", "version").start().waitFor();
        } catch (IOException e) {
            throw new AssertionError("openssl is not installed: apt-get install openssl (bin/test-peers.sh does)");
        }
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-days", "2", "-subj", "/CN=throng test CA");
        leaf("server", "DNS:localhost,IP:127.0.0.1");
        leaf("other", "DNS:other.example");
    }

    private void leaf(String name, String san) throws Exception {
        leaf(name, san, "ec", "ec_paramgen_curve:P-256");
    }

    private void leaf(String name, String san, String keyType, String keyOption) throws Exception {
        openssl("req", "-newkey", keyType, "-pkeyopt", keyOption, "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + name);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=" + san + "\n");
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed:\n" + out);
        }
    }

    /** The server's TLS settings: this CA's localhost certificate. */
    public TlsConfig serverConfig() {
        return TlsConfig.pem(cert, key);
    }

    /** The same names with an RSA key (2048 bits), made on first use. */
    public synchronized TlsConfig rsaServerConfig() throws Exception {
        if (!Files.exists(dir.resolve("server-rsa.pem"))) {
            leaf("server-rsa", "DNS:localhost,IP:127.0.0.1", "rsa", "rsa_keygen_bits:2048");
        }
        return TlsConfig.pem(dir.resolve("server-rsa.pem"), dir.resolve("server-rsa.key"));
    }

    /**
     * A certificate for localhost and 127.0.0.1 from this CA that expired in 2020 (openssl's
     * {@code ca} command takes explicit dates; {@code x509 -req} only counts days from now), made
     * on first use.
     */
    public synchronized TlsConfig expiredServerConfig() throws Exception {
        if (!Files.exists(dir.resolve("expired.pem"))) {
            openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "expired.key",
                    "-out", "expired.csr", "-subj", "/CN=expired");
            Files.writeString(dir.resolve("expired.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
            Files.writeString(dir.resolve("index.txt"), "");
            Files.writeString(dir.resolve("ca.cnf"), String.join("\n",
                    "[ca]", "default_ca = test", "[test]", "database = index.txt", "new_certs_dir = .",
                    "serial = ca.srl", "default_md = sha256", "policy = any", "[any]", "commonName = supplied", ""));
            openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "expired.csr",
                    "-out", "expired.pem", "-notext", "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                    "-extfile", "expired.ext");
        }
        return TlsConfig.pem(dir.resolve("expired.pem"), dir.resolve("expired.key"));
    }

    /** A JDK context that trusts this CA only. */
    public SSLContext clientContext() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
