package io.throng.core.tls;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.buffer.PooledBuffer;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * One TLS connection: its {@link SSLEngine} over the raw connection, and the {@link Connection} the
 * application's handler sees, whose bytes are plain text.
 *
 * <p><b>Memory.</b> Between records it holds the engine and nothing else: a record is decrypted
 * into a pooled buffer lent for that one {@code onData} call, and encrypted into one lent for that
 * one write; a partial record stays in the raw connection's own leftover (unconsumed), and only
 * plain text the application leaves unconsumed (a partial message) is kept, in a chunk of its size.
 *
 * <p><b>Threads.</b> Reading (unwrap, the handshake, the application's callbacks) runs in the raw
 * connection's serial context. Writes come from any thread: each record is made and queued under
 * this object's lock, so records reach the socket in the order the engine numbered them. The
 * handshake's own records are made under the same lock.
 *
 * <p><b>States</b> (only forward, under the lock; see {@link #legal}):
 * <pre>
 *   HANDSHAKING -> OPEN      the handshake finished: the application's onOpen runs
 *   HANDSHAKING -> CLOSED    it failed, timed out, or the peer went away (the application never hears of it)
 *   OPEN        -> CLOSING   the application closed: close_notify queued, the raw connection drains
 *   OPEN        -> CLOSED    the raw connection closed (peer, error, limit, shutdown)
 *   CLOSING     -> CLOSED    the raw connection finished closing
 * </pre>
 */
final class TlsSession implements Connection {
    /** Where a TLS connection is. */
    enum State { HANDSHAKING, OPEN, CLOSING, CLOSED }

    /**
     * What each decrypt and encrypt call borrows. A TLS record carries at most 16 KiB of plain
     * text (RFC 8446 section 5.1) and the JDK asks for 16,709 bytes of room for one (its packet
     * buffer size), which the pool's 16 KiB class cannot hold: the next class, 64 KiB, takes three
     * records a call.
     */
    static final int CHUNK = 65536;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    final TlsHandler layer;
    final Connection raw;
    final SSLEngine engine;
    /** The client's connect future, completed when the handshake finishes; null on a server. */
    private final CompletableFuture<Connection> opened;
    private volatile State state = State.HANDSHAKING;
    private volatile boolean suspended;
    /** Reads were resumed since the last delivery: what was put off is due again. */
    private volatile boolean resumed;
    private volatile Object attachment;
    /** Plain text the application left unconsumed; serial context only. */
    private PooledBuffer plainLeft;
    /** Why the TLS layer closed the raw connection, for the application's onClose; null if it did not. */
    private volatile CloseReason reason;
    /** False until the first bytes were looked at (a plain-text request is answered in plain text). */
    private boolean sawBytes;

    TlsSession(TlsHandler layer, Connection raw, SSLEngine engine, CompletableFuture<Connection> opened) {
        this.layer = layer;
        this.raw = raw;
        this.engine = engine;
        this.opened = opened;
    }

    static boolean legal(State from, State to) {
        return switch (from) {
            case HANDSHAKING -> to == State.OPEN || to == State.CLOSED;
            case OPEN -> to == State.CLOSING || to == State.CLOSED;
            case CLOSING -> to == State.CLOSED;
            case CLOSED -> false;
        };
    }

    /** Moves to {@code to} if that is legal from where it is; under the lock. */
    private boolean moveToLocked(State to) {
        assert Thread.holdsLock(this);
        if (!legal(state, to)) {
            return false;
        }
        state = to;
        return true;
    }

    State state() {
        return state;
    }

    SSLSession sslSession() {
        return engine.getSession();
    }

    // ---- driven by TlsHandler, in the raw connection's serial context ----

    /** The raw connection is open: start the handshake and its deadline. */
    void start(Duration handshakeTimeout) {
        raw.setTimer(handshakeTimeout);
        try {
            engine.beginHandshake();
            if (engine.getUseClientMode()) {
                afterEngine(HandshakeStatus.NEED_WRAP); // the ClientHello
            }
        } catch (SSLException e) {
            fail("handshake", e);
        }
    }

    void onData(ByteBuffer in) {
        if (state == State.CLOSED || engine.isInboundDone()) {
            in.position(in.limit());
            return;
        }
        if (!sawBytes && in.hasRemaining()) {
            sawBytes = true;
            if (!engine.getUseClientMode() && looksLikePlainText(in)) {
                answerPlainText(in);
                return;
            }
        }
        boolean again = !in.hasRemaining() || resumed;
        resumed = false;
        PooledBuffer app = layer.pool.acquire(Math.max(CHUNK, plainLeft == null ? 0 : plainLeft.buffer().remaining() + CHUNK));
        try {
            ByteBuffer dst = app.buffer();
            if (plainLeft != null) {
                dst.put(plainLeft.buffer());
                layer.pool.release(plainLeft);
                plainLeft = null;
            }
            // What the application put off is handed to it again after it resumed reads, even if
            // no new plain text came (the peer waits for answers to what it sent).
            boolean fresh = again && dst.position() > 0;
            boolean ended = false;
            while (!suspended || state != State.OPEN) {
                SSLEngineResult r;
                try {
                    r = engine.unwrap(in, dst);
                    afterEngine(r.getHandshakeStatus());
                } catch (SSLException e) {
                    in.position(in.limit());
                    fail(state == State.HANDSHAKING ? "handshake" : "record", e);
                    return;
                }
                if (state == State.CLOSED) {
                    in.position(in.limit());
                    return;
                }
                fresh |= r.bytesProduced() > 0;
                Status st = r.getStatus();
                if (st == Status.CLOSED) {
                    ended = true; // close_notify: what came before it is delivered first
                    break;
                }
                if (st == Status.BUFFER_UNDERFLOW) {
                    break; // a partial record stays in `in`, kept by the raw connection
                }
                if (st == Status.BUFFER_OVERFLOW) {
                    if (state != State.OPEN) {
                        dst.clear(); // plain text after the application closed: nobody reads it
                    } else if (fresh) {
                        fresh = false;
                        deliver(dst);
                        if (suspended) {
                            break;
                        }
                    }
                    if (dst.remaining() < engine.getSession().getApplicationBufferSize()) {
                        PooledBuffer bigger = grow(dst);
                        if (bigger == null) {
                            in.position(in.limit());
                            return;
                        }
                        layer.pool.release(app);
                        app = bigger;
                        dst = app.buffer();
                    }
                    continue;
                }
                if (!in.hasRemaining() || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                    break;
                }
            }
            if (fresh && state == State.OPEN) {
                deliver(dst);
            }
            if (dst.position() > 0 && state == State.OPEN) {
                dst.flip();
                plainLeft = layer.pool.acquire(dst.remaining());
                plainLeft.buffer().put(dst).flip();
            }
            if (ended) {
                inputEnded();
            }
        } finally {
            layer.pool.release(app);
        }
    }

    /** The peer's plain text, from 0 to the position, goes to the application; what it leaves moves to the front. */
    private void deliver(ByteBuffer dst) {
        dst.flip();
        try {
            layer.app.onData(this, dst);
        } finally {
            dst.compact();
        }
    }

    /** The application left more than a chunk unconsumed (a large message): a bigger buffer, within the limit. */
    private PooledBuffer grow(ByteBuffer dst) {
        int held = dst.position();
        if (held + CHUNK > layer.maxInboundBytes) {
            reason = new CloseReason(CloseReason.Kind.READ_LIMIT, "the handler left " + held
                    + " decrypted bytes unconsumed, over max-inbound-bytes " + layer.maxInboundBytes, null);
            raw.abort();
            return null;
        }
        PooledBuffer bigger = layer.pool.acquire(Math.max(held * 2, held + CHUNK));
        dst.flip();
        bigger.buffer().put(dst);
        return bigger;
    }

    boolean holdsInput() {
        PooledBuffer p = plainLeft;
        return p != null && p.buffer().hasRemaining();
    }

    /** The raw connection saw the peer's FIN. */
    void onInputClosed() {
        if (state == State.HANDSHAKING) {
            layer.handshakeFailed(this, "the peer closed the connection during the handshake", null);
            reason = CloseReason.tls("the peer closed the connection during the handshake", null);
            raw.close();
            return;
        }
        if (!engine.isInboundDone()) {
            try {
                engine.closeInbound();
            } catch (SSLException e) {
                // The peer closed without close_notify: a truncation, or just an impolite client.
                layer.truncated.increment();
            }
        }
        inputEnded();
    }

    private void inputEnded() {
        if (state == State.OPEN) {
            layer.app.onInputClosed(this);
        } else {
            raw.close();
        }
    }

    void onWritable() {
        if (state == State.OPEN || state == State.CLOSING) {
            layer.app.onWritable(this);
        }
    }

    void onTimer() {
        if (state == State.HANDSHAKING) {
            String why = "the handshake did not finish within " + layer.handshakeTimeout.toMillis() + " ms";
            layer.timeouts.increment();
            layer.handshakeFailed(this, why, null);
            reason = CloseReason.tls(why, null);
            raw.abort();
            return;
        }
        if (state == State.OPEN || state == State.CLOSING) {
            layer.app.onTimer(this);
        }
    }

    void onClosed(CloseReason rawReason) {
        State was;
        synchronized (this) {
            was = state;
            state = State.CLOSED;
        }
        if (plainLeft != null) {
            layer.pool.release(plainLeft);
            plainLeft = null;
        }
        engine.closeOutbound();
        CloseReason why = reason != null ? reason : rawReason;
        if (was == State.OPEN || was == State.CLOSING) {
            layer.app.onClose(this, why);
            return;
        }
        if (reason == null) {
            layer.handshakeFailed(this, "closed during the handshake: " + rawReason, null);
        }
        if (opened != null) {
            opened.completeExceptionally(new javax.net.ssl.SSLHandshakeException("TLS handshake with " + raw.remoteAddress()
                    + " did not complete: " + why));
        }
    }

    // ---- the engine's demands ----

    /** Does what the engine asks after a wrap or unwrap, until it needs the peer's bytes. */
    private void afterEngine(HandshakeStatus hs) throws SSLException {
        while (true) {
            switch (hs) {
                case NEED_TASK -> {
                    // Certificate checks and key agreement: milliseconds at most, so inline rather
                    // than handing them to another thread and back.
                    Runnable task;
                    while ((task = engine.getDelegatedTask()) != null) {
                        task.run();
                    }
                    hs = engine.getHandshakeStatus();
                }
                case NEED_WRAP -> {
                    hs = wrapHandshake();
                    if (engine.isOutboundDone()) {
                        raw.close(); // the engine sent an alert or close_notify of its own
                        return;
                    }
                }
                case FINISHED -> {
                    established();
                    return;
                }
                default -> {
                    return; // NEED_UNWRAP: the peer's turn; NOT_HANDSHAKING: nothing to do
                }
            }
        }
    }

    private void established() {
        synchronized (this) {
            if (!moveToLocked(State.OPEN)) {
                return; // renegotiated (TLS 1.2) while open, or closed meanwhile
            }
        }
        raw.cancelTimer();
        layer.handshakes.increment();
        layer.app.onOpen(this);
        if (opened != null) {
            opened.complete(this);
        }
    }

    /** The handshake's records, for as long as the engine wants to send; returns its status after. */
    private HandshakeStatus wrapHandshake() throws SSLException {
        synchronized (this) {
            PooledBuffer net = layer.pool.acquire(CHUNK);
            try {
                ByteBuffer out = net.buffer();
                HandshakeStatus hs;
                boolean finished = false;
                do {
                    SSLEngineResult r = engine.wrap(EMPTY, out);
                    if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                        send(out);
                        hs = HandshakeStatus.NEED_WRAP;
                        continue;
                    }
                    hs = r.getHandshakeStatus();
                    finished |= hs == HandshakeStatus.FINISHED;
                    if (r.getStatus() == Status.CLOSED || r.bytesProduced() == 0) {
                        break;
                    }
                } while (hs == HandshakeStatus.NEED_WRAP);
                send(out);
                return finished ? HandshakeStatus.FINISHED : hs;
            } finally {
                layer.pool.release(net);
            }
        }
    }

    /**
     * Encrypts all of {@code src} into records and queues them; under the lock. {@code shared}:
     * the records go to the raw connection's {@code writeShared}, which writes at once from any
     * thread (the contract of {@link #writeShared}: no flush needed), else to its {@code write}.
     */
    private boolean wrapData(ByteBuffer src, boolean shared) {
        assert Thread.holdsLock(this);
        PooledBuffer net = layer.pool.acquire(CHUNK);
        try {
            ByteBuffer out = net.buffer();
            while (src.hasRemaining()) {
                SSLEngineResult r = engine.wrap(src, out);
                switch (r.getStatus()) {
                    case BUFFER_OVERFLOW -> {
                        if (out.position() == 0) {
                            throw new IllegalStateException("a record does not fit " + out.capacity() + " bytes");
                        }
                        if (!send(out, shared)) {
                            return false;
                        }
                    }
                    case CLOSED -> {
                        send(out, shared);
                        return false;
                    }
                    default -> {
                        if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                            // TLS 1.2 renegotiation holds application data until it completes; we
                            // do not renegotiate (TLS 1.3 has none), so this is a peer's doing.
                            failLocked(CloseReason.tls("the peer started a TLS renegotiation, which is not supported", null));
                            return false;
                        }
                    }
                }
            }
            return send(out, shared);
        } catch (SSLException e) {
            failLocked(CloseReason.tls("encrypting failed: " + e.getMessage(), e));
            return false;
        } finally {
            layer.pool.release(net);
        }
    }

    /** Queues what {@code out} holds on the raw connection and empties it. */
    private boolean send(ByteBuffer out) {
        return send(out, false);
    }

    private boolean send(ByteBuffer out, boolean shared) {
        if (out.position() == 0) {
            return true;
        }
        out.flip();
        boolean ok = shared ? raw.writeShared(out) : raw.write(out);
        out.clear();
        return ok;
    }

    /** A TLS failure: the engine's alert goes out if it has one, and the raw connection closes. */
    private void fail(String what, SSLException e) {
        if (state == State.HANDSHAKING) {
            layer.handshakeFailed(this, e.getMessage(), e);
        } else {
            layer.recordFailures.increment();
        }
        synchronized (this) {
            failLocked(CloseReason.tls(what + " failed: " + e.getMessage(), e));
        }
    }

    private void failLocked(CloseReason why) {
        reason = why;
        engine.closeOutbound();
        try {
            wrapClosing();
        } catch (SSLException | RuntimeException ignored) {
            // nothing more to send: the close goes ahead without the alert
        }
        raw.close();
    }

    /** After closeOutbound: the alert or close_notify the engine wants to send. Under the lock. */
    private void wrapClosing() throws SSLException {
        PooledBuffer net = layer.pool.acquire(CHUNK);
        try {
            ByteBuffer out = net.buffer();
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = engine.wrap(EMPTY, out);
                if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                    send(out);
                    continue;
                }
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
            send(out);
        } finally {
            layer.pool.release(net);
        }
    }

    /**
     * A TLS record starts with its content type, 20 to 24 (an SSLv2-style hello with a byte of 128
     * or more); an upper-case ASCII letter is a plain-text request (an HTTP method, a Redis command).
     */
    static boolean looksLikePlainText(ByteBuffer in) {
        byte b = in.get(in.position());
        return b >= 'A' && b <= 'Z';
    }

    private static final byte[] PLAIN_TEXT_ANSWER = ("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            + "Connection: close\r\nContent-Length: 45\r\n\r\nThis port speaks TLS: use https:// or wss://\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** A plain-text request on a TLS port gets a plain-text answer saying so, then a close. */
    private void answerPlainText(ByteBuffer in) {
        in.position(in.limit());
        layer.plainText.increment();
        layer.handshakeFailed(this, "a plain-text request on a TLS port (answered 400)", null);
        reason = CloseReason.tls("a plain-text request on a TLS port", null);
        raw.write(PLAIN_TEXT_ANSWER);
        raw.close();
    }

    // ---- the application's view ----

    @Override
    public long id() {
        return raw.id();
    }

    @Override
    public boolean write(ByteBuffer src) {
        synchronized (this) {
            return state == State.OPEN && wrapData(src, false);
        }
    }

    @Override
    public boolean write(byte[] src, int offset, int length) {
        return write(ByteBuffer.wrap(src, offset, length));
    }

    /**
     * Each connection encrypts on its own, so a shared frame is read (through a view, never
     * moved), and its records go out as the engine's shared writes do: at once, from any thread.
     */
    @Override
    public boolean writeShared(ByteBuffer src) {
        ByteBuffer view = src.duplicate();
        synchronized (this) {
            return state == State.OPEN && wrapData(view, true);
        }
    }

    @Override
    public boolean writeImmutable(ByteBuffer src) {
        return writeShared(src);
    }

    @Override
    public void flush() {
        raw.flush();
    }

    @Override
    public boolean isWritable() {
        return raw.isWritable();
    }

    @Override
    public long queuedBytes() {
        return raw.queuedBytes();
    }

    @Override
    public void suspendReads() {
        suspended = true;
        raw.suspendReads();
    }

    @Override
    public void resumeReads() {
        suspended = false;
        resumed = true;
        raw.resumeReads();
    }

    /** Sends close_notify behind what is queued, then closes the raw connection gracefully. */
    @Override
    public void close() {
        synchronized (this) {
            if (!moveToLocked(State.CLOSING)) {
                return;
            }
            engine.closeOutbound();
            try {
                wrapClosing();
            } catch (SSLException e) {
                // the close goes ahead without close_notify
            }
        }
        raw.close();
    }

    @Override
    public void abort() {
        synchronized (this) {
            moveToLocked(State.CLOSING);
        }
        raw.abort();
    }

    @Override
    public boolean isOpen() {
        return state == State.OPEN && raw.isOpen();
    }

    @Override
    public void setTimer(Duration delay) {
        raw.setTimer(delay);
    }

    @Override
    public void cancelTimer() {
        raw.cancelTimer();
    }

    @Override
    public SocketAddress remoteAddress() {
        return raw.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return raw.localAddress();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public String toString() {
        return "tls " + raw;
    }
}
