package io.throng.rpc.client;

import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RequestHeader;
import io.throng.rpc.frame.UnaryFrames;

/**
 * Builds request frames as tRPC-Go does: frame stream id = request_id and version byte 1, so a
 * tRPC-Go server's echo and a tRPC-Java server's (stream id 0) both correlate, since we match on
 * the protobuf {@code request_id}.
 */
final class Requests {
    private Requests() {
    }

    static byte[] encode(int requestId, String func, byte[] body, CallOptions o, FrameLimits limits) {
        long timeoutMs = Math.max(1, o.timeout().toMillis());
        RequestHeader h = new RequestHeader(0, o.oneWay() ? RequestHeader.ONE_WAY_CALL : RequestHeader.UNARY_CALL,
                requestId, (int) timeoutMs, o.caller(), o.callee(), func, 0, o.transInfo(), o.contentType(),
                o.contentEncoding(), o.attachment().length);
        return UnaryFrames.encodeRequest(requestId, FrameHeader.VERSION_1, h, body, o.attachment(), limits);
    }
}
