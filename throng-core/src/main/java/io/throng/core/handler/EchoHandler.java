package io.throng.core.handler;

import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;

/**
 * Writes back whatever arrives. It propagates backpressure: when the peer does not read its
 * replies and the connection turns unwritable, it stops reading until the queue has drained, so a
 * peer that sends without reading slows itself down instead of filling the server's memory.
 */
public final class EchoHandler implements Handler {

    @Override
    public void onData(Connection connection, ByteBuffer in) {
        connection.write(in);
        if (!connection.isWritable()) {
            connection.suspendReads();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        connection.resumeReads();
    }
}
