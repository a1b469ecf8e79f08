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
 * @param resume   resume sessions on reconnect (connrate measures resumed handshakes); false: every
 *                 connection a full handshake
 */
public record LoadTls(boolean enabled, boolean insecure, String caFile, boolean resume) {
    public static final LoadTls OFF = new LoadTls(false, false, null, true);

    public LoadTls {
        if (insecure && caFile != null) {
            throw new IllegalArgumentException("--tls-insecure trusts anything: it takes no --tls-ca");
        }
        if ((insecure || caFile != null || !resume) && !enabled) {
            throw new IllegalArgumentException("--tls-insecure, --tls-ca and --tls-no-resume need --tls (or a wss:// URL)");
        }
    }

    /** The client configuration, or null when off. */
    public TlsClientConfig clientConfig() {
        if (!enabled) {
            return null;
        }
        TlsClientConfig c = insecure ? TlsClientConfig.insecureForTests()
                : caFile == null ? TlsClientConfig.defaults() : TlsClientConfig.trusting(Path.of(caFile));
        return c.withResume(resume);
    }

    /** For reports: "off", "verified", "verified against FILE", "insecure". */
    public String describe() {
        String how = insecure ? "on, trusting any certificate" : caFile == null ? "on, verified" : "on, verified against " + caFile;
        return !enabled ? "off" : resume ? how : how + ", every handshake a full one";
    }
}
