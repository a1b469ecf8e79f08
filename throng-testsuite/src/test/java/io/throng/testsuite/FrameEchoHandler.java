package io.throng.testsuite;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Echoes length-prefixed frames (a 4-byte big-endian length, then the payload) once they are
 * complete, leaving partial frames to the engine: this exercises the unconsumed-bytes path, which a
 * plain echo never does. Records what it saw for the tests.
 */
final class FrameEchoHandler implements Handler {
    final AtomicLong frames = new AtomicLong();
    final Queue<CloseReason> closes = new ConcurrentLinkedQueue<>();
    /** Milliseconds to block before answering each frame (only for models whose handlers may block). */
    volatile long delayMillis;

    @Override
    public void onData(Connection c, ByteBuffer in) {
        while (in.remaining() >= 4) {
            int len = in.getInt(in.position());
            if (len < 0) {
                c.abort();
                return;
            }
            if (in.remaining() < 4 + len) {
                break;
            }
            frames.incrementAndGet();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int limit = in.limit();
            in.limit(in.position() + 4 + len);
            c.write(in);
            in.limit(limit);
        }
        if (!c.isWritable()) {
            c.suspendReads();
        }
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReads();
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        closes.add(reason);
    }
}
