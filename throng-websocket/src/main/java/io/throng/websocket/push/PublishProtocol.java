package io.throng.websocket.push;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.PublishOutcome;
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
 * server, per publish, in order:
 *            done     00 | u32 subscribers | u32 delivered | u32 dropped | u32 closed
 *                     (fanned out here, by the in-process bus)
 *            accepted 02 | u16 length | UTF-8 "bus node"
 *                     (queued for the broker; every node fans it out when the broker hands it back)
 *            refused  03 | u16 length | UTF-8 message
 *                     (the bus is down or its relay queue full: nothing sent; the connection stays open)
 * server, then closes:
 *            error    01 | u16 length | UTF-8 message
 * </pre>
 * Integers are big-endian. The payload goes out as a text frame if it is UTF-8, else binary. A
 * publisher that does not read its results is slowed down: reads stop while its connection is
 * unwritable.
 */
public final class PublishProtocol implements Handler {
    public static final byte[] PREFACE = {0, 'T', 'P', '1'};
    public static final int RESULT_BYTES = 17;
    public static final byte DONE = 0;
    public static final byte ERROR = 1;
    public static final byte ACCEPTED = 2;
    public static final byte REFUSED = 3;
    private static final Object READY = "ready";

    private final Bus bus;
    private final int maxPayloadBytes;
    private final LongAdder published = new LongAdder();
    /** The answer to an accepted publish: the same bytes every time for one bus. */
    private volatile byte[] acceptedReply;

    public PublishProtocol(Bus bus, int maxPayloadBytes) {
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
            String busProblem = bus.channelProblem(channel);
            if (busProblem != null) {
                error(c, in, busProblem);
                return;
            }
            ByteBuffer payload = in.slice(p + 6 + channelLength, (int) payloadLength);
            PublishOutcome outcome = bus.publish(channel, payload);
            published.increment();
            in.position(p + total);
            c.write(reply(outcome));
        }
        if (!c.isWritable()) {
            c.suspendReads();
        }
    }

    private ByteBuffer reply(PublishOutcome outcome) {
        return switch (outcome) {
            case PublishOutcome.Delivered d -> {
                PublishResult r = d.result();
                ByteBuffer b = ByteBuffer.allocate(RESULT_BYTES);
                b.put(DONE).putInt(r.subscribers()).putInt(r.delivered()).putInt(r.dropped()).putInt(r.closed());
                yield b.flip();
            }
            case PublishOutcome.Accepted a -> {
                byte[] cached = acceptedReply;
                if (cached == null) {
                    cached = text(ACCEPTED, a.bus() + " " + a.node());
                    acceptedReply = cached;
                }
                yield ByteBuffer.wrap(cached);
            }
            case PublishOutcome.Refused r -> ByteBuffer.wrap(text(REFUSED, r.reason()));
        };
    }

    private static byte[] text(byte status, String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(m.length, 0xFFFF);
        ByteBuffer b = ByteBuffer.allocate(3 + length);
        b.put(status).putShort((short) length).put(m, 0, length);
        return b.array();
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReads();
    }

    private static void error(Connection c, ByteBuffer in, String message) {
        c.write(text(ERROR, message));
        in.position(in.limit());
        c.close();
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        c.attach(null);
    }
}
