package io.throng.core.tls;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.core.LayeredHandler;
import io.throng.core.buffer.BufferPool;
import io.throng.core.log.RateLimitedLog;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLSession;

/**
 * TLS as a layer between the engine and an application's {@link Handler}: the engine runs this
 * handler over the raw connection, and the application's handler runs over a {@link Connection}
 * whose bytes are plain text, unchanged, under every model and transport. The application's
 * {@code onOpen} runs once the handshake finished; a connection whose handshake fails or stalls
 * never reaches it (it is counted and logged here).
 *
 * <p>A server gets one from {@code ServerConfig.withTls}, a client from {@code ClientConfig.withTls}:
 * the runtime wraps the handler, lending buffers from the engine's own pool.
 */
public final class TlsHandler implements LayeredHandler {
    final Handler app;
    final BufferPool pool;
    final int maxInboundBytes;
    final Duration handshakeTimeout;
    final RateLimitedLog log = new RateLimitedLog(System.getLogger("io.throng.tls"), 10);
    private final TlsContext server;
    private final TlsClientContext client;

    final LongAdder handshakes = new LongAdder();
    final LongAdder handshakeFailures = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder plainText = new LongAdder();
    final LongAdder truncated = new LongAdder();
    final LongAdder recordFailures = new LongAdder();

    private TlsHandler(Handler app, BufferPool pool, int maxInboundBytes, TlsContext server, TlsClientContext client,
                       Duration handshakeTimeout) {
        this.app = Objects.requireNonNull(app, "handler");
        this.pool = Objects.requireNonNull(pool, "pool");
        this.maxInboundBytes = maxInboundBytes;
        this.server = server;
        this.client = client;
        this.handshakeTimeout = handshakeTimeout;
    }

    /** A server's layer: accepted connections handshake with {@code context}'s certificates. */
    public static TlsHandler server(TlsContext context, Handler app, BufferPool pool, int maxInboundBytes) {
        return new TlsHandler(app, pool, maxInboundBytes, context, null, context.config().handshakeTimeout());
    }

    /**
     * A client's layer. Each connect passes {@link #connecting} as the raw connection's attachment,
     * which says where it goes (for SNI and the name check) and what to complete.
     */
    public static TlsHandler client(TlsClientContext context, Handler app, BufferPool pool, int maxInboundBytes) {
        return new TlsHandler(app, pool, maxInboundBytes, null, context, context.config().handshakeTimeout());
    }

    /** What a client's raw connection carries until its onOpen: the application's attachment, the host, the future. */
    public record Connecting(String host, int port, Object attachment, CompletableFuture<Connection> opened) {
    }

    /** The application's handler. */
    public Handler inner() {
        return app;
    }

    /** The TLS session of a connection this layer handed to the application, or null for any other. */
    public static SSLSession session(Connection c) {
        return c instanceof TlsSession s ? s.sslSession() : null;
    }

    /** The ALPN protocol agreed on, or null (none offered, none agreed, or not a TLS connection). */
    public static String applicationProtocol(Connection c) {
        if (!(c instanceof TlsSession s)) {
            return null;
        }
        String p = s.engine.getApplicationProtocol();
        return p == null || p.isEmpty() ? null : p;
    }

    private static TlsSession of(Connection raw) {
        return raw.attachment() instanceof TlsSession s ? s : null;
    }

    @Override
    public void onOpen(Connection raw) {
        TlsSession s;
        if (server != null) {
            s = new TlsSession(this, raw, server.newServerEngine(), null);
        } else {
            if (!(raw.attachment() instanceof Connecting c)) {
                throw new IllegalStateException("a TLS client connection must be made through the client runtime");
            }
            s = new TlsSession(this, raw, client.newEngine(c.host(), c.port()), c.opened());
            s.attach(c.attachment());
        }
        raw.attach(s);
        s.start(handshakeTimeout);
    }

    @Override
    public void onData(Connection raw, ByteBuffer in) {
        TlsSession s = of(raw);
        if (s == null) {
            in.position(in.limit());
            return;
        }
        s.onData(in);
    }

    @Override
    public boolean holdsInput(Connection raw) {
        TlsSession s = of(raw);
        return s != null && s.holdsInput();
    }

    @Override
    public void onInputClosed(Connection raw) {
        TlsSession s = of(raw);
        if (s == null) {
            raw.close();
            return;
        }
        s.onInputClosed();
    }

    @Override
    public void onWritable(Connection raw) {
        TlsSession s = of(raw);
        if (s != null) {
            s.onWritable();
        }
    }

    @Override
    public void onTimer(Connection raw) {
        TlsSession s = of(raw);
        if (s != null) {
            s.onTimer();
        }
    }

    @Override
    public void onClose(Connection raw, CloseReason reason) {
        TlsSession s = of(raw);
        if (s != null) {
            s.onClosed(reason);
        } else if (raw.attachment() instanceof Connecting c) {
            c.opened().completeExceptionally(new java.io.IOException("closed before TLS started: " + reason));
        }
    }

    void handshakeFailed(TlsSession s, String why, Throwable error) {
        handshakeFailures.increment();
        log.log(Level.INFO, s.raw.remoteAddress() + ": TLS handshake failed: " + why);
    }

    /** The layer's counters since start. */
    public Stats stats() {
        return new Stats(handshakes.sum(), handshakeFailures.sum(), timeouts.sum(), plainText.sum(), truncated.sum(),
                recordFailures.sum());
    }

    /**
     * @param handshakes        handshakes that finished
     * @param handshakeFailures handshakes that did not (timeouts and plain-text requests included)
     * @param timeouts          of those, handshakes that stalled past the timeout
     * @param plainText         of those, plain-text requests answered with a 400
     * @param truncated         connections the peer ended without close_notify
     * @param recordFailures    records that did not decrypt after the handshake (a tampered or broken stream)
     */
    public record Stats(long handshakes, long handshakeFailures, long timeouts, long plainText, long truncated,
                        long recordFailures) {
    }
}
