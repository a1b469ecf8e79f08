package io.throng.rpc.conn;

import io.throng.core.Connection;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes frames to a connection from any thread and flushes them together: the thread whose write
 * finds no flush under way becomes the flusher and keeps flushing until no thread has written
 * behind it; the others only queue. So N replies finished at the same moment by N workers (or N
 * requests from N callers) leave in one gathering write instead of N system calls, which is what
 * tnet's "postpone write" mode achieves for multiplexed connections.
 */
public final class CoalescingFlusher {
    private final Connection connection;
    /** Writes not yet covered by a flush; the thread that moves it from 0 flushes. */
    private final AtomicInteger pending = new AtomicInteger();

    public CoalescingFlusher(Connection connection) {
        this.connection = connection;
    }

    /** Queues {@code frame} and makes sure it is flushed. Returns false if the connection is closing. */
    public boolean send(byte[] frame) {
        if (!connection.write(frame)) {
            return false;
        }
        if (pending.getAndIncrement() != 0) {
            return true; // the flusher under way sees our increment and flushes again
        }
        // Let the threads finishing at the same moment (workers, callers) queue behind us first: one
        // yield costs far less than the system call each of them would otherwise make.
        Thread.yield();
        int covered = 1;
        while (true) {
            connection.flush();
            int left = pending.addAndGet(-covered);
            if (left == 0) {
                return true;
            }
            covered = left;
        }
    }
}
