package io.throng.rpc.server;

import io.throng.core.CloseReason;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import java.nio.ByteBuffer;

/** Where a server connection's stream frames go: the streaming layer, or nowhere. I/O thread. */
interface StreamDispatch {

    void onFrame(ServerConnection sc, FrameHeader h, ByteBuffer in);

    /** True while the connection has open streams (it is then not idle). */
    boolean hasStreams(ServerConnection sc);

    void connectionClosed(ServerConnection sc, CloseReason reason);

    /** A server without stream methods: a stream frame is a protocol error on that connection. */
    StreamDispatch NONE = new StreamDispatch() {
        @Override
        public void onFrame(ServerConnection sc, FrameHeader h, ByteBuffer in) {
            throw new FrameException("stream frame (type " + h.streamFrameType() + ", stream " + h.streamId()
                    + ") but this server has no stream methods");
        }

        @Override
        public boolean hasStreams(ServerConnection sc) {
            return false;
        }

        @Override
        public void connectionClosed(ServerConnection sc, CloseReason reason) {
        }
    };
}
