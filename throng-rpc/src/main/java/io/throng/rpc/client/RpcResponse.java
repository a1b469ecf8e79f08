package io.throng.rpc.client;

import java.util.Map;

/**
 * A successful response (a failed call completes with {@link io.throng.rpc.RpcException} instead).
 *
 * @param body            the serialized response message
 * @param attachment      raw bytes after the body (may be empty)
 * @param transInfo       the server's response metadata
 * @param contentType     the body's serialization
 * @param contentEncoding the body's compression
 */
public record RpcResponse(byte[] body, byte[] attachment, Map<String, byte[]> transInfo, int contentType,
                          int contentEncoding) {

    /** What a one-way call completes with once its request is written. */
    public static final RpcResponse ONE_WAY_SENT = new RpcResponse(new byte[0], new byte[0], Map.of(), 0, 0);
}
