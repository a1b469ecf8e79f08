package io.throng.core.handler;

import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The seed's server: the client sends 8-byte messages (a timestamp) and each comes back unchanged.
 * Whole messages are echoed; a partial one stays for the next read. Counts messages.
 */
public final class TimestampEchoHandler implements Handler {
    public static final int MESSAGE_BYTES = 8;

    private final LongAdder messages = new LongAdder();

    @Override
    public void onData(Connection connection, ByteBuffer in) {
        int whole = in.remaining() & -MESSAGE_BYTES;
        if (whole == 0) {
            return;
        }
        int limit = in.limit();
        in.limit(in.position() + whole);
        connection.write(in);
        in.limit(limit);
        messages.add(whole / MESSAGE_BYTES);
        if (!connection.isWritable()) {
            connection.suspendReads();
        }
    }

    @Override
    public void onWritable(Connection connection) {
        connection.resumeReads();
    }

    /** Messages echoed since start. */
    public long messages() {
        return messages.sum();
    }
}
