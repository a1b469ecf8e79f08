package io.throng.websocket;

import io.throng.websocket.codec.CodecPool;
import io.throng.websocket.codec.MessageCompressor;
import io.throng.core.Handler;
import io.throng.core.buffer.BufferPool;
import java.lang.System.Logger;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * What the sessions of one server (or client) share: settings, the default handler and hook, the
 * assembly-buffer pool, the compressor, counters, the topic registry, and the list of open
 * sessions (intrusive: two fields in each session, no node objects), which shutdown walks to say
 * "going away".
 */
public final class Endpoint {
    public final boolean client;
    public final WebSocketConfig config;
    public final WebSocketHandler handler;
    public final RequestHook hook;
    public final BufferPool pool;
    public final WsMetrics metrics;
    public final MessageCompressor compressor;
    public final TopicRegistry topics;
    /** Receives connections whose first byte is 0x00 (a binary side protocol on the same port), or null. */
    public final Handler rawProtocol;
    public final Logger log = System.getLogger("io.throng.websocket");
    public final long idleNanos;
    /** The server's handshakes in flight (unused by a client). */
    final HandshakeTable handshakes;
    private WsSession head;

    public Endpoint(boolean client, WebSocketConfig config, WebSocketHandler handler, RequestHook hook,
                    TopicRegistry topics, Handler rawProtocol) {
        this.client = client;
        this.config = config;
        this.handler = handler;
        this.hook = hook;
        this.topics = topics;
        this.rawProtocol = rawProtocol;
        this.pool = new BufferPool(16L << 20);
        this.metrics = new WsMetrics();
        int retained = 2 * Runtime.getRuntime().availableProcessors();
        this.compressor = config.deflate().enabled()
                ? new MessageCompressor(new CodecPool(config.deflate().level(), retained), config.deflate().minCompressBytes(), pool)
                : null;
        this.idleNanos = config.idleTimeout().toNanos();
        Duration grace = config.handshakeTimeout().compareTo(HandshakeTable.EVICTION_GRACE) < 0
                ? config.handshakeTimeout() : HandshakeTable.EVICTION_GRACE;
        this.handshakes = new HandshakeTable(config.maxHandshakesInFlight(), grace, metrics.handshakesInFlight);
    }

    synchronized void link(WsSession s) {
        s.nextOpen = head;
        if (head != null) {
            head.prevOpen = s;
        }
        head = s;
    }

    synchronized void unlink(WsSession s) {
        if (s.prevOpen != null) {
            s.prevOpen.nextOpen = s.nextOpen;
        } else if (head == s) {
            head = s.nextOpen;
        }
        if (s.nextOpen != null) {
            s.nextOpen.prevOpen = s.prevOpen;
        }
        s.prevOpen = null;
        s.nextOpen = null;
    }

    /** Calls {@code action} for every open session (a snapshot taken under the lock). */
    public void forEachOpen(Consumer<WsSession> action) {
        java.util.List<WsSession> all = new java.util.ArrayList<>();
        synchronized (this) {
            for (WsSession s = head; s != null; s = s.nextOpen) {
                all.add(s);
            }
        }
        all.forEach(action);
    }

    /** Frees what the endpoint keeps (pooled codecs, free buffers). */
    public void close() {
        if (compressor != null) {
            compressor.codecs().close();
        }
    }
}
