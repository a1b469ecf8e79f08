package io.throng.rpc.client;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.rpc.conn.LimitedLog;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.FrameReader;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;

/**
 * The engine handler under both clients: splits frames and hands them to the connection's
 * {@link ClientConnection}. A malformed response closes that connection, which fails its calls.
 */
final class ClientProtocolHandler implements Handler {
    static final LimitedLog LOG = new LimitedLog("io.throng.rpc.client", 20);
    private final FrameLimits limits;

    ClientProtocolHandler(FrameLimits limits) {
        this.limits = limits;
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        ClientConnection cc = c.attachment();
        if (cc == null) {
            LOG.log(Level.WARNING, "rpc " + c + " closed: " + in.remaining() + " bytes arrived before any request");
            in.position(in.limit());
            c.abort();
            return;
        }
        try {
            FrameReader.drain(in, limits, cc::onFrame);
        } catch (FrameException e) {
            LOG.log(Level.WARNING, "rpc " + c + " closed: malformed frame: " + e.getMessage());
            in.position(in.limit());
            c.abort();
        }
    }

    @Override
    public void onTimer(Connection c) {
        ClientConnection cc = c.attachment();
        if (cc != null) {
            cc.onTimer();
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        ClientConnection cc = c.attachment();
        if (cc != null) {
            cc.onClosed(reason);
        }
    }
}
