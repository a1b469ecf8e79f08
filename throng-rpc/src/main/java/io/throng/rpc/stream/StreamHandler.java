package io.throng.rpc.stream;

/**
 * A stream method on the server. It runs on its own virtual thread; when it returns, the server
 * closes the stream with ret 0; if it throws {@link io.throng.rpc.RpcException} the CLOSE carries
 * its code (in {@code func_ret} for a business error); any other exception closes with ret 1000.
 * Client streaming, server streaming and bidirectional streaming are all this one shape.
 */
@FunctionalInterface
public interface StreamHandler {
    void handle(RpcStream stream) throws Exception;
}
