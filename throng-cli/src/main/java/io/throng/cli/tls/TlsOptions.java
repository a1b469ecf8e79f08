package io.throng.cli.tls;

import io.throng.core.tls.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The TLS options every server command shares ({@code serve}, {@code push}, {@code rpc serve}):
 * a PEM certificate chain and key turn TLS on for every connection. The key is a file, never a
 * value on the command line (where {@code ps} shows it to every user of the machine).
 */
public final class TlsOptions {
    @Option(names = "--tls-cert", paramLabel = "<file>",
            description = "PEM certificate chain, leaf first: serve TLS (https://, wss://) with --tls-key")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "<file>", description = "the PEM (PKCS#8) private key of --tls-cert")
    Path key;

    @Option(names = "--tls-client-ca", paramLabel = "<file>",
            description = "PEM CAs: every client must present a certificate one of them signed (mutual TLS)")
    Path clientCa;

    @Option(names = "--tls-handshake-timeout", paramLabel = "<duration>",
            description = "close a connection whose TLS handshake is not done by then (default: ${DEFAULT-VALUE})")
    String handshakeTimeout = "10s";

    /** The TLS settings, or null when TLS is off; throws on half a configuration. */
    public TlsConfig config() {
        if (cert == null && key == null) {
            if (clientCa != null) {
                throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key");
            }
            return null;
        }
        if (cert == null || key == null) {
            throw new IllegalArgumentException("TLS needs both --tls-cert and --tls-key");
        }
        for (Path f : clientCa == null ? List.of(cert, key) : List.of(cert, key, clientCa)) {
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException(f + ": no such file, or not readable");
            }
        }
        TlsConfig c = TlsConfig.pem(cert, key).withHandshakeTimeout(duration(handshakeTimeout));
        return clientCa == null ? c : c.withClientAuth(TlsConfig.ClientAuth.REQUIRED, clientCa);
    }

    /** "10s", "500ms", "1m" or plain seconds; its own, so that every command's package may use this one. */
    static java.time.Duration duration(String text) {
        String v = text.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return java.time.Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
            }
            if (v.endsWith("m")) {
                return java.time.Duration.ofSeconds(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60));
            }
            return java.time.Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--tls-handshake-timeout: not a duration: " + text + " (e.g. 10s, 500ms)");
        }
    }

    public boolean enabled() {
        return cert != null;
    }

    /** {@code plain} ("http", "ws") or its TLS form ("https", "wss"). */
    public String scheme(String plain) {
        return enabled() ? plain + "s" : plain;
    }

    /** The same options for a prefork worker. */
    public List<String> workerArguments() {
        List<String> a = new ArrayList<>();
        if (cert != null) {
            a.addAll(List.of("--tls-cert", cert.toAbsolutePath().toString()));
        }
        if (key != null) {
            a.addAll(List.of("--tls-key", key.toAbsolutePath().toString()));
        }
        if (clientCa != null) {
            a.addAll(List.of("--tls-client-ca", clientCa.toAbsolutePath().toString()));
        }
        a.addAll(List.of("--tls-handshake-timeout", handshakeTimeout));
        return a;
    }
}
