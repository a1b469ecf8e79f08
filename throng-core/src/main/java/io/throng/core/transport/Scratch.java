package io.throng.core.transport;

/**
 * What one thread needs to make a transport's calls without allocating: for epoll its captured
 * errno, an iovec array and an event array. Made by {@link Transport#newScratch}, owned by one
 * thread (a loop, a worker, a connection's thread), passed to every call that thread makes. A call
 * given null uses a scratch of the calling thread's own (a publisher writing to many connections).
 */
public abstract class Scratch {
    /** How many buffers one gathering write through this scratch may carry. */
    public abstract int iovCapacity();
}
