package io.throng.core.transport;

import io.throng.core.buffer.PooledBuffer;

/**
 * What an io_uring socket holds while bytes are in flight in either direction: the received
 * buffers not read yet, and the outbox. A socket takes one from its loop's free list when bytes
 * arrive or a write is staged, and gives it back when both sides are empty, so an idle connection
 * carries none of this (a socket is 24 bytes; with these fields inline it was 72). Loop thread, or
 * under the socket's monitor on the worker pool's loops (see {@link UringPoller#shared}).
 */
final class UringIo {
    /** Received and not read: buffer id, offset read so far, length; -1 when none. */
    int rxBid = -1;
    int rxOff;
    int rxLen;
    /** Further arrivals while the first waits (bid, length pairs); rare: a reactor reads each at once. */
    int[] rxMore;
    int rxMoreCount;
    /**
     * Bytes sent in place ({@link UringSocket#writeInPlace}): the caller's buffer, kept here so that
     * its memory lives until the kernel has sent {@code [heldAddr + heldSent, heldAddr + heldLen)},
     * and sent before {@link #out}, which was staged after it. Null when none.
     */
    java.nio.ByteBuffer held;
    long heldAddr;
    int heldLen;
    int heldSent;
    /** Staged bytes: [0, sent) gone, [sent, submitted) in flight, [submitted, limit) waiting. */
    PooledBuffer out;
    int sent;
    int submitted;
    /** A failure the kernel reported for the socket (errno), thrown by its next read or write; 0 for none. */
    int error;
    /** A worker staged bytes and queued their send for the loop (the worker pool's loops only). */
    boolean sendQueued;
    /** The free list's link. */
    UringIo next;

    boolean idle() {
        return rxBid < 0 && out == null && held == null && error == 0;
    }

    void push(int bid, int len) {
        if (rxBid < 0) {
            rxBid = bid;
            rxOff = 0;
            rxLen = len;
            return;
        }
        if (rxMore == null) {
            rxMore = new int[8];
        } else if (rxMoreCount * 2 == rxMore.length) {
            rxMore = java.util.Arrays.copyOf(rxMore, rxMore.length * 2);
        }
        rxMore[rxMoreCount * 2] = bid;
        rxMore[rxMoreCount * 2 + 1] = len;
        rxMoreCount++;
    }

    void pop() {
        if (rxMoreCount == 0) {
            rxBid = -1;
            return;
        }
        rxBid = rxMore[0];
        rxLen = rxMore[1];
        rxOff = 0;
        rxMoreCount--;
        System.arraycopy(rxMore, 2, rxMore, 0, rxMoreCount * 2);
        if (rxMoreCount == 0) {
            rxMore = null;
        }
    }

    /** Buffers held: past {@link #RX_HOLD} a receive stops taking the loop's buffers. */
    int held() {
        return rxBid < 0 ? 0 : 1 + rxMoreCount;
    }

    /**
     * What one socket may hold unread: 8 x 4 KiB. A reactor reads each arrival in the same turn, so
     * only a worker-pool connection whose worker is busy reaches it.
     */
    static final int RX_HOLD = 8;

    int available() {
        if (rxBid < 0) {
            return 0;
        }
        int n = rxLen - rxOff;
        for (int i = 0; i < rxMoreCount; i++) {
            n += rxMore[i * 2 + 1];
        }
        return n;
    }
}
