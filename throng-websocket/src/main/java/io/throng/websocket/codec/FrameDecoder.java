package io.throng.websocket.codec;

import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes frames as their bytes arrive and assembles messages (RFC 6455 section 5, RFC 7692
 * section 7.2.2). A frame need not be complete: its payload is unmasked and taken as it comes, so
 * the engine never keeps more than a partial header (at most 14 bytes) or control frame (at most
 * 131) between reads, whatever the message size.
 *
 * <p>A complete, unfragmented, uncompressed frame is unmasked in place and handed over as a slice
 * of the input: no copy. Anything else goes into an assembly buffer lent by the pool and given
 * back when the message has been delivered. Text is validated as it arrives, so an invalid byte
 * fails the connection at once. Size limits are checked from the declared length before the
 * payload is read, and on the inflated size while inflating.
 *
 * <p>One decoder serves one connection, in its serial context. A session creates it when bytes
 * arrive and drops it once {@link #idle()}: an idle connection holds none.
 */
public final class FrameDecoder {

    /** Where decoded messages and control frames go. Payloads are valid only during the call. */
    public interface Sink {
        void onMessage(boolean text, ByteBuffer payload);

        void onPing(ByteBuffer payload);

        void onPong(ByteBuffer payload);

        /** A valid Close: its code ({@link CloseCodes#NO_STATUS} if it had none) and UTF-8 reason. */
        void onClose(int code, ByteBuffer reason);
    }

    private static final byte[] DEFLATE_TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};
    private static final byte[] NOTHING = new byte[0];
    private static final int MIN_ASSEMBLY = 256;

    private final boolean expectMasked;
    private final int maxFrameBytes;
    private final int maxMessageBytes;
    private final Inflation inflation;
    private final BufferPool pool;
    private final Sink sink;

    // the frame whose payload is being read
    private boolean inFrame;
    private boolean frameFin;
    private boolean frameMasked;
    private int frameMask;
    private long frameRemaining;
    private long frameOffset;

    // the message being assembled
    private boolean inMessage;
    private boolean messageText;
    private boolean messageCompressed;
    private long messageLength;
    private int utf8 = Utf8.ACCEPT;
    private PooledBuffer assembly;
    private Inflater inflater;

    private boolean closed;
    private String failure;

    /**
     * @param expectMasked    true on a server (client frames must be masked), false on a client
     * @param maxFrameBytes   the largest payload one frame may declare
     * @param maxMessageBytes the largest message, after inflation
     * @param inflation       the negotiated decompression, or null if permessage-deflate is off
     *                        (then RSV1 is a protocol error like RSV2 and RSV3)
     */
    public FrameDecoder(boolean expectMasked, int maxFrameBytes, int maxMessageBytes, Inflation inflation,
                        BufferPool pool, Sink sink) {
        this.expectMasked = expectMasked;
        this.maxFrameBytes = maxFrameBytes;
        this.maxMessageBytes = maxMessageBytes;
        this.inflation = inflation;
        this.pool = pool;
        this.sink = sink;
    }

    /** No frame or message in progress and nothing held: the decoder can be dropped. */
    public boolean idle() {
        return !inFrame && !inMessage && assembly == null && inflater == null;
    }

    /** True once a Close frame was decoded; later bytes are discarded. */
    public boolean closed() {
        return closed;
    }

    /** Why the last {@link #decode} failed, with the numbers involved. */
    public String failure() {
        return failure;
    }

    /** Gives back what a message in progress holds (on close or failure). */
    public void release() {
        if (assembly != null) {
            pool.release(assembly);
            assembly = null;
        }
        if (inflater != null) {
            inflation.endMessage(inflater, false);
            inflater = null;
        }
        inFrame = false;
        inMessage = false;
    }

    /**
     * Decodes what {@code in} holds, advancing its position over what was used; a partial header
     * or control frame is left in place for the next call. Returns 0, or a close code when the
     * peer broke the protocol (then {@link #failure()} says how, and the decoder must not be used
     * again but for {@link #release()}).
     */
    public int decode(ByteBuffer in) {
        while (true) {
            if (closed) {
                in.position(in.limit());
                return 0;
            }
            if (!inFrame) {
                int r = header(in);
                if (r != 0) {
                    return r == WAIT ? 0 : r;
                }
                continue;
            }
            int n = (int) Math.min(frameRemaining, in.remaining());
            if (n == 0 && frameRemaining > 0) {
                return 0;
            }
            int p = in.position();
            if (frameMasked) {
                Masking.applyInPlace(in, p, n, frameMask, frameOffset);
            }
            int r = messageCompressed ? inflate(in.slice(p, n)) : append(in, p, n);
            if (r != 0) {
                return r;
            }
            in.position(p + n);
            frameOffset += n;
            frameRemaining -= n;
            if (frameRemaining == 0) {
                inFrame = false;
                if (frameFin) {
                    r = finishMessage();
                    if (r != 0) {
                        return r;
                    }
                }
            }
        }
    }

    private static final int WAIT = -1;
    private static final int HANDLED = 0;

    /** Reads a header (and a whole control frame, or a whole small data frame). */
    private int header(ByteBuffer in) {
        int start = in.position();
        int avail = in.remaining();
        if (avail < 2) {
            return WAIT;
        }
        int b0 = in.get(start) & 0xFF;
        int b1 = in.get(start + 1) & 0xFF;
        int opcode = b0 & Frames.OPCODE;
        boolean fin = (b0 & Frames.FIN) != 0;
        int rsv = b0 & (Frames.RSV1 | Frames.RSV2 | Frames.RSV3);
        boolean masked = (b1 & Frames.MASKED) != 0;
        int len7 = b1 & 0x7F;
        boolean control = Frames.isControl(opcode);
        // Rules that the first two bytes decide are checked before waiting for the rest.
        if (!Frames.isKnown(opcode)) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, "reserved opcode " + opcode);
        }
        boolean compressedStart = rsv == Frames.RSV1 && inflation != null && !control && opcode != Frames.CONTINUATION;
        if (rsv != 0 && !compressedStart) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, "reserved bits 0x" + Integer.toHexString(rsv >> 4)
                    + " set on a frame with opcode " + opcode
                    + (inflation == null ? " (no extension negotiated)" : ""));
        }
        if (masked != expectMasked) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, expectMasked ? "a client frame was not masked" : "a server frame was masked");
        }
        if (control) {
            if (!fin) {
                return fail(Frames.CLOSE_PROTOCOL_ERROR, "a fragmented control frame (opcode " + opcode + ")");
            }
            if (len7 > Frames.MAX_CONTROL_PAYLOAD) {
                return fail(Frames.CLOSE_PROTOCOL_ERROR, "a control frame (opcode " + opcode + ") longer than 125 bytes");
            }
        } else if (opcode == Frames.CONTINUATION && !inMessage) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, "a continuation frame with no message to continue");
        } else if (opcode != Frames.CONTINUATION && inMessage) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, "a new data frame (opcode " + opcode + ") inside a fragmented message");
        }
        int headerLength = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (avail < headerLength) {
            return WAIT;
        }
        long length = len7 < 126 ? len7 : len7 == 126 ? bigEndian(in, start + 2, 2) : bigEndian(in, start + 2, 8);
        if (length < 0) {
            return fail(Frames.CLOSE_PROTOCOL_ERROR, "a 64-bit payload length with the most significant bit set");
        }
        int mask = masked ? (int) bigEndian(in, start + headerLength - 4, 4) : 0;
        if (control) {
            if (avail < headerLength + length) {
                return WAIT; // at most 131 bytes: wait for the whole frame
            }
            int p = start + headerLength;
            if (masked) {
                Masking.applyInPlace(in, p, (int) length, mask, 0);
            }
            in.position(p + (int) length);
            return control(opcode, in.slice(p, (int) length));
        }
        if (length > maxFrameBytes) {
            return fail(Frames.CLOSE_TOO_BIG, "a frame of " + length + " B, over max-frame " + maxFrameBytes + " B");
        }
        if (opcode != Frames.CONTINUATION) {
            inMessage = true;
            messageText = opcode == Frames.TEXT;
            messageCompressed = compressedStart;
            messageLength = 0;
            utf8 = Utf8.ACCEPT;
        }
        if (!messageCompressed && messageLength + length > maxMessageBytes) {
            return fail(Frames.CLOSE_TOO_BIG, "a message of at least " + (messageLength + length)
                    + " B, over max-message " + maxMessageBytes + " B");
        }
        int p = start + headerLength;
        in.position(p);
        if (fin && opcode != Frames.CONTINUATION && !messageCompressed && avail - headerLength >= length) {
            return wholeFrame(in, p, (int) length, masked, mask);
        }
        inFrame = true;
        frameFin = fin;
        frameMasked = masked;
        frameMask = mask;
        frameRemaining = length;
        frameOffset = 0;
        return HANDLED;
    }

    /** The zero-copy path: the whole message is one frame, all in {@code in}. */
    private int wholeFrame(ByteBuffer in, int p, int length, boolean masked, int mask) {
        if (masked) {
            Masking.applyInPlace(in, p, length, mask, 0);
        }
        if (messageText && Utf8.validate(Utf8.ACCEPT, in, p, p + length) != Utf8.ACCEPT) {
            return fail(Frames.CLOSE_INVALID_PAYLOAD, "a text message of " + length + " B is not valid UTF-8");
        }
        in.position(p + length);
        inMessage = false;
        sink.onMessage(messageText, in.slice(p, length));
        return HANDLED;
    }

    private int control(int opcode, ByteBuffer payload) {
        switch (opcode) {
            case Frames.PING -> sink.onPing(payload);
            case Frames.PONG -> sink.onPong(payload);
            default -> {
                int n = payload.remaining();
                if (n == 1) {
                    return fail(Frames.CLOSE_PROTOCOL_ERROR, "a Close frame with a 1-byte payload");
                }
                int code = n == 0 ? Frames.CLOSE_NO_STATUS : (int) bigEndian(payload, 0, 2);
                if (n >= 2 && !Frames.closeCodeMayAppearOnWire(code)) {
                    return fail(Frames.CLOSE_PROTOCOL_ERROR, "close code " + code + " may not appear in a Close frame");
                }
                ByteBuffer reason = n == 0 ? payload : payload.slice(2, n - 2);
                if (!Utf8.isValid(reason)) {
                    return fail(Frames.CLOSE_INVALID_PAYLOAD, "the Close frame's reason is not valid UTF-8");
                }
                closed = true;
                release();
                sink.onClose(code, reason);
            }
        }
        return HANDLED;
    }

    /** Uncompressed payload bytes at {@code in[p, p+n)}, already unmasked: validate and keep. */
    private int append(ByteBuffer in, int p, int n) {
        if (messageText) {
            utf8 = Utf8.validate(utf8, in, p, p + n);
            if (utf8 == Utf8.REJECT) {
                return fail(Frames.CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in a text message, within bytes "
                        + messageLength + ".." + (messageLength + n) + " (detected as it arrived)");
            }
        }
        if (n > 0) {
            ByteBuffer out = room((int) (messageLength + (frameFin ? frameRemaining : Math.max(n, frameRemaining))));
            out.put(out.position(), in, p, n);
            out.position(out.position() + n);
        }
        messageLength += n;
        return HANDLED;
    }

    /** Compressed payload bytes: inflate into the assembly buffer, validating what comes out. */
    private int inflate(ByteBuffer compressed) {
        if (inflater == null) {
            inflater = inflation.beginMessage();
        }
        inflater.setInput(compressed);
        try {
            return drain(compressed);
        } finally {
            inflater.setInput(NOTHING);
        }
    }

    /** Inflates until the input is used up; the output grows up to max-message + 1 (to detect excess). */
    private int drain(ByteBuffer input) {
        while (true) {
            ByteBuffer out = assembly == null ? null : assembly.buffer();
            if (out == null || !out.hasRemaining()) {
                if (out != null && out.capacity() > maxMessageBytes) {
                    return tooBigInflated();
                }
                long want = Math.min((long) maxMessageBytes + 1, Math.max(MIN_ASSEMBLY * 4L,
                        out == null ? 2L * input.remaining() : 2L * out.capacity()));
                out = room((int) want);
            }
            // Never past max-message + 1 bytes, which is enough to know a message is over it, although
            // the pool may lend a larger buffer: inflating further could reach corrupt data behind
            // the limit in one call, so the close was 1007 or 1009 depending on how the input had
            // been split into reads (found by FrameDecoderFuzzTest#decode).
            out.limit((int) Math.min(out.capacity(), (long) maxMessageBytes + 1));
            int before = out.position();
            int produced;
            try {
                produced = inflater.inflate(out);
            } catch (DataFormatException e) {
                return fail(Frames.CLOSE_INVALID_PAYLOAD, "compressed data that does not inflate: " + e.getMessage());
            }
            if (messageText && produced > 0) {
                utf8 = Utf8.validate(utf8, out, before, before + produced);
                if (utf8 == Utf8.REJECT) {
                    return fail(Frames.CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in a compressed text message, within bytes "
                            + messageLength + ".." + (messageLength + produced) + " (detected as it was inflated)");
                }
            }
            messageLength += produced;
            if (messageLength > maxMessageBytes) {
                return tooBigInflated();
            }
            if (inflater.finished()) {
                // A final block (BFINAL) ended the stream; whatever follows starts a new one.
                inflater.reset();
                if (!input.hasRemaining()) {
                    return HANDLED;
                }
                inflater.setInput(input);
                continue;
            }
            if (out.hasRemaining()) {
                return HANDLED; // the output did not fill up: the input is used up
            }
        }
    }

    private int tooBigInflated() {
        return fail(Frames.CLOSE_TOO_BIG, "a compressed message inflating to over max-message " + maxMessageBytes + " B");
    }

    private int finishMessage() {
        if (messageCompressed) {
            if (inflater == null) {
                inflater = inflation.beginMessage();
            }
            ByteBuffer tail = ByteBuffer.wrap(DEFLATE_TAIL);
            inflater.setInput(tail);
            int r;
            try {
                r = drain(tail);
            } finally {
                inflater.setInput(NOTHING);
            }
            if (r != 0) {
                return r;
            }
            inflation.endMessage(inflater, true);
            inflater = null;
        }
        if (messageText && utf8 != Utf8.ACCEPT) {
            return fail(Frames.CLOSE_INVALID_PAYLOAD, "a text message of " + messageLength + " B ends inside a UTF-8 sequence");
        }
        inMessage = false;
        PooledBuffer held = assembly;
        assembly = null;
        ByteBuffer payload = held == null ? ByteBuffer.allocate(0) : held.buffer().flip();
        try {
            sink.onMessage(messageText, payload);
        } finally {
            if (held != null) {
                pool.release(held);
            }
        }
        return HANDLED;
    }

    /**
     * The assembly buffer with room for at least one more byte, grown (to {@code want} bytes if
     * that is more than double, else double, never past max-message + 1) when full.
     */
    private ByteBuffer room(int want) {
        PooledBuffer held = assembly;
        if (held == null) {
            assembly = pool.acquire(Math.max(MIN_ASSEMBLY, want));
            return assembly.buffer();
        }
        ByteBuffer b = held.buffer();
        long needed = (long) b.position() + Math.max(1, want - b.position());
        if (b.capacity() >= needed && b.hasRemaining()) {
            return b;
        }
        int size = (int) Math.min((long) maxMessageBytes + 1, Math.max(needed, 2L * b.capacity()));
        PooledBuffer bigger = pool.acquire(size);
        b.flip();
        bigger.buffer().put(b);
        pool.release(held);
        assembly = bigger;
        return bigger.buffer();
    }

    /** {@code n} bytes at {@code at} as a big-endian number, whatever the buffer's byte order. */
    private static long bigEndian(ByteBuffer b, int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (b.get(at + i) & 0xFF);
        }
        return v;
    }

    private int fail(int code, String why) {
        failure = why;
        return code;
    }
}
