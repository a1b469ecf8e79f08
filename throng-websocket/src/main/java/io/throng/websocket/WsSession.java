package io.throng.websocket;

import io.throng.websocket.codec.Frames;
import io.throng.websocket.codec.PerMessageDeflate;
import io.throng.websocket.codec.FrameDecoder;
import io.throng.core.CloseReason;
import io.throng.core.Connection;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One WebSocket connection: the state kept between callbacks (a dozen fields, no buffer while
 * idle), the frame-level protocol (control frames, the closing handshake, keepalive) and sending.
 *
 * <p>Thread rules. The engine calls in from the connection's serial context ({@link #frames},
 * {@link #timer}, {@link #closed}). Sends and {@link #close(int, String)} may come from any
 * thread: every frame is written under this object's monitor, so a frame's header and payload are
 * never split by another thread's frame, and {@link #state} changes under it too (it is volatile
 * for lock-free reads).
 */
public final class WsSession implements WebSocket, FrameDecoder.Sink, TopicMember {
    // phases, in the low three bits of state
    static final int HTTP = 0;
    static final int CLIENT_HANDSHAKE = 1;
    static final int OPEN = 2;
    static final int CLOSE_SENT = 3;
    static final int CLOSED = 4;
    private static final int PHASE = 7;
    // flags
    private static final int PING_OUTSTANDING = 1 << 4;
    private static final int CLOSE_RECEIVED = 1 << 5;
    private static final int FAILED = 1 << 6;
    private static final int OPENED = 1 << 7;
    static final int SERVED = 1 << 9;
    static final int PARTIAL = 1 << 10;

    final Connection connection;
    final Endpoint endpoint;
    private volatile int state;
    private WebSocketHandler handler;
    private Object attachment;
    private String subprotocol;
    private PerMessageDeflate deflate;
    private FrameDecoder decoder;
    private long lastReceived;
    /** HTTP phase: how far the request head was searched; client: the pending handshake. */
    int scanned;
    Object pending;
    private Object topicSlot;
    private int closeCode = CloseCodes.ABNORMAL;
    private String closeReason = "";
    /** The thread running one of our callbacks now (its writes are flushed when the callback returns). */
    private Thread dispatching;
    WsSession prevOpen;
    WsSession nextOpen;
    /** The place in the server's {@link HandshakeTable} and its queue links; guarded by the table. */
    int flight;
    WsSession flightPrev;
    WsSession flightNext;

    WsSession(Connection connection, Endpoint endpoint, int phase) {
        this.connection = connection;
        this.endpoint = endpoint;
        this.state = phase;
    }

    int phase() {
        return state & PHASE;
    }

    boolean has(int flag) {
        return (state & flag) != 0;
    }

    synchronized void setFlag(int flag, boolean on) {
        state = on ? state | flag : state & ~flag;
    }

    synchronized void setPhaseClosed() {
        state = (state & ~PHASE) | CLOSED;
    }

    void enter() {
        dispatching = Thread.currentThread();
    }

    void exit() {
        dispatching = null;
    }

    // ================================================================ opening

    /** The handshake succeeded: frames from now on. Serial context. */
    void open(WebSocketHandler h, Object att, String protocol, PerMessageDeflate negotiated) {
        synchronized (this) {
            handler = h;
            attachment = att;
            subprotocol = protocol;
            deflate = negotiated;
            state = (state & ~PHASE) | OPEN | OPENED;
        }
        lastReceived = System.nanoTime();
        endpoint.metrics.open.incrementAndGet();
        endpoint.link(this);
        armIdleTimer(lastReceived);
        try {
            handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
    }

    // ================================================================ receiving (serial context)

    /** Bytes arrived on an upgraded connection. */
    void frames(ByteBuffer in) {
        int phase = phase();
        if (phase == CLOSED || has(CLOSE_RECEIVED)) {
            in.position(in.limit());
            return;
        }
        lastReceived = System.nanoTime();
        if (has(PING_OUTSTANDING)) {
            setFlag(PING_OUTSTANDING, false);
        }
        FrameDecoder d = decoder;
        if (d == null) {
            d = new FrameDecoder(!endpoint.client, endpoint.config.maxFrameBytes(), endpoint.config.maxMessageBytes(),
                    deflate, endpoint.pool, this);
            decoder = d;
        }
        int code = d.decode(in);
        if (code != 0) {
            fail(code, d.failure());
        } else if (d.idle() && !d.closed()) {
            decoder = null; // an idle connection holds no decoder
        }
        if (phase() == CLOSED) {
            in.position(in.limit());
        }
    }

    @Override
    public void onMessage(boolean text, ByteBuffer payload) {
        if (phase() != OPEN) {
            return; // after our Close, data is discarded (RFC 6455 section 5.5.1)
        }
        endpoint.metrics.messagesIn.increment();
        try {
            if (text) {
                handler.onText(this, payload);
            } else {
                handler.onBinary(this, payload);
            }
        } catch (Throwable t) {
            handlerFailed(text ? "onText" : "onBinary", t);
        }
    }

    @Override
    public void onPing(ByteBuffer payload) {
        if (phase() != OPEN) {
            return;
        }
        sendControl(Frames.PONG, payload.duplicate());
        try {
            handler.onPing(this, payload);
        } catch (Throwable t) {
            handlerFailed("onPing", t);
        }
    }

    @Override
    public void onPong(ByteBuffer payload) {
        endpoint.metrics.pongsReceived.increment();
        if (phase() != OPEN) {
            return;
        }
        try {
            handler.onPong(this, payload);
        } catch (Throwable t) {
            handlerFailed("onPong", t);
        }
    }

    @Override
    public void onClose(int code, ByteBuffer reason) {
        String why = StandardCharsets.UTF_8.decode(reason.duplicate()).toString();
        synchronized (this) {
            int phase = phase();
            if (phase == OPEN) {
                // Echo the peer's code (Autobahn accepts the same code or 1000); an empty Close gets an empty one.
                writeCloseLocked(code == CloseCodes.NO_STATUS ? 0 : code, "");
            }
            if (phase == OPEN || phase == CLOSE_SENT) {
                closeCode = code;
                closeReason = why;
                state = (state & ~PHASE) | CLOSED | CLOSE_RECEIVED;
            }
        }
        connection.close(); // the server closes TCP first (section 7.1.1); the engine flushes our Close before FIN
    }

    /** The peer broke the protocol: Close with {@code code}, then close TCP without waiting. Serial context. */
    void fail(int code, String why) {
        endpoint.metrics.failedWith(code);
        endpoint.log.log(Level.DEBUG, () -> "websocket " + connection + " failed with " + code + ": " + why);
        synchronized (this) {
            int phase = phase();
            if (phase == OPEN) {
                writeCloseLocked(code, why);
            }
            if (phase != CLOSED) {
                closeCode = code;
                closeReason = why;
                state = (state & ~PHASE) | CLOSED | FAILED;
            }
        }
        releaseDecoder();
        connection.close();
    }

    private void handlerFailed(String callback, Throwable t) {
        endpoint.metrics.handlerErrors.increment();
        endpoint.log.log(Level.WARNING, "websocket " + connection + ": handler " + callback + " threw " + t + "; closing with 1011");
        failLocal(CloseCodes.INTERNAL_ERROR, "internal error");
    }

    /** We end the connection ourselves (handler error): Close and TCP close. Any thread. */
    private void failLocal(int code, String why) {
        synchronized (this) {
            int phase = phase();
            if (phase == OPEN) {
                writeCloseLocked(code, why);
            }
            if (phase != CLOSED) {
                closeCode = code;
                closeReason = why;
                state = (state & ~PHASE) | CLOSED | FAILED;
            }
        }
        connection.close();
    }

    private void releaseDecoder() {
        FrameDecoder d = decoder;
        if (d != null) {
            decoder = null;
            d.release();
        }
    }

    // ================================================================ timers (serial context)

    private void armIdleTimer(long now) {
        long idle = endpoint.idleNanos;
        if (idle == 0) {
            connection.cancelTimer();
            return;
        }
        long due = endpoint.config.autoPing() && !has(PING_OUTSTANDING) ? lastReceived + idle / 2 : lastReceived + idle;
        connection.setTimer(Duration.ofNanos(Math.max(1_000_000, due - now)));
    }

    /** The connection's timer went off in an open or closing phase. */
    void timer() {
        int phase = phase();
        if (phase == CLOSE_SENT) {
            endpoint.metrics.closeTimeouts.increment();
            endpoint.log.log(Level.DEBUG, () -> "websocket " + connection + ": no Close from the peer within "
                    + endpoint.config.closeTimeout().toMillis() + " ms; closing TCP");
            synchronized (this) {
                state = (state & ~PHASE) | CLOSED;
            }
            connection.close();
            return;
        }
        if (phase != OPEN || endpoint.idleNanos == 0) {
            return;
        }
        long now = System.nanoTime();
        long silent = now - lastReceived;
        if (silent >= endpoint.idleNanos) {
            endpoint.metrics.idleCloses.increment();
            close(CloseCodes.GOING_AWAY, "idle for " + silent / 1_000_000_000 + " s");
            return;
        }
        if (endpoint.config.autoPing() && silent >= endpoint.idleNanos / 2 && !has(PING_OUTSTANDING)) {
            setFlag(PING_OUTSTANDING, true);
            endpoint.metrics.pingsSent.increment();
            sendControl(Frames.PING, ByteBuffer.allocate(0));
        }
        armIdleTimer(now);
    }

    // ================================================================ closing

    /** The engine closed the connection (always called once, in the serial context). */
    void closed(CloseReason reason) {
        boolean wasOpen;
        synchronized (this) {
            wasOpen = has(OPENED);
            state = (state & ~PHASE) | CLOSED;
            if (deflate != null) {
                deflate.close();
            }
        }
        releaseDecoder();
        if (topicSlot != null && endpoint.topics != null) {
            endpoint.topics.unsubscribeAll(this);
        }
        if (!wasOpen) {
            return;
        }
        endpoint.unlink(this);
        endpoint.metrics.open.decrementAndGet();
        int code = has(CLOSE_RECEIVED) || has(FAILED) ? closeCode : CloseCodes.ABNORMAL;
        String why = code == CloseCodes.ABNORMAL ? "connection ended without a closing handshake (" + reason + ")" : closeReason;
        try {
            handler.onClose(this, code, why);
        } catch (Throwable t) {
            endpoint.metrics.handlerErrors.increment();
            endpoint.log.log(Level.WARNING, "websocket " + connection + ": handler onClose threw " + t);
        }
    }

    @Override
    public void close(int code, String reason) {
        if (!CloseCodes.mayAppearOnWire(code)) {
            throw new IllegalArgumentException("close code " + code + " may not be sent (1000-1003, 1007-1014, 3000-4999)");
        }
        synchronized (this) {
            if (phase() != OPEN) {
                return;
            }
            writeCloseLocked(code, reason);
            closeCode = code;
            closeReason = reason;
            state = (state & ~PHASE) | CLOSE_SENT;
        }
        connection.setTimer(endpoint.config.closeTimeout());
        flushIfForeign();
    }

    @Override
    public void abort() {
        connection.abort();
    }

    /** Writes a Close frame; code 0 for one without a code. Under the monitor. */
    private void writeCloseLocked(int code, String reason) {
        FrameWriter.writeClose(connection, endpoint, code, reason);
    }

    // ================================================================ sending

    @Override
    public boolean sendText(CharSequence text) {
        return sendData(Frames.TEXT, ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public boolean sendText(ByteBuffer utf8) {
        return sendData(Frames.TEXT, utf8);
    }

    @Override
    public boolean sendBinary(ByteBuffer data) {
        return sendData(Frames.BINARY, data);
    }

    @Override
    public boolean sendBinary(byte[] data) {
        return sendData(Frames.BINARY, ByteBuffer.wrap(data));
    }

    private boolean sendData(int opcode, ByteBuffer payload) {
        synchronized (this) {
            if (phase() != OPEN) {
                return false;
            }
            writeFrameLocked(Frames.FIN | opcode, payload, deflate != null);
            endpoint.metrics.messagesOut.increment();
        }
        flushIfForeign();
        return true;
    }

    @Override
    public boolean ping(ByteBuffer payload) {
        if (payload.remaining() > Frames.MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException("a ping carries at most 125 bytes, got " + payload.remaining());
        }
        endpoint.metrics.pingsSent.increment();
        return sendControl(Frames.PING, payload);
    }

    private boolean sendControl(int opcode, ByteBuffer payload) {
        synchronized (this) {
            if (phase() != OPEN) {
                return false;
            }
            writeFrameLocked(Frames.FIN | opcode, payload, false);
        }
        flushIfForeign();
        return true;
    }

    @Override
    public boolean sendPrepared(PreparedMessage message) {
        synchronized (this) {
            if (phase() != OPEN) {
                return false;
            }
            if (endpoint.client) {
                writeFrameLocked(Frames.FIN | (message.isText() ? Frames.TEXT : Frames.BINARY), message.payload(), false);
            } else {
                connection.writeImmutable(message.frame()); // as send's: what the socket takes now, the rest queued
            }
            endpoint.metrics.messagesOut.increment();
        }
        if (endpoint.client) {
            flushIfForeign(); // a client's frames are masked, so written per connection
        }
        return true;
    }

    @Override
    public Delivery send(PreparedMessage message) {
        synchronized (this) {
            if (phase() != OPEN) {
                return Delivery.NOT_OPEN;
            }
            SlowSubscriberPolicy policy = endpoint.config.slowSubscribers();
            long queued = connection.queuedBytes();
            if (queued + message.frameLength() > policy.maxQueuedBytes()) {
                if (policy.action() == SlowSubscriberPolicy.Action.DROP) {
                    endpoint.metrics.dropped.increment();
                    return Delivery.DROPPED;
                }
                endpoint.metrics.slowCloses.increment();
                String why = "slow subscriber: " + queued + " B queued, over the limit of " + policy.maxQueuedBytes() + " B";
                endpoint.log.log(Level.INFO, "websocket " + connection + " closed with 1008: " + why);
                writeCloseLocked(CloseCodes.POLICY_VIOLATION, "slow subscriber");
                closeCode = CloseCodes.POLICY_VIOLATION;
                closeReason = why;
                state = (state & ~PHASE) | CLOSE_SENT;
                connection.setTimer(endpoint.config.closeTimeout());
                flushIfForeign();
                return Delivery.CLOSED_SLOW;
            }
            if (endpoint.client) {
                writeFrameLocked(Frames.FIN | (message.isText() ? Frames.TEXT : Frames.BINARY), message.payload(), false);
            } else {
                ByteBuffer frame = deflate != null && deflate.params().acceptsSharedCompressedFrames()
                        ? message.frameForSharedDeflate(endpoint.compressor) : message.frame();
                // From any thread and under any model: the engine writes what the socket takes now,
                // without copying, and queues the rest as a view of the frame (it never changes); it
                // never waits for a slow subscriber.
                connection.writeImmutable(frame);
            }
            endpoint.metrics.messagesOut.increment();
            endpoint.metrics.deliveries.increment();
        }
        return Delivery.SENT;
    }

    /** Writes one frame (see {@link FrameWriter#writeFrame}). Under the monitor. */
    private void writeFrameLocked(int b0, ByteBuffer payload, boolean compress) {
        FrameWriter.writeFrame(connection, endpoint, compress ? deflate : null, b0, payload);
    }

    /** Outside our callbacks nobody flushes for us (the engine's flush never waits for the socket). */
    private void flushIfForeign() {
        if (dispatching != Thread.currentThread()) {
            connection.flush();
        }
    }

    // ================================================================ WebSocket

    @Override
    public boolean isOpen() {
        return phase() == OPEN;
    }

    @Override
    public boolean isWritable() {
        return connection.isWritable();
    }

    @Override
    public long queuedBytes() {
        return connection.queuedBytes();
    }

    @Override
    public void suspendReads() {
        connection.suspendReads();
    }

    @Override
    public void resumeReads() {
        connection.resumeReads();
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public boolean compressed() {
        return deflate != null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) attachment;
    }

    @Override
    public void attach(Object a) {
        attachment = a;
    }

    @Override
    public long id() {
        return connection.id();
    }

    @Override
    public SocketAddress remoteAddress() {
        return connection.remoteAddress();
    }

    @Override
    public Object topicSlot() {
        return topicSlot;
    }

    @Override
    public void topicSlot(Object slot) {
        topicSlot = slot;
    }

    @Override
    public Object topicRegistry() {
        return endpoint.topics;
    }

    WebSocketHandler handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "websocket " + connection.id() + " (" + connection.remoteAddress() + ")";
    }
}
