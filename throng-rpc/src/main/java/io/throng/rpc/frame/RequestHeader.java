package io.throng.rpc.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * tRPC's {@code RequestProtocol}, the protobuf header of a unary request, hand-encoded (field
 * numbers from trpc.proto; see docs/rpc.md for why not generated code).
 *
 * @param version         field 1, the protobuf protocol version ({@code TRPC_PROTO_V1 = 0}); not the frame's version byte
 * @param callType        field 2, {@link #UNARY_CALL} or {@link #ONE_WAY_CALL} (no response is sent)
 * @param requestId       field 3, unique on the connection; the response echoes it
 * @param timeoutMs       field 4, the caller's remaining budget in ms; 0 for none
 * @param caller          field 5, {@code trpc.app.server.service}
 * @param callee          field 6
 * @param func            field 7, {@code /package.Service/Method}: what the server routes on
 * @param messageType     field 8, flag bits (dyeing, trace, ...)
 * @param transInfo       field 9, metadata passed along the call chain (never null; may be empty)
 * @param contentType     field 10, body serialization (0 protobuf, 2 json, 4 raw, ...)
 * @param contentEncoding field 11, body compression (0 none)
 * @param attachmentSize  field 12, bytes of raw attachment at the frame's end
 */
public record RequestHeader(int version, int callType, int requestId, int timeoutMs, String caller, String callee,
                            String func, int messageType, Map<String, byte[]> transInfo, int contentType,
                            int contentEncoding, int attachmentSize) {

    public static final int UNARY_CALL = 0;
    public static final int ONE_WAY_CALL = 1;

    public RequestHeader {
        caller = caller == null ? "" : caller;
        callee = callee == null ? "" : callee;
        func = func == null ? "" : func;
        transInfo = transInfo == null ? Map.of() : transInfo;
        if (attachmentSize < 0) {
            throw new IllegalArgumentException("attachmentSize must be >= 0, got " + (attachmentSize & 0xFFFFFFFFL));
        }
    }

    public boolean oneWay() {
        return callType == ONE_WAY_CALL;
    }

    public int encodedSize() {
        return ProtoWriter.uint32Size(1, version) + ProtoWriter.uint32Size(2, callType)
                + ProtoWriter.uint32Size(3, requestId) + ProtoWriter.uint32Size(4, timeoutMs)
                + stringSize(5, caller) + stringSize(6, callee) + stringSize(7, func)
                + ProtoWriter.uint32Size(8, messageType) + ProtoWriter.mapSize(9, transInfo)
                + ProtoWriter.uint32Size(10, contentType) + ProtoWriter.uint32Size(11, contentEncoding)
                + ProtoWriter.uint32Size(12, attachmentSize);
    }

    /** Encodes at {@code out[offset..]}; returns the end offset. */
    public int encodeTo(byte[] out, int offset) {
        ProtoWriter w = new ProtoWriter(out, offset);
        w.uint32(1, version);
        w.uint32(2, callType);
        w.uint32(3, requestId);
        w.uint32(4, timeoutMs);
        w.bytes(5, utf8(caller));
        w.bytes(6, utf8(callee));
        w.bytes(7, utf8(func));
        w.uint32(8, messageType);
        w.map(9, transInfo);
        w.uint32(10, contentType);
        w.uint32(11, contentEncoding);
        w.uint32(12, attachmentSize);
        return w.position();
    }

    /** Decodes {@code length} bytes of {@code in} from absolute index {@code offset}. */
    public static RequestHeader decode(ByteBuffer in, int offset, int length) {
        ProtoReader r = new ProtoReader(in, offset, length);
        int version = 0, callType = 0, requestId = 0, timeout = 0, messageType = 0, contentType = 0, encoding = 0, attachment = 0;
        String caller = "", callee = "", func = "";
        Map<String, byte[]> transInfo = null;
        for (int f; (f = r.nextField()) != 0; ) {
            switch (f) {
                case 1 -> version = r.int32();
                case 2 -> callType = r.int32();
                case 3 -> requestId = r.int32();
                case 4 -> timeout = r.int32();
                case 5 -> caller = r.string();
                case 6 -> callee = r.string();
                case 7 -> func = r.string();
                case 8 -> messageType = r.int32();
                case 9 -> transInfo = r.mapEntry(transInfo);
                case 10 -> contentType = r.int32();
                case 11 -> encoding = r.int32();
                case 12 -> attachment = r.int32();
                default -> r.skip();
            }
        }
        if (attachment < 0) {
            throw new FrameException("attachment size " + (attachment & 0xFFFFFFFFL) + " is out of range");
        }
        return new RequestHeader(version, callType, requestId, timeout, caller, callee, func, messageType,
                transInfo, contentType, encoding, attachment);
    }

    static int stringSize(int field, String s) {
        return s.isEmpty() ? 0 : ProtoWriter.lengthDelimitedSize(field, ProtoWriter.utf8Length(s));
    }

    static byte[] utf8(String s) {
        return s.isEmpty() ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
