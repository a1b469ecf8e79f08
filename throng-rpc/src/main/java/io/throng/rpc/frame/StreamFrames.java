package io.throng.rpc.frame;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * tRPC's stream frames (data frame type 1, header size 0): INIT, DATA, FEEDBACK and CLOSE, with
 * their protobuf metas ({@code TrpcStreamInitMeta}, {@code TrpcStreamFeedBackMeta},
 * {@code TrpcStreamCloseMeta}) hand-encoded like the unary headers.
 */
public final class StreamFrames {
    public static final int INIT = 1;
    public static final int DATA = 2;
    public static final int FEEDBACK = 3;
    public static final int CLOSE = 4;
    /** {@code TrpcStreamCloseType}: a normal half-close of one direction, or an abort of both. */
    public static final int CLOSE_NORMAL = 0;
    public static final int CLOSE_RESET = 1;
    /** tRPC-Go's default and minimum initial window, in DATA body bytes. */
    public static final int DEFAULT_WINDOW = 65535;

    private StreamFrames() {
    }

    /**
     * INIT: the client sends {@code request} (non-null) and its window; the server answers with
     * {@code ret}/{@code errorMsg} (its response meta, a non-zero ret refusing the stream) and its own.
     */
    public record Init(String caller, String callee, String func, int messageType, Map<String, byte[]> transInfo,
                       boolean response, int ret, String errorMsg, int windowSize, int contentType,
                       int contentEncoding) {
        public Init {
            caller = caller == null ? "" : caller;
            callee = callee == null ? "" : callee;
            func = func == null ? "" : func;
            transInfo = transInfo == null ? Map.of() : transInfo;
            errorMsg = errorMsg == null ? "" : errorMsg;
        }

        private int requestMetaSize() {
            return RequestHeader.stringSize(1, caller) + RequestHeader.stringSize(2, callee)
                    + RequestHeader.stringSize(3, func) + ProtoWriter.uint32Size(4, messageType)
                    + ProtoWriter.mapSize(5, transInfo);
        }

        private int responseMetaSize() {
            return ProtoWriter.int32Size(1, ret) + RequestHeader.stringSize(2, errorMsg);
        }

        int encodedSize() {
            int meta = response ? responseMetaSize() : requestMetaSize();
            return ProtoWriter.lengthDelimitedSize(response ? 2 : 1, meta) + ProtoWriter.uint32Size(3, windowSize)
                    + ProtoWriter.uint32Size(4, contentType) + ProtoWriter.uint32Size(5, contentEncoding);
        }

        void encode(ProtoWriter w) {
            if (response) {
                w.tag(2, ProtoWriter.LENGTH_DELIMITED);
                w.varint(responseMetaSize());
                w.int32(1, ret);
                w.bytes(2, RequestHeader.utf8(errorMsg));
            } else {
                w.tag(1, ProtoWriter.LENGTH_DELIMITED);
                w.varint(requestMetaSize());
                w.bytes(1, RequestHeader.utf8(caller));
                w.bytes(2, RequestHeader.utf8(callee));
                w.bytes(3, RequestHeader.utf8(func));
                w.uint32(4, messageType);
                w.map(5, transInfo);
            }
            w.uint32(3, windowSize);
            w.uint32(4, contentType);
            w.uint32(5, contentEncoding);
        }

        static Init decode(ByteBuffer in, int offset, int length) {
            ProtoReader r = new ProtoReader(in, offset, length);
            String caller = "", callee = "", func = "", errorMsg = "";
            int messageType = 0, ret = 0, window = 0, contentType = 0, encoding = 0;
            boolean response = false;
            Map<String, byte[]> transInfo = null;
            for (int f; (f = r.nextField()) != 0; ) {
                switch (f) {
                    case 1 -> {
                        ProtoReader m = r.message();
                        for (int g; (g = m.nextField()) != 0; ) {
                            switch (g) {
                                case 1 -> caller = m.string();
                                case 2 -> callee = m.string();
                                case 3 -> func = m.string();
                                case 4 -> messageType = m.int32();
                                case 5 -> transInfo = m.mapEntry(transInfo);
                                default -> m.skip();
                            }
                        }
                    }
                    case 2 -> {
                        response = true;
                        ProtoReader m = r.message();
                        for (int g; (g = m.nextField()) != 0; ) {
                            switch (g) {
                                case 1 -> ret = m.int32();
                                case 2 -> errorMsg = m.string();
                                default -> m.skip();
                            }
                        }
                    }
                    case 3 -> window = r.int32();
                    case 4 -> contentType = r.int32();
                    case 5 -> encoding = r.int32();
                    default -> r.skip();
                }
            }
            return new Init(caller, callee, func, messageType, transInfo, response, ret, errorMsg, window, contentType, encoding);
        }
    }

    /** CLOSE: the end of one direction (normal) or of the whole stream (reset), with the outcome. */
    public record Close(int closeType, int ret, String msg, int messageType, Map<String, byte[]> transInfo, int funcRet) {
        public Close {
            msg = msg == null ? "" : msg;
            transInfo = transInfo == null ? Map.of() : transInfo;
        }

        public boolean reset() {
            return closeType == CLOSE_RESET;
        }

        int encodedSize() {
            return ProtoWriter.int32Size(1, closeType) + ProtoWriter.int32Size(2, ret) + RequestHeader.stringSize(3, msg)
                    + ProtoWriter.uint32Size(4, messageType) + ProtoWriter.mapSize(5, transInfo)
                    + ProtoWriter.int32Size(6, funcRet);
        }

        void encode(ProtoWriter w) {
            w.int32(1, closeType);
            w.int32(2, ret);
            w.bytes(3, msg.isEmpty() ? null : msg.getBytes(StandardCharsets.UTF_8));
            w.uint32(4, messageType);
            w.map(5, transInfo);
            w.int32(6, funcRet);
        }

        static Close decode(ByteBuffer in, int offset, int length) {
            ProtoReader r = new ProtoReader(in, offset, length);
            int type = 0, ret = 0, messageType = 0, funcRet = 0;
            String msg = "";
            Map<String, byte[]> transInfo = null;
            for (int f; (f = r.nextField()) != 0; ) {
                switch (f) {
                    case 1 -> type = r.int32();
                    case 2 -> ret = r.int32();
                    case 3 -> msg = r.string();
                    case 4 -> messageType = r.int32();
                    case 5 -> transInfo = r.mapEntry(transInfo);
                    case 6 -> funcRet = r.int32();
                    default -> r.skip();
                }
            }
            return new Close(type, ret, msg, messageType, transInfo, funcRet);
        }
    }

    public static byte[] init(int streamId, Init init, FrameLimits limits) {
        int n = init.encodedSize();
        byte[] out = frame(streamId, INIT, n, limits);
        init.encode(new ProtoWriter(out, FrameHeader.SIZE));
        return out;
    }

    public static byte[] data(int streamId, byte[] message, FrameLimits limits) {
        byte[] out = frame(streamId, DATA, message.length, limits);
        System.arraycopy(message, 0, out, FrameHeader.SIZE, message.length);
        return out;
    }

    public static byte[] feedback(int streamId, int increment, FrameLimits limits) {
        byte[] out = frame(streamId, FEEDBACK, ProtoWriter.uint32Size(1, increment), limits);
        new ProtoWriter(out, FrameHeader.SIZE).uint32(1, increment);
        return out;
    }

    public static byte[] close(int streamId, Close close, FrameLimits limits) {
        byte[] out = frame(streamId, CLOSE, close.encodedSize(), limits);
        close.encode(new ProtoWriter(out, FrameHeader.SIZE));
        return out;
    }

    private static byte[] frame(int streamId, int type, int payload, FrameLimits limits) {
        long total = (long) FrameHeader.SIZE + payload;
        if (total > limits.maxFrameSize()) {
            throw new FrameException("stream frame of " + total + " bytes exceeds max frame size " + limits.maxFrameSize());
        }
        byte[] out = new byte[(int) total];
        new FrameHeader(FrameHeader.STREAM, type, (int) total, 0, streamId, FrameHeader.VERSION_1).writeTo(out, 0);
        return out;
    }

    /** The INIT meta of the complete stream frame at {@code in}'s position. */
    public static Init decodeInit(ByteBuffer in, FrameHeader h) {
        return Init.decode(in, in.position() + FrameHeader.SIZE, h.payloadSize());
    }

    public static Close decodeClose(ByteBuffer in, FrameHeader h) {
        return Close.decode(in, in.position() + FrameHeader.SIZE, h.payloadSize());
    }

    /** The window increment of a FEEDBACK frame. */
    public static int decodeFeedback(ByteBuffer in, FrameHeader h) {
        ProtoReader r = new ProtoReader(in, in.position() + FrameHeader.SIZE, h.payloadSize());
        int increment = 0;
        for (int f; (f = r.nextField()) != 0; ) {
            if (f == 1) {
                increment = r.int32();
            } else {
                r.skip();
            }
        }
        return increment;
    }

    /** A DATA frame's message. */
    public static byte[] decodeData(ByteBuffer in, FrameHeader h) {
        return UnaryFrames.copy(in, in.position() + FrameHeader.SIZE, h.payloadSize());
    }
}
