/**
 * TLS for the engine, on the JDK's {@code SSLEngine} (no dependency): where the server's
 * certificates come from ({@link io.throng.core.tls.TlsConfig}: PEM files or a PKCS#12 keystore,
 * several chosen by SNI), and the {@code SSLContext} built from them
 * ({@link io.throng.core.tls.TlsContext}), reloaded when the files change.
 */
package io.throng.core.tls;
