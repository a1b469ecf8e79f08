package io.throng.rpc.stream;

import java.util.Map;

/**
 * One tRPC stream as either end sees it: messages both ways, with window-based flow control.
 * {@link #send} blocks while the peer's window is used up; {@link #receive} blocks until a message,
 * the peer's end of input, or a failure. Safe to use from one sending and one receiving thread at
 * once (a typical bidirectional handler), or any threads in turn.
 */
public interface RpcStream {

    int id();

    /** {@code /package.Service/Method}. */
    String func();

    /** The metadata of the stream's INIT (the client's, on the server side). */
    Map<String, byte[]> transInfo();

    /**
     * Sends one message, waiting while the peer's flow-control window is used up.
     *
     * @throws io.throng.rpc.RpcException if the stream failed (reset, connection lost)
     * @throws IllegalStateException      after {@link #closeSend()}
     */
    void send(byte[] message) throws InterruptedException;

    /**
     * The next message; null once the peer has closed its direction normally.
     *
     * @throws io.throng.rpc.RpcException when the peer closed with an error or reset the stream, or
     *                                    the connection broke (ret 141)
     */
    byte[] receive() throws InterruptedException;

    /** Ends our direction (CLOSE): the peer's {@code receive} returns null after the last message. */
    void closeSend();

    /** Aborts both directions (RESET): both ends fail with ret 161 (canceled). */
    void cancel(String why);
}
