package io.throng.core.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads PEM files: a certificate chain (leaf first, as servers send it) and an unencrypted PKCS#8
 * private key, the forms {@code openssl req -x509 -newkey ... -nodes} and certbot write. Other key
 * forms are refused with the {@code openssl} command that converts them, never guessed at.
 */
final class Pem {
    /** Key algorithms a PKCS#8 key may be for, tried in turn (the encoding names it, but parsing is cheaper than reading ASN.1). */
    private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS"};

    private Pem() {
    }

    /** The certificates of {@code file}, in order; at least one. */
    static List<X509Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(file);
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (var c : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
            chain.add((X509Certificate) c);
        }
        if (chain.isEmpty()) {
            throw new GeneralSecurityException(file + ": no certificate (expected PEM blocks \"BEGIN CERTIFICATE\")");
        }
        return chain;
    }

    /** The private key of {@code file}: one PEM block "BEGIN PRIVATE KEY" (PKCS#8, unencrypted). */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        String convert = "; convert it with `openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem`";
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new GeneralSecurityException(file + ": an encrypted key; throng reads an unencrypted key from a file only"
                    + " the server's user can read (or a PKCS#12 keystore with its password from the environment);"
                    + " decrypt it with `openssl pkcs8 -in " + file.getFileName() + " -out key.pem`");
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new GeneralSecurityException(file + ": a PKCS#1 or SEC1 key; throng reads PKCS#8 (\"BEGIN PRIVATE KEY\")" + convert);
        }
        byte[] der = block(text, "PRIVATE KEY");
        if (der == null) {
            throw new GeneralSecurityException(file + ": no \"BEGIN PRIVATE KEY\" block");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // not this algorithm's
            }
        }
        throw new GeneralSecurityException(file + ": a PKCS#8 key of an algorithm the JDK does not read (tried RSA, EC, EdDSA)");
    }

    /** The bytes of the first PEM block of {@code type} in {@code text}, or null. */
    static byte[] block(String text, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        if (b < 0) {
            return null;
        }
        int e = text.indexOf(end, b);
        if (e < 0) {
            return null;
        }
        return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
    }
}
