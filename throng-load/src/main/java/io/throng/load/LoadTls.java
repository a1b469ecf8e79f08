package io.throng.load;

import io.throng.core.tls.TlsClientConfig;
import java.nio.file.Path;

/**
 * TLS for the load's connections ({@code --tls}, {@code --tls-ca}, {@code --tls-insecure}): off;
 * on, checking the server's certificate against a CA file or the JDK's CAs; or on, trusting any
 * certificate (a self-signed test server on loopback).
 *
 * @param enabled  TLS on every connection
 * @param insecure trust any certificate and name
 * @param caFile   PEM file of the CAs to trust; null for the JDK's
 */
public record LoadTls(boolean enabled, boolean insecure, String caFile) {
    public static final LoadTls OFF = new LoadTls(false, false, null);

    public LoadTls {
        if (insecure && caFile != null) {
            throw new IllegalArgumentException("--tls-insecure trusts anything: it takes no --tls-ca");
        }
        if ((insecure || caFile != null) && !enabled) {
            throw new IllegalArgumentException("--tls-insecure and --tls-ca need --tls (or a wss:// URL)");
        }
    }

    /** The client configuration, or null when off. */
    public TlsClientConfig clientConfig() {
        if (!enabled) {
            return null;
        }
        return insecure ? TlsClientConfig.insecureForTests()
                : caFile == null ? TlsClientConfig.defaults() : TlsClientConfig.trusting(Path.of(caFile));
    }

    /** For reports: "off", "verified", "verified against FILE", "insecure". */
    public String describe() {
        return !enabled ? "off" : insecure ? "on, trusting any certificate" : caFile == null ? "on, verified" : "on, verified against " + caFile;
    }
}
