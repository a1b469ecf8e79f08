package io.throng.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A TLS client's {@link SSLContext}, built once from a {@link TlsClientConfig}, and the engines for
 * its connections. Engines made for the same host and port share the JDK's session cache, so a
 * reconnect resumes the session (one round trip, no certificate check) when the server allows it.
 *
 * <p>Threads: any.
 */
public final class TlsClientContext {
    private final TlsClientConfig config;
    private final SSLContext context;

    private TlsClientContext(TlsClientConfig config, SSLContext context) {
        this.config = config;
        this.context = context;
    }

    /** Builds the context, reading the files now: a missing or bad file fails here, with its name. */
    public static TlsClientContext of(TlsClientConfig config) throws IOException, GeneralSecurityException {
        KeyManagerFactory kmf = null;
        if (config.certificate() != null) {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            char[] password = new char[0];
            switch (config.certificate()) {
                case TlsConfig.PemFiles pem -> {
                    List<X509Certificate> chain = Pem.certificates(pem.certificateChain());
                    PrivateKey key = Pem.privateKey(pem.privateKey());
                    TlsContext.checkPair(pem.privateKey(), key, chain.get(0));
                    keys.load(null, null);
                    keys.setKeyEntry("client", key, password, chain.toArray(X509Certificate[]::new));
                }
                case TlsConfig.Pkcs12 p12 -> {
                    password = TlsContext.password(p12);
                    try (InputStream in = Files.newInputStream(p12.keystore())) {
                        keys.load(in, password);
                    }
                }
            }
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(keys, password);
        }
        TrustManager[] trust;
        if (config.insecure()) {
            trust = new TrustManager[] {new TrustingAnyone()};
        } else if (config.trustedCas() != null) {
            trust = TlsContext.trust(config.trustedCas()).getTrustManagers();
        } else {
            trust = null; // the JDK's cacerts
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), trust, null);
        return new TlsClientContext(config, ctx);
    }

    public TlsClientConfig config() {
        return config;
    }

    /** An engine for a connection to {@code host}:{@code port}, checking the server's name unless insecure. */
    public SSLEngine newEngine(String host, int port) {
        String name = config.serverName() != null ? config.serverName() : host;
        // Without the peer's host and port the JDK has no cached session to offer: a full handshake.
        SSLEngine engine = config.resume() ? context.createSSLEngine(name, port) : context.createSSLEngine();
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(config.protocols().toArray(String[]::new));
        if (!config.alpn().isEmpty()) {
            p.setApplicationProtocols(config.alpn().toArray(String[]::new));
        }
        if (!config.insecure()) {
            // Without this the JDK checks the chain but not that it names the host asked for.
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (name != null && !isIpLiteral(name)) {
            p.setServerNames(List.of(new SNIHostName(name)));
        }
        engine.setSSLParameters(p);
        return engine;
    }

    static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
    }

    /** What {@code --tls-insecure} trusts: every chain, every name. */
    private static final class TrustingAnyone extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
