package io.throng.rpc.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * tRPC's {@code ResponseProtocol}, hand-encoded. Note that {@code attachment_size} is field
 * <em>12</em>: field 11 is unused in the response.
 *
 * @param version         field 1, as in the request
 * @param callType        field 2, echoed from the request
 * @param requestId       field 3, echoed from the request: clients correlate on it
 * @param ret             field 4, framework error ({@link RetCode}; 0 success)
 * @param funcRet         field 5, business error (0 success)
 * @param errorMsg        field 6, the error text ("" when none)
 * @param messageType     field 7
 * @param transInfo       field 8, response metadata (never null)
 * @param contentType     field 9, serialization of the body
 * @param contentEncoding field 10, compression of the body
 * @param attachmentSize  field 12, bytes of raw attachment at the frame's end
 */
public record ResponseHeader(int version, int callType, int requestId, int ret, int funcRet, String errorMsg,
                             int messageType, Map<String, byte[]> transInfo, int contentType, int contentEncoding,
                             int attachmentSize) {

    public ResponseHeader {
        errorMsg = errorMsg == null ? "" : errorMsg;
        transInfo = transInfo == null ? Map.of() : transInfo;
        if (attachmentSize < 0) {
            throw new IllegalArgumentException("attachmentSize must be >= 0, got " + (attachmentSize & 0xFFFFFFFFL));
        }
    }

    public boolean failed() {
        return ret != 0 || funcRet != 0;
    }

    public ResponseHeader withoutTransInfo() {
        return new ResponseHeader(version, callType, requestId, ret, funcRet, errorMsg, messageType, Map.of(),
                contentType, contentEncoding, attachmentSize);
    }

    public ResponseHeader withError(int newRet, String message) {
        return new ResponseHeader(version, callType, requestId, newRet, funcRet, message, messageType, transInfo,
                contentType, contentEncoding, 0);
    }

    public int encodedSize() {
        return ProtoWriter.uint32Size(1, version) + ProtoWriter.uint32Size(2, callType)
                + ProtoWriter.uint32Size(3, requestId) + ProtoWriter.int32Size(4, ret)
                + ProtoWriter.int32Size(5, funcRet) + RequestHeader.stringSize(6, errorMsg)
                + ProtoWriter.uint32Size(7, messageType) + ProtoWriter.mapSize(8, transInfo)
                + ProtoWriter.uint32Size(9, contentType) + ProtoWriter.uint32Size(10, contentEncoding)
                + ProtoWriter.uint32Size(12, attachmentSize);
    }

    public int encodeTo(byte[] out, int offset) {
        ProtoWriter w = new ProtoWriter(out, offset);
        w.uint32(1, version);
        w.uint32(2, callType);
        w.uint32(3, requestId);
        w.int32(4, ret);
        w.int32(5, funcRet);
        w.bytes(6, errorMsg.isEmpty() ? null : errorMsg.getBytes(StandardCharsets.UTF_8));
        w.uint32(7, messageType);
        w.map(8, transInfo);
        w.uint32(9, contentType);
        w.uint32(10, contentEncoding);
        w.uint32(12, attachmentSize);
        return w.position();
    }

    public static ResponseHeader decode(ByteBuffer in, int offset, int length) {
        ProtoReader r = new ProtoReader(in, offset, length);
        int version = 0, callType = 0, requestId = 0, ret = 0, funcRet = 0, messageType = 0, contentType = 0, encoding = 0, attachment = 0;
        String errorMsg = "";
        Map<String, byte[]> transInfo = null;
        for (int f; (f = r.nextField()) != 0; ) {
            switch (f) {
                case 1 -> version = r.int32();
                case 2 -> callType = r.int32();
                case 3 -> requestId = r.int32();
                case 4 -> ret = r.int32();
                case 5 -> funcRet = r.int32();
                case 6 -> errorMsg = r.string();
                case 7 -> messageType = r.int32();
                case 8 -> transInfo = r.mapEntry(transInfo);
                case 9 -> contentType = r.int32();
                case 10 -> encoding = r.int32();
                case 12 -> attachment = r.int32();
                default -> r.skip();
            }
        }
        if (attachment < 0) {
            throw new FrameException("attachment size " + (attachment & 0xFFFFFFFFL) + " is out of range");
        }
        return new ResponseHeader(version, callType, requestId, ret, funcRet, errorMsg, messageType, transInfo,
                contentType, encoding, attachment);
    }
}
