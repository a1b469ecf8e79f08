package io.throng.core.tls;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A TLS client's settings: whom to trust, what name to ask for, the versions and ALPN to offer, and
 * its own certificate when the server wants one (mutual TLS).
 *
 * @param trustedCas       PEM file of the CAs the server's chain must lead to; null for the JDK's
 *                         default trust store
 * @param insecure         trust any certificate and skip the host-name check: for a test
 *                         certificate on loopback only (the load tool's {@code --tls-insecure});
 *                         a man in the middle goes unnoticed
 * @param serverName       the name sent by SNI and checked against the certificate; null for the
 *                         host the connection was made to (an IP literal sends no SNI)
 * @param protocols        TLS versions offered
 * @param alpn             application protocols offered, in order; empty for none
 * @param certificate      this client's key and chain for a server that asks; null for none
 * @param handshakeTimeout a handshake not done by then fails the connect
 * @param resume           reuse sessions: a reconnect to the same host and port resumes (one round
 *                         trip, no certificate); false makes every connection a full handshake (a
 *                         benchmark's; the name is then checked through SNI only, so an IP literal
 *                         needs {@code insecure})
 */
public record TlsClientConfig(Path trustedCas, boolean insecure, String serverName, List<String> protocols,
                              List<String> alpn, TlsConfig.Credential certificate, Duration handshakeTimeout,
                              boolean resume) {

    public TlsClientConfig {
        protocols = List.copyOf(protocols);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("TLS needs at least one protocol version");
        }
        alpn = List.copyOf(alpn);
        if (insecure && trustedCas != null) {
            throw new IllegalArgumentException("a client either trusts the given CAs or, insecurely, anyone: not both");
        }
        if (handshakeTimeout == null || handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout must be positive, got " + handshakeTimeout);
        }
    }

    /** The JDK's trusted CAs, TLS 1.3 and 1.2, no ALPN, no client certificate, a 10 s handshake timeout. */
    public static TlsClientConfig defaults() {
        return new TlsClientConfig(null, false, null, List.of("TLSv1.3", "TLSv1.2"), List.of(), null, Duration.ofSeconds(10), true);
    }

    /** Trusts the CAs in the PEM file {@code cas} only. */
    public static TlsClientConfig trusting(Path cas) {
        return defaults().withTrustedCas(Objects.requireNonNull(cas, "cas"));
    }

    /** Trusts anything: see {@link #insecure}. */
    public static TlsClientConfig insecureForTests() {
        return new TlsClientConfig(null, true, null, List.of("TLSv1.3", "TLSv1.2"), List.of(), null, Duration.ofSeconds(10), true);
    }

    public TlsClientConfig withTrustedCas(Path cas) {
        return new TlsClientConfig(cas, false, serverName, protocols, alpn, certificate, handshakeTimeout, resume);
    }

    public TlsClientConfig withServerName(String name) {
        return new TlsClientConfig(trustedCas, insecure, name, protocols, alpn, certificate, handshakeTimeout, resume);
    }

    public TlsClientConfig withProtocols(List<String> p) {
        return new TlsClientConfig(trustedCas, insecure, serverName, p, alpn, certificate, handshakeTimeout, resume);
    }

    public TlsClientConfig withAlpn(List<String> a) {
        return new TlsClientConfig(trustedCas, insecure, serverName, protocols, a, certificate, handshakeTimeout, resume);
    }

    public TlsClientConfig withCertificate(TlsConfig.Credential c) {
        return new TlsClientConfig(trustedCas, insecure, serverName, protocols, alpn, c, handshakeTimeout, resume);
    }

    public TlsClientConfig withHandshakeTimeout(Duration d) {
        return new TlsClientConfig(trustedCas, insecure, serverName, protocols, alpn, certificate, d, resume);
    }

    public TlsClientConfig withResume(boolean r) {
        return new TlsClientConfig(trustedCas, insecure, serverName, protocols, alpn, certificate, handshakeTimeout, r);
    }

    /** One line for the effective configuration. */
    public String describe() {
        return (insecure ? "trusting any certificate (insecure)" : trustedCas == null ? "the JDK's trusted CAs" : "CAs from " + trustedCas)
                + ", " + String.join("/", protocols) + (alpn.isEmpty() ? "" : ", ALPN " + String.join(",", alpn))
                + (certificate == null ? "" : ", client certificate " + certificate.files().get(0))
                + (resume ? "" : ", every handshake a full one");
    }
}
