package io.throng.rpc.server;

/**
 * One method of a service. A {@link Execution#WORKER} handler runs on its own virtual thread and
 * may block; an {@link Execution#INLINE} one runs on the connection's I/O thread and must not.
 * Throw {@link io.throng.rpc.RpcException} to answer with a chosen code ({@code RpcException.business}
 * for {@code func_ret}); any other exception answers ret 999 with its text.
 */
@FunctionalInterface
public interface UnaryHandler {
    RpcReply handle(RpcRequest request) throws Exception;
}
