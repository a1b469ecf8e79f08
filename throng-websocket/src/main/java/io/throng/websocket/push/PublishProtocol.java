package io.throng.websocket.push;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.websocket.PreparedMessage;
import io.throng.websocket.internal.Utf8;
import io.throng.websocket.topic.MessageBus;
import io.throng.websocket.topic.PublishResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;

/**
 * The binary publish protocol, for publishers at high rates (no HTTP head per message, pipelined).
 * It shares the push service's port: a connection whose first byte is 0x00 speaks it.
 *
 * <pre>
 * publisher: preface  00 'T' 'P' '1'                      (once)
 *            publish  u16 channel length | channel (ASCII) | u32 payload length | payload
 * server:    result   00 | u32 subscribers | u32 delivered | u32 dropped | u32 closed   (per publish, in order)
 *            error    01 | u16 length | UTF-8 message, then the server closes
 * </pre>
 * Integers are big-endian. The payload goes out as a text frame if it is UTF-8, else binary. A
 * publisher that does not read its results is slowed down: reads stop while its connection is
 * unwritable.
 */
public final class PublishProtocol implements Handler {
    public static final byte[] PREFACE = {0, 'T', 'P', '1'};
    public static final int RESULT_BYTES = 17;
    private static final Object READY = "ready";

    private final MessageBus bus;
    private final int maxPayloadBytes;
    private final LongAdder published = new LongAdder();

    public PublishProtocol(MessageBus bus, int maxPayloadBytes) {
        this.bus = bus;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** Messages published through this protocol. */
    public long published() {
        return published.sum();
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        if (c.attachment() != READY) {
            if (in.remaining() < PREFACE.length) {
                return;
            }
            for (int i = 0; i < PREFACE.length; i++) {
                if (in.get(in.position() + i) != PREFACE[i]) {
                    error(c, in, "not the throng publish protocol (expected the preface 00 54 50 31)");
                    return;
                }
            }
            in.position(in.position() + PREFACE.length);
            c.attach(READY);
        }
        while (in.remaining() >= 2) {
            int p = in.position();
            int channelLength = in.getShort(p) & 0xFFFF;
            if (channelLength == 0 || channelLength > Channels.MAX_LENGTH) {
                error(c, in, "channel name of " + channelLength + " bytes; expected 1-" + Channels.MAX_LENGTH);
                return;
            }
            if (in.remaining() < 2 + channelLength + 4) {
                return;
            }
            long payloadLength = in.getInt(p + 2 + channelLength) & 0xFFFFFFFFL;
            if (payloadLength > maxPayloadBytes) {
                error(c, in, "payload of " + payloadLength + " B, over the limit of " + maxPayloadBytes + " B");
                return;
            }
            int total = 2 + channelLength + 4 + (int) payloadLength;
            if (in.remaining() < total) {
                return; // the engine keeps the partial message
            }
            String channel = StandardCharsets.ISO_8859_1.decode(in.slice(p + 2, channelLength)).toString();
            if (!Channels.isValid(channel)) {
                error(c, in, Channels.problem(channel));
                return;
            }
            ByteBuffer payload = in.slice(p + 6 + channelLength, (int) payloadLength);
            PreparedMessage message = Utf8.isValid(payload) ? PreparedMessage.text(payload) : PreparedMessage.binary(payload);
            PublishResult r = bus.publish(channel, message);
            published.increment();
            in.position(p + total);
            ByteBuffer reply = ByteBuffer.allocate(RESULT_BYTES);
            reply.put((byte) 0).putInt(r.subscribers()).putInt(r.delivered()).putInt(r.dropped()).putInt(r.closed()).flip();
            c.write(reply);
        }
        if (!c.isWritable()) {
            c.suspendReads();
        }
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReads();
    }

    private static void error(Connection c, ByteBuffer in, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        ByteBuffer reply = ByteBuffer.allocate(3 + m.length);
        reply.put((byte) 1).putShort((short) m.length).put(m).flip();
        c.write(reply);
        in.position(in.limit());
        c.close();
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        c.attach(null);
    }
}
