package io.throng.core.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A TLS server's settings: its certificates (each a key and the chain to send; with several, the
 * one a client names by SNI is chosen, the first otherwise), the protocol versions, ALPN, client
 * authentication, and how often the files are checked for a change. Secrets never come in here as
 * text: a keystore's password is read from a file or an environment variable named here.
 *
 * @param credentials      at least one
 * @param protocols        TLS versions offered, e.g. TLSv1.3 and TLSv1.2 (the default)
 * @param alpn             application protocols offered, in order of preference; empty for none
 * @param clientAuth       whether clients must, may or need not present a certificate
 * @param trustedCas       PEM file of the CAs a client certificate must chain to; null unless clients authenticate
 * @param handshakeTimeout a handshake not done by then is closed (a stalled or silent peer)
 * @param reloadCheck      how often, at most, a new handshake looks whether the files changed; zero never
 */
public record TlsConfig(List<Credential> credentials, List<String> protocols, List<String> alpn, ClientAuth clientAuth,
                        Path trustedCas, Duration handshakeTimeout, Duration reloadCheck) {

    /** Who must show a certificate: the server always; the client as set here. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRED }

    /** Where a key and its certificate chain come from. */
    public sealed interface Credential permits PemFiles, Pkcs12 {
        /** The files to watch for a change. */
        List<Path> files();
    }

    /** A PEM certificate chain (leaf first) and an unencrypted PKCS#8 key. */
    public record PemFiles(Path certificateChain, Path privateKey) implements Credential {
        public PemFiles {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
        }

        @Override
        public List<Path> files() {
            return List.of(certificateChain, privateKey);
        }
    }

    /**
     * A PKCS#12 keystore (every key entry in it is offered); its password from {@code passwordFile}
     * (the first line) or the environment variable {@code passwordEnv}, or empty if neither is set.
     */
    public record Pkcs12(Path keystore, Path passwordFile, String passwordEnv) implements Credential {
        public Pkcs12 {
            Objects.requireNonNull(keystore, "keystore");
            if (passwordFile != null && passwordEnv != null) {
                throw new IllegalArgumentException("a keystore's password comes from a file or the environment, not both");
            }
        }

        @Override
        public List<Path> files() {
            return passwordFile == null ? List.of(keystore) : List.of(keystore, passwordFile);
        }
    }

    public TlsConfig {
        credentials = List.copyOf(credentials);
        if (credentials.isEmpty()) {
            throw new IllegalArgumentException("TLS needs at least one certificate and key");
        }
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("TLS needs at least one protocol version");
        }
        alpn = List.copyOf(alpn);
        Objects.requireNonNull(clientAuth, "clientAuth");
        if (clientAuth != ClientAuth.NONE && trustedCas == null) {
            throw new IllegalArgumentException("client authentication needs the CAs to trust (trustedCas)");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, got " + handshakeTimeout);
        }
        if (reloadCheck == null || reloadCheck.isNegative()) {
            throw new IllegalArgumentException("reloadCheck must be zero or positive, got " + reloadCheck);
        }
    }

    /**
     * One PEM certificate chain and key; TLS 1.3 and 1.2, no ALPN, no client certificates, a 10 s
     * handshake timeout (a real client finishes in a few round trips; a silent one is closed well
     * before it costs much), the files checked at most every 10 s.
     */
    public static TlsConfig pem(Path certificateChain, Path privateKey) {
        return new TlsConfig(List.of(new PemFiles(certificateChain, privateKey)), List.of("TLSv1.3", "TLSv1.2"), List.of(),
                ClientAuth.NONE, null, Duration.ofSeconds(10), Duration.ofSeconds(10));
    }

    public TlsConfig withCredentials(List<Credential> c) {
        return new TlsConfig(c, protocols, alpn, clientAuth, trustedCas, handshakeTimeout, reloadCheck);
    }

    public TlsConfig withAlpn(List<String> a) {
        return new TlsConfig(credentials, protocols, a, clientAuth, trustedCas, handshakeTimeout, reloadCheck);
    }

    public TlsConfig withProtocols(List<String> p) {
        return new TlsConfig(credentials, p, alpn, clientAuth, trustedCas, handshakeTimeout, reloadCheck);
    }

    public TlsConfig withClientAuth(ClientAuth auth, Path cas) {
        return new TlsConfig(credentials, protocols, alpn, auth, cas, handshakeTimeout, reloadCheck);
    }

    public TlsConfig withHandshakeTimeout(Duration d) {
        return new TlsConfig(credentials, protocols, alpn, clientAuth, trustedCas, d, reloadCheck);
    }

    public TlsConfig withReloadCheck(Duration d) {
        return new TlsConfig(credentials, protocols, alpn, clientAuth, trustedCas, handshakeTimeout, d);
    }
}
