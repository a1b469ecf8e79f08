package io.throng.rpc.server;

import java.util.Map;

/**
 * A handler's answer.
 *
 * @param body            the serialized response message
 * @param attachment      raw bytes appended after the body (may be empty)
 * @param transInfo       response metadata, added over the request's (which are echoed, as
 *                        tRPC-Java does); null adds nothing
 * @param contentType     the body's serialization, or {@link #SAME_AS_REQUEST}
 * @param contentEncoding the body's compression
 */
public record RpcReply(byte[] body, byte[] attachment, Map<String, byte[]> transInfo, int contentType,
                       int contentEncoding) {

    public static final int SAME_AS_REQUEST = -1;
    private static final byte[] EMPTY = new byte[0];

    public RpcReply {
        body = body == null ? EMPTY : body;
        attachment = attachment == null ? EMPTY : attachment;
    }

    public static RpcReply of(byte[] body) {
        return new RpcReply(body, EMPTY, null, SAME_AS_REQUEST, 0);
    }

    public RpcReply withTransInfo(Map<String, byte[]> v) {
        return new RpcReply(body, attachment, v, contentType, contentEncoding);
    }

    public RpcReply withAttachment(byte[] v) {
        return new RpcReply(body, v, transInfo, contentType, contentEncoding);
    }

    public RpcReply withContentType(int v) {
        return new RpcReply(body, attachment, transInfo, v, contentEncoding);
    }
}
