package io.throng.websocket;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The WebSocket protocol as one engine {@link Handler}: routes each callback by the connection's
 * attachment (a {@link WsSession}) and phase. Connections handed to the side protocol carry that
 * protocol's attachment instead, and their callbacks go to it.
 */
public final class ProtocolHandler implements Handler {
    private final Endpoint endpoint;

    public ProtocolHandler(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    @Override
    public void onOpen(Connection c) {
        if (endpoint.client) {
            ClientHandshake.opened(c, endpoint);
            return;
        }
        WsSession s = new WsSession(c, endpoint, WsSession.HTTP);
        c.attach(s);
        s.enter();
        try {
            ServerHandshake.opened(s);
        } finally {
            s.exit();
        }
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        if (!(c.attachment() instanceof WsSession s)) {
            if (endpoint.rawProtocol != null) {
                endpoint.rawProtocol.onData(c, in);
            } else {
                in.position(in.limit());
            }
            return;
        }
        s.enter();
        try {
            switch (s.phase()) {
                case WsSession.HTTP -> ServerHandshake.onData(s, in);
                case WsSession.CLIENT_HANDSHAKE -> ClientHandshake.onData(s, in);
                default -> s.frames(in);
            }
        } finally {
            s.exit();
        }
    }

    @Override
    public void onInputClosed(Connection c) {
        if (!(c.attachment() instanceof WsSession) && endpoint.rawProtocol != null) {
            endpoint.rawProtocol.onInputClosed(c);
            return;
        }
        c.close();
    }

    @Override
    public void onWritable(Connection c) {
        if (!(c.attachment() instanceof WsSession s)) {
            if (endpoint.rawProtocol != null) {
                endpoint.rawProtocol.onWritable(c);
            }
            return;
        }
        if (s.phase() != WsSession.OPEN) {
            return;
        }
        s.enter();
        try {
            s.handler().onWritable(s);
        } catch (Throwable t) {
            endpoint.metrics.handlerErrors.increment();
            endpoint.log.log(System.Logger.Level.WARNING, s + ": handler onWritable threw " + t + "; closing with 1011");
            s.close(CloseCodes.INTERNAL_ERROR, "internal error");
        } finally {
            s.exit();
        }
    }

    @Override
    public void onTimer(Connection c) {
        if (!(c.attachment() instanceof WsSession s)) {
            if (endpoint.rawProtocol != null) {
                endpoint.rawProtocol.onTimer(c);
            }
            return;
        }
        s.enter();
        try {
            switch (s.phase()) {
                case WsSession.HTTP -> ServerHandshake.timedOut(s);
                case WsSession.CLIENT_HANDSHAKE -> ClientHandshake.timedOut(s);
                case WsSession.OPEN, WsSession.CLOSE_SENT -> s.timer();
                default -> {
                    // closed: the engine finishes
                }
            }
        } finally {
            s.exit();
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        if (!(c.attachment() instanceof WsSession s)) {
            if (endpoint.rawProtocol != null) {
                endpoint.rawProtocol.onClose(c, reason);
            }
            return;
        }
        s.enter();
        try {
            ServerHandshake.leaveFlight(s);
            ClientHandshake.closed(s, reason);
            s.closed(reason);
        } finally {
            s.exit();
        }
    }

    public WebSocketStats stats() {
        return endpoint.topics == null ? endpoint.metrics.snapshot(0, 0)
                : endpoint.metrics.snapshot(endpoint.topics.subscriptionCount(), endpoint.topics.topicCount());
    }

    /**
     * Sends Close 1001 to every open connection and waits up to {@code timeout} for them to finish
     * the closing handshake. Returns the connections still open.
     */
    public int goingAway(Duration timeout) {
        endpoint.forEachOpen(s -> s.close(CloseCodes.GOING_AWAY, "server shutting down"));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (endpoint.metrics.open.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return endpoint.metrics.open.get();
    }
}
