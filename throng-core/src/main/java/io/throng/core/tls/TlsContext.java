package io.throng.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS server's {@link SSLContext}, built from a {@link TlsConfig}, and the engines for its
 * connections. {@link SniKeyManager} holds every credential's key and chain and picks the certificate whose names match the client's SNI (the first credential's when none does,
 * or when the client sends no name).
 *
 * <p><b>Reloading.</b> A new handshake looks, at most once per {@link TlsConfig#reloadCheck}, at
 * the files' modification times and sizes; when they changed, the context is built again from
 * them, and connections from then on use it (open ones keep theirs). A file watch was the other
 * way: it needs a thread, and misses the symbolic-link swap certbot and Kubernetes secrets make.
 * A change that does not load (a half-written file, a key that does not match) keeps the old
 * context and is logged once per change, with the reason and never a secret.
 *
 * <p>Threads: any. The context is swapped atomically; the check is a plain time comparison until
 * it is due.
 */
public final class TlsContext {
    private static final Logger LOG = System.getLogger("io.throng.tls");

    private final TlsConfig config;
    private final long checkNanos;
    private volatile SSLContext context;
    private volatile List<X509Certificate> leaves;
    private volatile String stamp;
    /** The stamp whose load failed (logged once). */
    private volatile String failedStamp;
    private volatile long nextCheck;
    /** Whether the configured versions are the context's own default (then engines are left with it). */
    private volatile boolean protocolsAreDefault;
    /**
     * The signature schemes an engine enables: those of the credentials' key types only, or null
     * (the JDK's defaults) when clients may authenticate, whose keys may be of any type. See
     * {@link #schemesFor}.
     */
    private volatile String[] signatureSchemes;
    /** The context's own cipher-suite order setting, kept when an engine's parameters are set. */
    private volatile boolean serverCipherOrder;
    /**
     * The cipher suites an engine enables ({@link #suitesFor}): the context's own that its keys
     * can serve, AES-128-GCM before AES-256-GCM; null (the defaults, shared) when that changes
     * nothing or the list is the operator's (jdk.tls.server.cipherSuites set).
     */
    private volatile String[] cipherSuites;
    private final java.util.function.BiFunction<SSLEngine, List<String>, String> alpnSelector;

    private TlsContext(TlsConfig config) throws IOException, GeneralSecurityException {
        this.config = config;
        this.checkNanos = config.reloadCheck().toNanos();
        this.alpnSelector = alpnSelector(config.alpn());
        this.stamp = stamp(config);
        load();
        this.nextCheck = System.nanoTime() + checkNanos;
    }

    /** Builds the context, reading every file now: a missing or bad file fails here, with its name. */
    public static TlsContext server(TlsConfig config) throws IOException, GeneralSecurityException {
        return new TlsContext(config);
    }

    public TlsConfig config() {
        return config;
    }

    /** The context in use now (a server socket or client in tests and tools; connections take {@link #newServerEngine}). */
    SSLContext sslContext() {
        reloadIfDue();
        return context;
    }

    /** The leaf certificate of each credential, in order. */
    public List<X509Certificate> certificates() {
        return leaves;
    }

    /**
     * An engine for one accepted connection, with the configured versions, ALPN and client
     * authentication. An engine starts with its context's settings <em>shared</em>; setting its
     * parameters gives it copies of its own (lists of protocols, cipher suites, signature
     * schemes), which every idle connection would then keep. So only what differs from the
     * context's defaults is set, and ALPN goes through one selector all engines share: measured
     * at 10,000 idle connections, this took an idle TLS connection from 4,739 to 4,440 B (scripts/tls-idle-memory.sh throng).
     */
    public SSLEngine newServerEngine() {
        reloadIfDue();
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        String[] schemes = signatureSchemes;
        String[] suites = cipherSuites;
        if (schemes != null || suites != null) {
            // Only what is set here replaces the engine's shared defaults: a fresh SSLParameters
            // leaves named groups and SNI unset (the defaults stay shared).
            SSLParameters p = new SSLParameters();
            if (schemes != null) {
                p.setSignatureSchemes(schemes);
            }
            if (suites != null) {
                p.setCipherSuites(suites);
            }
            p.setUseCipherSuitesOrder(serverCipherOrder);
            if (!protocolsAreDefault) {
                p.setProtocols(config.protocols().toArray(String[]::new));
            }
            engine.setSSLParameters(p);
        } else if (!protocolsAreDefault) {
            engine.setEnabledProtocols(config.protocols().toArray(String[]::new));
        }
        if (alpnSelector != null) {
            engine.setHandshakeApplicationProtocolSelector(alpnSelector);
        }
        switch (config.clientAuth()) {
            case REQUIRED -> engine.setNeedClientAuth(true);
            case OPTIONAL -> engine.setWantClientAuth(true);
            case NONE -> { }
        }
        return engine;
    }

    /**
     * The server's ALPN choice: its own first preference among what the client offers; null (the
     * client offered none of them) ends the handshake with no_application_protocol, as the JDK's
     * own selection does.
     */
    private static java.util.function.BiFunction<SSLEngine, List<String>, String> alpnSelector(List<String> preferred) {
        if (preferred.isEmpty()) {
            return null;
        }
        return (engine, offered) -> {
            for (String p : preferred) {
                if (offered.contains(p)) {
                    return p;
                }
            }
            return null;
        };
    }

    /**
     * Rebuilds the context now if the files changed since it was built; true if it did. Throws if
     * they changed and do not load (the old context stays).
     */
    public boolean reload() throws IOException, GeneralSecurityException {
        String now = stamp(config);
        if (now.equals(stamp)) {
            return false;
        }
        load();
        stamp = now;
        return true;
    }

    private void reloadIfDue() {
        if (checkNanos == 0 || System.nanoTime() - nextCheck < 0) {
            return;
        }
        synchronized (this) {
            if (System.nanoTime() - nextCheck < 0) {
                return; // another thread checked meanwhile
            }
            nextCheck = System.nanoTime() + checkNanos;
            String now;
            try {
                now = stamp(config);
            } catch (IOException e) {
                now = "unreadable: " + e.getMessage();
            }
            if (now.equals(stamp) || now.equals(failedStamp)) {
                return;
            }
            try {
                load();
                stamp = now;
                LOG.log(Level.INFO, "TLS certificates reloaded: " + describe(leaves));
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                failedStamp = now;
                LOG.log(Level.WARNING, "TLS certificate files changed but do not load, keeping the previous ones: " + e.getMessage());
            }
        }
    }

    private void load() throws IOException, GeneralSecurityException {
        List<X509Certificate> firsts = new ArrayList<>();
        List<SniKeyManager.Entry> entries = new ArrayList<>();
        int n = 0;
        for (TlsConfig.Credential c : config.credentials()) {
            switch (c) {
                case TlsConfig.PemFiles pem -> {
                    List<X509Certificate> chain = Pem.certificates(pem.certificateChain());
                    PrivateKey key = Pem.privateKey(pem.privateKey());
                    checkPair(pem.privateKey(), key, chain.get(0));
                    String alias = "k" + n++;
                    firsts.add(chain.get(0));
                    entries.add(SniKeyManager.entry(alias, key, chain.toArray(X509Certificate[]::new)));
                }
                case TlsConfig.Pkcs12 p12 -> {
                    char[] password = password(p12);
                    KeyStore from = KeyStore.getInstance("PKCS12");
                    try (InputStream in = Files.newInputStream(p12.keystore())) {
                        from.load(in, password);
                    } catch (IOException e) {
                        throw new IOException(p12.keystore() + ": " + e.getMessage()
                                + (e.getCause() instanceof java.security.UnrecoverableKeyException ? " (wrong password?)" : ""), e);
                    }
                    int before = n;
                    for (String alias : Collections.list(from.aliases())) {
                        if (from.isKeyEntry(alias)) {
                            Certificate[] chain = from.getCertificateChain(alias);
                            PrivateKey key = (PrivateKey) from.getKey(alias, password);
                            String as = "k" + n++;
                            firsts.add((X509Certificate) chain[0]);
                            entries.add(SniKeyManager.entry(as, key, java.util.Arrays.copyOf(chain, chain.length, X509Certificate[].class)));
                        }
                    }
                    if (n == before) {
                        throw new GeneralSecurityException(p12.keystore() + ": no key entry in the keystore");
                    }
                }
            }
        }
        java.util.Date now = new java.util.Date();
        for (X509Certificate leaf : firsts) {
            // still served (an operator may be mid-renewal), but every verifying client refuses it
            if (leaf.getNotAfter().before(now) || leaf.getNotBefore().after(now)) {
                LOG.log(Level.WARNING, "TLS certificate " + leaf.getSubjectX500Principal().getName() + " is not valid now (valid "
                        + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + "): clients that verify will refuse it");
            }
        }
        var chooser = new SniKeyManager(entries);
        TrustManagerFactory tmf = config.trustedCas() == null ? null : trust(config.trustedCas());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[] {chooser}, tmf == null ? null : tmf.getTrustManagers(), null);
        this.leaves = List.copyOf(firsts);
        SSLEngine probe = ctx.createSSLEngine();
        probe.setUseClientMode(false);
        this.protocolsAreDefault = new java.util.HashSet<>(List.of(probe.getEnabledProtocols()))
                .equals(new java.util.HashSet<>(config.protocols()));
        SSLParameters defaults = probe.getSSLParameters();
        this.serverCipherOrder = defaults.getUseCipherSuitesOrder();
        List<String> keyAlgorithms = entries.stream().map(e -> e.key().getAlgorithm()).toList();
        this.cipherSuites = System.getProperty("jdk.tls.server.cipherSuites") == null
                ? suitesFor(keyAlgorithms, defaults.getCipherSuites())
                : null;
        this.signatureSchemes = config.clientAuth() == TlsConfig.ClientAuth.NONE
                ? schemesFor(keyAlgorithms, defaults.getSignatureSchemes())
                : null;
        this.context = ctx;
    }

    /**
     * The signature schemes of the given key algorithms, among {@code enabled} (the JDK's
     * {@code jdk.tls.server.SignatureSchemes}, or all when null); null when a key algorithm is not
     * known here (the JDK's defaults then stay).
     *
     * <p>Why: an idle connection's session keeps the client's signature schemes that the server
     * also enables (a linked list, 24 B a scheme) and a copy of the server's own. A client such as
     * OpenSSL offers 14 the JDK enables, of which a server with one P-256 key keeps 3; enabling
     * only the schemes its keys sign with leaves the handshake as it was (every scheme of the key's
     * type stays, so a client that can verify the key still finds one) and cut an idle connection
     * at 10,000 from 4,430 to 4,115 B (scripts/tls-idle-memory.sh throng, before and after one after
     * the other). Not done when clients authenticate: their keys may be of any type.
     */
    static String[] schemesFor(List<String> keyAlgorithms, String[] enabled) {
        List<String> allowed = enabled == null ? null : List.of(enabled);
        List<String> out = new ArrayList<>();
        for (String alg : new java.util.LinkedHashSet<>(keyAlgorithms)) {
            List<String> of = switch (alg) {
                case "EC" -> List.of("ecdsa_secp256r1_sha256", "ecdsa_secp384r1_sha384", "ecdsa_secp521r1_sha512",
                        "ecdsa_sha224", "ecdsa_sha1");
                case "RSA" -> List.of("rsa_pss_rsae_sha256", "rsa_pss_rsae_sha384", "rsa_pss_rsae_sha512",
                        "rsa_pkcs1_sha256", "rsa_pkcs1_sha384", "rsa_pkcs1_sha512", "rsa_sha224", "rsa_pkcs1_sha1");
                case "RSASSA-PSS" -> List.of("rsa_pss_pss_sha256", "rsa_pss_pss_sha384", "rsa_pss_pss_sha512");
                case "Ed25519" -> List.of("ed25519");
                case "Ed448" -> List.of("ed448");
                case "EdDSA" -> List.of("ed25519", "ed448");
                case "DSA" -> List.of("dsa_sha256", "dsa_sha224", "dsa_sha1");
                default -> null;
            };
            if (of == null) {
                return null;
            }
            for (String scheme : of) {
                if ((allowed == null || allowed.contains(scheme)) && !out.contains(scheme)) {
                    out.add(scheme);
                }
            }
        }
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    /**
     * The suites of {@code enabled} that a server with keys of these algorithms can serve, in
     * {@link #aes128First} order; null when that is {@code enabled} as it is, or a key algorithm
     * is not known here (then every suite stays).
     *
     * <p>Why: each engine keeps its own copy of the list once any is set (4 B a suite), and a TLS
     * 1.2 suite authenticated by another key type than the server's can never be negotiated (the
     * JDK skips it at each handshake): a P-256 server serves 11 of the JDK's 31 (the TLS 1.3 ones,
     * the ECDHE_ECDSA ones and the renegotiation signal), 80 B less an idle connection. As with
     * {@link #schemesFor}, the handshake is what it was. A suite whose name says nothing of its
     * key type stays.
     */
    static String[] suitesFor(List<String> keyAlgorithms, String[] enabled) {
        if (keyAlgorithms.isEmpty()) {
            return null;
        }
        java.util.Set<String> kinds = new java.util.HashSet<>();
        for (String alg : keyAlgorithms) {
            String kind = switch (alg) {
                case "EC", "Ed25519", "Ed448", "EdDSA" -> "EC"; // TLS 1.2 signs with EdDSA in the ECDSA suites (RFC 8422)
                case "RSA", "RSASSA-PSS" -> "RSA";
                case "DSA" -> "DSA";
                default -> null;
            };
            if (kind == null) {
                return null;
            }
            kinds.add(kind);
        }
        List<String> kept = new ArrayList<>();
        for (String suite : enabled) {
            String needs = suite.startsWith("TLS_ECDH_") || suite.contains("_ECDSA_") ? "EC" // static ECDH: the key is EC
                    : suite.contains("_RSA_") ? "RSA"
                    : suite.contains("_DSS_") ? "DSA"
                    : null; // TLS 1.3 suites, the renegotiation signal, anything else
            if (needs == null || kinds.contains(needs)) {
                kept.add(suite);
            }
        }
        String[] filtered = kept.toArray(String[]::new);
        String[] ordered = aes128First(filtered);
        String[] out = ordered != null ? ordered : filtered;
        return java.util.Arrays.equals(out, enabled) ? null : out;
    }

    /**
     * {@code suites}, the same ones, with each AES-128-GCM suite moved up to just before its
     * AES-256-GCM sibling (TLS_AES_128_GCM_SHA256 before TLS_AES_256_GCM_SHA384, and the TLS 1.2
     * ECDHE and DHE pairs likewise); null when no pair is out of that order.
     *
     * <p>Why: the JDK's server prefers AES-256, and a client such as OpenSSL (Python, curl) or the
     * JDK's offers it first too. An idle connection keeps its ciphers' key schedules, both the
     * encryption and the decryption one of each (240 B a direction for AES-256, 176 for AES-128),
     * and its SHA-384 secrets (48 B against 32): at 10,000 idle connections the JDK's engine then
     * holds 264 B less, for 168 B of this list in each engine with all 31 suites (scripts/tls-idle-memory.sh
     * throng: 4,113 to 4,017 B of heap, before and after one after the other; {@link #suitesFor} then shortens the list). AES-128 also does 10 rounds a
     * block to AES-256's 14, and is what Go, BoringSSL and Mozilla's recommended configuration
     * prefer; both are the JDK's defaults and both stay enabled.
     */
    static String[] aes128First(String[] suites) {
        List<String> order = new ArrayList<>(List.of(suites));
        boolean moved = false;
        for (int i = 0; i < order.size(); i++) {
            String name = order.get(i);
            if (!name.endsWith("_AES_256_GCM_SHA384")) {
                continue;
            }
            int sibling = order.indexOf(name.substring(0, name.length() - "_AES_256_GCM_SHA384".length()) + "_AES_128_GCM_SHA256");
            if (sibling > i) {
                order.add(i, order.remove(sibling));
                moved = true;
                i++; // the AES-256 suite is now one further on
            }
        }
        return moved ? order.toArray(String[]::new) : null;
    }

    /** Trust in exactly the CAs of a PEM file. */
    static TrustManagerFactory trust(Path cas) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (X509Certificate ca : Pem.certificates(cas)) {
            trust.setCertificateEntry("ca" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        return tmf;
    }

    /** A key that is not the certificate's fails every handshake: refuse it when loading instead. */
    static void checkPair(Path keyFile, PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
        String keyAlg = key.getAlgorithm();
        String certAlg = leaf.getPublicKey().getAlgorithm();
        if (!keyAlg.equals(certAlg)) {
            throw new GeneralSecurityException(keyFile + ": the key is " + keyAlg + ", the certificate's " + certAlg);
        }
        if (key instanceof java.security.interfaces.RSAPrivateCrtKey rsa
                && leaf.getPublicKey() instanceof java.security.interfaces.RSAPublicKey pub
                && !rsa.getModulus().equals(pub.getModulus())) {
            throw new GeneralSecurityException(keyFile + ": the key is not the certificate's (" + leaf.getSubjectX500Principal() + ")");
        }
        String probe = switch (keyAlg) {
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448" -> keyAlg;
            default -> null; // RSA compared above; others are rare enough to leave to the handshake
        };
        if (probe != null && !signs(key, leaf, probe)) {
            throw new GeneralSecurityException(keyFile + ": the key is not the certificate's (" + leaf.getSubjectX500Principal() + ")");
        }
    }

    private static boolean signs(PrivateKey key, X509Certificate leaf, String algorithm) throws GeneralSecurityException {
        byte[] probe = "throng".getBytes(StandardCharsets.US_ASCII);
        java.security.Signature s = java.security.Signature.getInstance(algorithm);
        s.initSign(key);
        s.update(probe);
        byte[] sig = s.sign();
        s.initVerify(leaf.getPublicKey());
        s.update(probe);
        return s.verify(sig);
    }

    static char[] password(TlsConfig.Pkcs12 p12) throws IOException {
        if (p12.passwordFile() != null) {
            String text = Files.readString(p12.passwordFile(), StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            return (nl < 0 ? text : text.substring(0, nl)).strip().toCharArray();
        }
        if (p12.passwordEnv() != null) {
            String v = System.getenv(p12.passwordEnv());
            if (v == null) {
                throw new IOException("the keystore's password variable " + p12.passwordEnv() + " is not set");
            }
            return v.toCharArray();
        }
        return new char[0];
    }

    /** The files' modification times and sizes, in order: a change in any is a change. */
    private static String stamp(TlsConfig config) throws IOException {
        StringBuilder b = new StringBuilder();
        List<Path> files = new ArrayList<>();
        for (TlsConfig.Credential c : config.credentials()) {
            files.addAll(c.files());
        }
        if (config.trustedCas() != null) {
            files.add(config.trustedCas());
        }
        for (Path f : files) {
            b.append(Files.getLastModifiedTime(f).toMillis()).append('/').append(Files.size(f)).append(';');
        }
        return b.toString();
    }

    /** Names for a log line: each leaf's subject and expiry. */
    public static String describe(List<X509Certificate> leaves) {
        List<String> parts = new ArrayList<>();
        for (X509Certificate c : leaves) {
            parts.add(c.getSubjectX500Principal().getName() + " (until " + c.getNotAfter().toInstant() + ")");
        }
        return String.join(", ", parts);
    }
}
