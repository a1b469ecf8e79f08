package io.throng.websocket.push;

import io.throng.core.CloseReason;
import io.throng.core.Connection;
import io.throng.core.Handler;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.PublishResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * The binary publish protocol, for publishers at high rates (no HTTP head per message, pipelined).
 * It shares the push service's port: a connection whose first byte is 0x00 speaks it.
 *
 * <pre>
 * publisher: preface  00 'T' 'P' '1'                      (once; refused when the server has an API key)
 *         or preface  00 'T' 'P' 'K' | u16 key length | key (ASCII)
 *                                                        (once; the key is checked when the server has one)
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
 * With an API key set (the Centrifugo protocol's, which guards {@code POST /pub} too), a
 * publisher must open with the second preface and the key, else it gets an error and the close:
 * publishing over any path then needs the key. Integers are big-endian. The payload goes out as a text frame if it is UTF-8, else binary. A
 * publisher that does not read its results is slowed down: reads stop while its connection is
 * unwritable.
 *
 * <p>Where publishes run: with an executor (the push server gives one), the whole messages a read
 * brings are copied out of the read buffer and published there, in order, with the connection's
 * reads suspended until they are answered; so a publish that fans out to many subscribers on this
 * process never holds the event loop that read it (at 8,000 subscribers a walk held the loop for
 * ~100 ms), and a publisher has at most one batch of publishes in flight. Without one they run in {@code onData}. Framing errors (a channel name
 * length out of range, a payload over the limit) and invalid channel names end the connection
 * with an error once the publishes before them are answered.
 */
public final class PublishProtocol implements Handler {
    public static final byte[] PREFACE = {0, 'T', 'P', '1'};
    /** The preface of a publisher that presents the API key: then u16 key length | key. */
    public static final byte[] PREFACE_WITH_KEY = {0, 'T', 'P', 'K'};
    /** A longer key is refused before it is read. */
    public static final int MAX_KEY_BYTES = 1024;
    public static final int RESULT_BYTES = 17;
    public static final byte DONE = 0;
    public static final byte ERROR = 1;
    public static final byte ACCEPTED = 2;
    public static final byte REFUSED = 3;

    private final Bus bus;
    private final int maxPayloadBytes;
    private final Executor executor;
    private final ApiKey key;
    private final LongAdder published = new LongAdder();
    /** The answer to an accepted publish: the same bytes every time for one bus. */
    private volatile byte[] acceptedReply;

    /** Publishes in {@code onData}, on the thread that read them. */
    public PublishProtocol(Bus bus, int maxPayloadBytes) {
        this(bus, maxPayloadBytes, null);
    }

    /**
     * Publishes on {@code executor} (null: in {@code onData}). It runs at most one task per
     * publisher connection at a time, so a thread-per-task executor is bounded by the connections.
     */
    public PublishProtocol(Bus bus, int maxPayloadBytes, Executor executor) {
        this(bus, maxPayloadBytes, executor, ApiKey.NONE);
    }

    /** As above; with {@code key} set, a publisher must present it ({@link #PREFACE_WITH_KEY}). */
    public PublishProtocol(Bus bus, int maxPayloadBytes, Executor executor, ApiKey key) {
        this.bus = bus;
        this.maxPayloadBytes = maxPayloadBytes;
        this.executor = executor;
        this.key = key;
    }

    /** Messages published through this protocol. */
    public long published() {
        return published.sum();
    }

    /** One publisher connection, its attachment once the preface is read. */
    private static final class Session {
        /** A task is publishing a batch: reads stay suspended until it has answered it. */
        volatile boolean running;
    }

    @Override
    public void onData(Connection c, ByteBuffer in) {
        Session s;
        if (c.attachment() instanceof Session known) {
            s = known;
        } else {
            int greeting = greeting(c, in);
            if (greeting <= 0) {
                if (greeting < 0) {
                    in.position(in.limit());
                }
                return; // incomplete (the engine keeps it), or refused
            }
            in.position(in.position() + greeting);
            s = new Session();
            c.attach(s);
        }
        if (s.running) {
            c.suspendReads(); // one batch at a time: these bytes are handed back when it is answered
            return;
        }
        int start = in.position();
        String framing = null;
        int end = start;
        while (in.limit() - end >= 2) {
            int channelLength = in.getShort(end) & 0xFFFF;
            if (channelLength == 0 || channelLength > Channels.MAX_LENGTH) {
                framing = "channel name of " + channelLength + " bytes; expected 1-" + Channels.MAX_LENGTH;
                break;
            }
            if (in.limit() - end < 2 + channelLength + 4) {
                break;
            }
            long payloadLength = in.getInt(end + 2 + channelLength) & 0xFFFFFFFFL;
            if (payloadLength > maxPayloadBytes) {
                framing = "payload of " + payloadLength + " B, over the limit of " + maxPayloadBytes + " B";
                break;
            }
            int total = 2 + channelLength + 4 + (int) payloadLength;
            if (in.limit() - end < total) {
                break; // the engine keeps the partial message
            }
            end += total;
        }
        in.position(framing != null ? in.limit() : end);
        if (executor == null) {
            if (publishAll(c, in.slice(start, end - start))) {
                if (framing != null) {
                    error(c, framing);
                } else if (!c.isWritable()) {
                    c.suspendReads();
                }
            }
            return;
        }
        if (end == start && framing == null) {
            return;
        }
        // The batch is valid only during this call: the task gets a copy. Reads stay suspended until
        // it has answered, so whatever this read brought behind the batch waits in the engine's
        // leftover buffer, which resumeReads hands back.
        byte[] batch = new byte[end - start];
        in.get(start, batch);
        s.running = true;
        c.suspendReads();
        String error = framing;
        try {
            executor.execute(() -> publishLater(c, s, ByteBuffer.wrap(batch), error));
        } catch (RejectedExecutionException e) {
            c.close(); // the server is stopping
        }
    }

    /**
     * Checks the preface (and the key, if any) at the start of {@code in}: its length in bytes when
     * it is whole and accepted, 0 while incomplete, -1 when refused (the error is sent, the
     * connection closes). The key is compared in constant time ({@link ApiKey#matches}).
     */
    private int greeting(Connection c, ByteBuffer in) {
        if (in.remaining() < PREFACE.length) {
            return 0;
        }
        int p = in.position();
        boolean withKey = in.get(p + 3) == PREFACE_WITH_KEY[3];
        for (int i = 0; i < PREFACE.length; i++) {
            if (in.get(p + i) != PREFACE[i] && !(i == 3 && withKey)) {
                error(c, "not the throng publish protocol (expected the preface 00 54 50 31, or 00 54 50 4B and the key)");
                return -1;
            }
        }
        if (!withKey) {
            if (key.isSet()) {
                error(c, "this server needs the API key: open with the preface 00 54 50 4B, then u16 length | key");
                return -1;
            }
            return PREFACE.length;
        }
        if (in.remaining() < PREFACE.length + 2) {
            return 0;
        }
        int length = in.getShort(p + PREFACE.length) & 0xFFFF;
        if (length == 0 || length > MAX_KEY_BYTES) {
            error(c, "a key of " + length + " bytes; expected 1-" + MAX_KEY_BYTES);
            return -1;
        }
        if (in.remaining() < PREFACE.length + 2 + length) {
            return 0;
        }
        if (key.isSet()) {
            String presented = StandardCharsets.ISO_8859_1.decode(in.slice(p + PREFACE.length + 2, length)).toString();
            if (!key.matches(presented)) {
                error(c, "wrong API key");
                return -1;
            }
        }
        return PREFACE.length + 2 + length; // without a key set, a key is not needed, and not checked
    }

    /** Publishes and answers one batch, then lets the connection read again; the executor's thread. */
    private void publishLater(Connection c, Session s, ByteBuffer batch, String framing) {
        try {
            if (!publishAll(c, batch)) {
                return; // closing
            }
            if (framing != null) {
                error(c, framing);
                return;
            }
            c.flush();
        } catch (RuntimeException | Error e) {
            error(c, "internal error: " + e);
            throw e;
        }
        s.running = false;
        if (c.isWritable()) {
            c.resumeReads(); // otherwise onWritable does
        }
    }

    /**
     * Publishes the whole messages in {@code batch} in order, answering each. Returns false if one
     * named an invalid channel: the publishes before it are answered, then the error, and the
     * connection closes. On the executor, an accepted publish is answered once the broker has
     * confirmed it ({@link PublishOutcome.Accepted#confirmed()}): the whole batch is queued first,
     * so the wait is one round trip to the broker a batch, not one a message.
     */
    private boolean publishAll(Connection c, ByteBuffer batch) {
        int p = batch.position();
        List<PublishOutcome> outcomes = new ArrayList<>();
        String problem = null;
        while (p < batch.limit()) {
            int channelLength = batch.getShort(p) & 0xFFFF;
            int payloadLength = batch.getInt(p + 2 + channelLength);
            String channel = StandardCharsets.ISO_8859_1.decode(batch.slice(p + 2, channelLength)).toString();
            problem = Channels.isValid(channel) ? bus.channelProblem(channel) : Channels.problem(channel);
            if (problem != null) {
                break;
            }
            outcomes.add(bus.publish(channel, batch.slice(p + 6 + channelLength, payloadLength)));
            published.increment();
            p += 6 + channelLength + payloadLength;
        }
        for (PublishOutcome outcome : outcomes) {
            c.write(reply(executor == null ? outcome : PublishOutcome.confirmed(outcome)));
        }
        if (problem != null) {
            error(c, problem);
            return false;
        }
        return true;
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
        if (c.attachment() instanceof Session s && s.running) {
            return; // the task resumes reads when it is done
        }
        c.resumeReads();
    }

    private static void error(Connection c, String message) {
        c.write(text(ERROR, message));
        c.close();
    }

    @Override
    public void onClose(Connection c, CloseReason reason) {
        c.attach(null);
    }
}
