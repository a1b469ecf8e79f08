package io.throng.core.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the server's certificate by the name the client asked for (SNI) first, and by key type
 * second. The JDK's own key manager goes the other way round: it asks for a key type at a time, in
 * the client's order of preference (ECDSA before RSA for most clients), and takes any certificate
 * of that type, matching the name or not, so a client asking for an RSA site got the EC one.
 * Here, for a requested name, only the credentials whose names (subject alternative names, else
 * the common name; {@code *.} wildcards for one label) match it are offered; with none matching,
 * or no name sent, every credential is, the first first.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
    /** One credential: its alias, key and chain, its key's algorithm, its host names (lower case). */
    record Entry(String alias, PrivateKey key, X509Certificate[] chain, String keyAlgorithm, List<String> names) {
    }

    private final List<Entry> entries;

    SniKeyManager(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    static Entry entry(String alias, PrivateKey key, X509Certificate[] chain) {
        X509Certificate leaf = chain[0];
        List<String> names = new ArrayList<>();
        try {
            var sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        names.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable alternative names: the common name below
        }
        if (names.isEmpty()) {
            String dn = leaf.getSubjectX500Principal().getName();
            for (String part : dn.split(",")) {
                if (part.startsWith("CN=")) {
                    names.add(part.substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return new Entry(alias, key, chain.clone(), key.getAlgorithm(), names);
    }

    /** The alias to use for {@code keyType} given the requested {@code name} (null: none sent). */
    String choose(String keyType, String name) {
        if (name != null) {
            boolean named = false;
            for (Entry e : entries) {
                if (matches(e, name)) {
                    named = true;
                    if (fits(e, keyType)) {
                        return e.alias();
                    }
                }
            }
            if (named) {
                return null; // the named site has no key of this type: the JDK tries the client's next type
            }
        }
        for (Entry e : entries) {
            if (fits(e, keyType)) {
                return e.alias();
            }
        }
        return null;
    }

    static boolean matches(Entry e, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String n : e.names()) {
            if (n.equals(h)) {
                return true;
            }
            if (n.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot).equals(n.substring(1))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether a credential's key serves {@code keyType} (an RSA key signs RSASSA-PSS too; "EdDSA" covers Ed25519 and Ed448). */
    static boolean fits(Entry e, String keyType) {
        String alg = e.keyAlgorithm();
        return alg.equals(keyType) || keyType.equals("RSASSA-PSS") && alg.equals("RSA")
                || keyType.equals("EdDSA") && alg.startsWith("Ed");
    }

    private static String requested(SSLSession session) {
        if (session instanceof ExtendedSSLSession x) {
            for (SNIServerName n : x.getRequestedServerNames()) {
                if (n instanceof SNIHostName host) {
                    return host.getAsciiName();
                }
            }
        }
        return null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : requested(engine.getHandshakeSession()));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket s ? requested(s.getHandshakeSession()) : null);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return entries.stream().filter(e -> fits(e, keyType)).map(Entry::alias).toArray(String[]::new);
    }

    // A server's manager: it offers no client certificate.
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        for (Entry e : entries) {
            if (e.alias().equals(alias)) {
                return e.chain().clone();
            }
        }
        return null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        for (Entry e : entries) {
            if (e.alias().equals(alias)) {
                return e.key();
            }
        }
        return null;
    }
}
