package io.throng.core.transport;

/**
 * A registration's owner that can say what readiness it waits for now. A transport that applies
 * another thread's {@link TransportSocket#setInterest} later, on the loop's thread (io_uring),
 * asks it then instead of applying the value it was given: between the request and the loop's
 * turn the loop itself may have set a newer interest, which a stale value would undo (a lost
 * WRITE leaves replies queued for ever).
 */
public interface InterestSource {
    /** The readiness wanted now ({@link Interest} bits; 0 while another thread holds the connection). Any thread. */
    int currentInterest();
}
