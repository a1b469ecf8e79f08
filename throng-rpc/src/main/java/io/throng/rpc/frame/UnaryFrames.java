package io.throng.rpc.frame;

import java.nio.ByteBuffer;

/**
 * Whole unary frames: {@code [16-byte header][protobuf header][body][attachment]}. Encoding builds
 * the frame in one exactly sized array; decoding copies body and attachment out of the transient
 * read buffer (the engine lends it only for the duration of {@code onData}).
 */
public final class UnaryFrames {
    private static final byte[] EMPTY = new byte[0];

    private UnaryFrames() {
    }

    /** A decoded request frame. */
    public record Request(FrameHeader frame, RequestHeader header, byte[] body, byte[] attachment) {
    }

    /** A decoded response frame. */
    public record Response(FrameHeader frame, ResponseHeader header, byte[] body, byte[] attachment) {
    }

    /**
     * Encodes a request.
     *
     * @throws FrameException if the header or the frame exceeds {@code limits}
     */
    public static byte[] encodeRequest(int streamId, int versionByte, RequestHeader header, byte[] body,
                                       byte[] attachment, FrameLimits limits) {
        body = body == null ? EMPTY : body;
        attachment = attachment == null ? EMPTY : attachment;
        int hs = header.encodedSize();
        checkHeaderSize(hs, limits);
        long total = (long) FrameHeader.SIZE + hs + body.length + attachment.length;
        if (total > limits.maxFrameSize()) {
            throw new FrameException("request frame of " + total + " bytes exceeds max frame size " + limits.maxFrameSize());
        }
        byte[] out = new byte[(int) total];
        new FrameHeader(FrameHeader.UNARY, 0, (int) total, hs, streamId, versionByte).writeTo(out, 0);
        int at = header.encodeTo(out, FrameHeader.SIZE);
        System.arraycopy(body, 0, out, at, body.length);
        System.arraycopy(attachment, 0, out, at + body.length, attachment.length);
        return out;
    }

    /**
     * Encodes a response, degrading as tRPC-Go does when it would not fit: a header over the
     * limit loses its trans_info and becomes ret 2 (encode error); a frame over the limit loses its
     * body and attachment and becomes ret 2 with the sizes in the message.
     */
    public static byte[] encodeResponse(int streamId, int versionByte, ResponseHeader header, byte[] body,
                                        byte[] attachment, FrameLimits limits) {
        body = body == null ? EMPTY : body;
        attachment = attachment == null ? EMPTY : attachment;
        int hs = header.encodedSize();
        if (hs > limits.maxHeaderSize()) {
            header = header.withoutTransInfo().withError(RetCode.SERVER_ENCODE,
                    "response header of " + hs + " bytes exceeds max header size " + limits.maxHeaderSize()
                            + "; trans_info dropped");
            body = EMPTY;
            attachment = EMPTY;
            hs = header.encodedSize();
        }
        long total = (long) FrameHeader.SIZE + hs + body.length + attachment.length;
        if (total > limits.maxFrameSize()) {
            header = header.withError(RetCode.SERVER_ENCODE, "response frame of " + total
                    + " bytes exceeds max frame size " + limits.maxFrameSize() + "; body dropped");
            body = EMPTY;
            attachment = EMPTY;
            hs = header.encodedSize();
            if (hs > limits.maxHeaderSize()) {
                header = header.withoutTransInfo();
                hs = header.encodedSize();
            }
            total = FrameHeader.SIZE + hs;
        }
        byte[] out = new byte[(int) total];
        new FrameHeader(FrameHeader.UNARY, 0, (int) total, hs, streamId, versionByte).writeTo(out, 0);
        int at = header.encodeTo(out, FrameHeader.SIZE);
        System.arraycopy(body, 0, out, at, body.length);
        System.arraycopy(attachment, 0, out, at + body.length, attachment.length);
        return out;
    }

    /** Decodes the complete request frame at {@code in}'s position (which is not moved). */
    public static Request decodeRequest(ByteBuffer in, FrameHeader frame) {
        int p = in.position();
        RequestHeader h = RequestHeader.decode(in, p + FrameHeader.SIZE, frame.headerSize());
        int bodyAt = p + FrameHeader.SIZE + frame.headerSize();
        int bodySize = bodySize(frame, h.attachmentSize());
        return new Request(frame, h, copy(in, bodyAt, bodySize), copy(in, bodyAt + bodySize, h.attachmentSize()));
    }

    /** Decodes the complete response frame at {@code in}'s position (which is not moved). */
    public static Response decodeResponse(ByteBuffer in, FrameHeader frame) {
        int p = in.position();
        ResponseHeader h = ResponseHeader.decode(in, p + FrameHeader.SIZE, frame.headerSize());
        int bodyAt = p + FrameHeader.SIZE + frame.headerSize();
        int bodySize = bodySize(frame, h.attachmentSize());
        return new Response(frame, h, copy(in, bodyAt, bodySize), copy(in, bodyAt + bodySize, h.attachmentSize()));
    }

    private static int bodySize(FrameHeader frame, int attachmentSize) {
        int rest = frame.payloadSize() - frame.headerSize();
        if (attachmentSize > rest) {
            throw new FrameException("attachment size " + attachmentSize + " exceeds the " + rest
                    + " bytes left after the header (total " + frame.totalSize() + ")");
        }
        return rest - attachmentSize;
    }

    private static void checkHeaderSize(int hs, FrameLimits limits) {
        if (hs > limits.maxHeaderSize()) {
            throw new FrameException("header of " + hs + " bytes exceeds max header size " + limits.maxHeaderSize());
        }
    }

    static byte[] copy(ByteBuffer in, int at, int n) {
        if (n == 0) {
            return EMPTY;
        }
        byte[] b = new byte[n];
        in.get(at, b);
        return b;
    }
}
