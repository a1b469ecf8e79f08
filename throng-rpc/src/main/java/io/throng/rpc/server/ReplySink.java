package io.throng.rpc.server;

/** Where a request's reply goes: a TCP connection, or a UDP peer. Any thread. */
interface ReplySink {

    /** Sends one whole frame; false if it cannot be sent (the connection is closing). */
    boolean send(byte[] frame);

    /** A request of this sink started being handled. */
    void requestStarted();

    /** It finished (replied to, or a one-way request done). */
    void requestDone();
}
