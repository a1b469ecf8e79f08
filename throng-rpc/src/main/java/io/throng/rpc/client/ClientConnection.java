package io.throng.rpc.client;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.rpc.frame.FrameHeader;
import java.nio.ByteBuffer;

/**
 * A client connection's RPC state, kept in the engine connection's attachment. Frames arrive on
 * its I/O thread; calls start from callers' threads and finish on whichever thread completes them.
 */
abstract class ClientConnection {
    final Connection connection;
    volatile boolean closed;

    ClientConnection(Connection connection) {
        this.connection = connection;
    }

    /**
     * Sends {@code frame} from any thread: queued, then flushed; the engine coalesces the flushes
     * of callers finishing together into one gathering write. False if the connection is closing.
     */
    boolean send(byte[] frame) {
        if (!connection.write(frame)) {
            return false;
        }
        connection.flush();
        return true;
    }

    /** A whole frame arrived (I/O thread). */
    abstract void onFrame(FrameHeader header, ByteBuffer in);

    /** A call of this connection completed, however (any thread). */
    abstract void callFinished(PendingCall call, boolean abandoned);

    /** The connection closed: fail what is in flight (I/O thread). */
    abstract void onClosed(CloseReason reason);

    /** The connection's timer went off (I/O thread). */
    void onTimer() {
    }

    String address() {
        return String.valueOf(connection.remoteAddress());
    }
}
