package io.throng.testsuite;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A handler that ignores backpressure: for every read, 4 MiB written at once whatever isWritable
 * says, so that against a client that does not read, a connection's queue passes a small
 * max-queued-bytes. Keeps why each connection closed.
 */
final class GreedyWriter implements Handler {
    /** The close reasons, in the order the connections closed. */
    final ConcurrentLinkedQueue<CloseReason> closes = new ConcurrentLinkedQueue<>();

    @Override
    public void onData(Connection c, ByteBuffer in) {
        in.position(in.limit());
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 64 && c.write(chunk); i++) {
            // 4 MiB per read, whatever isWritable says
        }
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        closes.add(reason);
    }
}
