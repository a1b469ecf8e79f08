package io.throng.websocket.bus;

import io.throng.websocket.history.Stream;
import io.throng.websocket.history.StreamLimits;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The prefork hub's wire format, on a Unix domain socket between the supervisor and each worker:
 *
 * <pre>
 * frame     op (1) | channel length (1, 1-255) | channel (ASCII) [| payload length (u32) | payload]
 * op        1 subscribe, 2 unsubscribe, 3 publish, 5 store, 7 query, 9 gather, 11 tell (worker to hub);
 *           4 message, 6 stored message, 8 answer, 10 ask, 12 gathered (hub to worker)
 * store     limits | data                       a publish the hub keeps in the channel's history
 * stored    offset (i64) | epoch | data         a message with its place in that history
 * query     id (i64) | mode (1) | limits | offset (i64) | epoch | limit (i32) | reverse (1)
 * answer    id (i64) | recovered (1) | epoch | top (i64) | count (i32) | count x (offset (i64) | length (i32) | data)
 * gather    id (i64) | scope (1: 0 the channel's workers, 1 all) | question   a question for other workers
 * ask       ask id (i64) | question                   the hub's copy of it, to each worker asked
 * tell      ask id (i64) | reply                      a worker's reply
 * gathered  id (i64) | missing (i32) | count (i32) | count x (length (i32) | reply)
 * limits    size (i32) | ttl ms (i64) | meta ttl ms (i64)
 * epoch     length (1, 0-64) | ASCII
 * </pre>
 * All but subscribe and unsubscribe carry a payload; integers are big-endian. Both ends are ours
 * and run the same jar, so there is no version byte; a frame that breaks these rules ends the
 * connection.
 */
final class HubFrames {
    static final byte SUBSCRIBE = 1;
    static final byte UNSUBSCRIBE = 2;
    static final byte PUBLISH = 3;
    static final byte MESSAGE = 4;
    static final byte STORE = 5;
    static final byte STORED = 6;
    static final byte QUERY = 7;
    static final byte ANSWER = 8;
    static final byte GATHER = 9;
    static final byte ASK = 10;
    static final byte TELL = 11;
    static final byte GATHERED = 12;
    /** The longest epoch a frame carries: the hub's own are 8 letters; a client's longer one matches none. */
    static final int EPOCH_MAX = 64;
    /** What a reader starts with and shrinks back to after a large frame. */
    private static final int READ_BUFFER = 64 * 1024;

    private HubFrames() {
    }

    /** One decoded frame, handed over valid during the call. */
    interface Sink {
        void frame(byte op, String channel, ByteBuffer payload) throws IOException;
    }

    static boolean hasPayload(byte op) {
        return op >= PUBLISH;
    }

    static int size(String channel, int payloadLength, boolean withPayload) {
        return 2 + channel.length() + (withPayload ? 4 + payloadLength : 0);
    }

    /** Appends a frame; {@code payload} is read from its position, not consumed. */
    static void put(ByteBuffer b, byte op, String channel, ByteBuffer payload) {
        int length = channel.length();
        if (length == 0 || length > 255) {
            throw new IllegalArgumentException("channel of " + length + " characters; the hub takes 1-255");
        }
        b.put(op).put((byte) length);
        for (int i = 0; i < length; i++) {
            b.put((byte) channel.charAt(i));
        }
        if (hasPayload(op)) {
            b.putInt(payload.remaining()).put(payload.duplicate());
        }
    }

    /** One frame in a buffer of its own (flipped, ready to write). */
    static ByteBuffer frame(byte op, String channel, ByteBuffer payload) {
        ByteBuffer b = ByteBuffer.allocate(size(channel, payload == null ? 0 : payload.remaining(), hasPayload(op)));
        put(b, op, channel, payload);
        return b.flip();
    }

    /**
     * Reads frames from {@code in} (blocking) until it ends: returns at a clean end, throws at a
     * broken frame, a closed connection mid-frame, or a payload over {@code maxPayload}.
     */
    static void readAll(ReadableByteChannel in, int maxPayload, Sink sink) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(READ_BUFFER);
        while (true) {
            if (in.read(buf) < 0) {
                if (buf.position() > 0) {
                    throw new EOFException("the hub connection closed in the middle of a frame");
                }
                return;
            }
            buf.flip();
            int needed = 0;
            while (buf.remaining() >= 2) {
                int p = buf.position();
                byte op = buf.get(p);
                int channelLength = buf.get(p + 1) & 0xFF;
                if (op < SUBSCRIBE || op > GATHERED || channelLength == 0) {
                    throw new IOException("not a hub frame (op " + op + ", channel length " + channelLength + ")");
                }
                boolean withPayload = hasPayload(op);
                int head = 2 + channelLength + (withPayload ? 4 : 0);
                if (buf.remaining() < head) {
                    needed = head;
                    break;
                }
                int payloadLength = withPayload ? buf.getInt(p + 2 + channelLength) : 0;
                if (payloadLength < 0 || payloadLength > maxPayload) {
                    throw new IOException("hub frame with a payload of " + (payloadLength & 0xFFFFFFFFL)
                            + " B, over the limit of " + maxPayload + " B");
                }
                if (buf.remaining() < head + payloadLength) {
                    needed = head + payloadLength;
                    break;
                }
                String channel = StandardCharsets.ISO_8859_1.decode(buf.slice(p + 2, channelLength)).toString();
                sink.frame(op, channel, buf.slice(p + head, payloadLength));
                buf.position(p + head + payloadLength);
            }
            buf.compact();
            if (needed > buf.capacity()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, buf.capacity() * 2));
                buf = bigger.put(buf.flip());
            } else if (buf.position() == 0 && buf.capacity() > READ_BUFFER) {
                buf = ByteBuffer.allocate(READ_BUFFER);
            }
        }
    }

    // ---------------------------------------------------------------- history payloads

    static final int LIMITS_SIZE = 4 + 8 + 8;
    /** What a store or stored frame adds to a message's payload at most: limits, or an offset and an epoch. */
    static final int HEADROOM = 8 + 1 + EPOCH_MAX + LIMITS_SIZE;

    static void putLimits(ByteBuffer b, StreamLimits limits) {
        b.putInt(limits.size()).putLong(limits.ttl().toMillis()).putLong(limits.metaTtl().toMillis());
    }

    /** Reads limits, checked as the push service's options check them: a broken one ends the connection. */
    static StreamLimits limits(ByteBuffer b) throws IOException {
        int size = b.getInt();
        long ttl = b.getLong();
        long metaTtl = b.getLong();
        if (size < 1 || size > 1_000_000 || ttl < 1 || metaTtl < ttl) {
            throw new IOException("history limits out of range: size " + size + ", ttl " + ttl + " ms, meta ttl " + metaTtl + " ms");
        }
        return new StreamLimits.Of(size, Duration.ofMillis(ttl), Duration.ofMillis(metaTtl));
    }

    /** An epoch as a frame carries it: anything but 1-64 ASCII characters travels as empty (it matches no stream). */
    static byte[] epochBytes(String epoch) {
        if (epoch == null || epoch.isEmpty() || epoch.length() > EPOCH_MAX) {
            return new byte[0];
        }
        for (int i = 0; i < epoch.length(); i++) {
            if (epoch.charAt(i) > 0x7E || epoch.charAt(i) < 0x21) {
                return new byte[0];
            }
        }
        return epoch.getBytes(StandardCharsets.US_ASCII);
    }

    static void putEpoch(ByteBuffer b, byte[] epoch) {
        b.put((byte) epoch.length).put(epoch);
    }

    static String epoch(ByteBuffer b) throws IOException {
        int length = b.get() & 0xFF;
        if (length > EPOCH_MAX || length > b.remaining()) {
            throw new IOException("an epoch of " + length + " bytes");
        }
        byte[] e = new byte[length];
        b.get(e);
        return new String(e, StandardCharsets.US_ASCII);
    }

    /** A store frame's payload: the limits, then the data. */
    static ByteBuffer storePayload(StreamLimits limits, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(LIMITS_SIZE + data.length);
        putLimits(b, limits);
        return b.put(data).flip();
    }

    /** A query frame's payload. */
    static ByteBuffer queryPayload(long id, HistoryQuery q) {
        byte[] epoch = epochBytes(q.epoch());
        ByteBuffer b = ByteBuffer.allocate(8 + 1 + LIMITS_SIZE + 8 + 1 + epoch.length + 4 + 1);
        b.putLong(id).put((byte) q.mode().ordinal());
        putLimits(b, q.limits());
        b.putLong(q.offset());
        putEpoch(b, epoch);
        return b.putInt(q.limit()).put((byte) (q.reverse() ? 1 : 0)).flip();
    }

    /** Reads a query frame's payload (after its id). */
    static HistoryQuery query(ByteBuffer b) throws IOException {
        int mode = b.get();
        if (mode < 0 || mode >= HistoryQuery.Mode.values().length) {
            throw new IOException("a history query of mode " + mode);
        }
        StreamLimits limits = limits(b);
        long offset = b.getLong();
        String epoch = epoch(b);
        int limit = b.getInt();
        boolean reverse = b.get() != 0;
        return new HistoryQuery(HistoryQuery.Mode.values()[mode], limits, offset, epoch, limit, reverse);
    }

    /** Reads an answer frame's payload (after its id). */
    static HistoryAnswer answer(ByteBuffer b) throws IOException {
        boolean recovered = b.get() != 0;
        String epoch = epoch(b);
        long top = b.getLong();
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / 12) {
            throw new IOException("an answer of " + count + " publications in " + b.remaining() + " B");
        }
        List<Stream.Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long offset = b.getLong();
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                throw new IOException("a publication of " + length + " B in an answer with " + b.remaining() + " B left");
            }
            byte[] data = new byte[length];
            b.get(data);
            entries.add(new Stream.Entry(offset, 0, data));
        }
        return new HistoryAnswer(null, epoch, top, recovered, entries);
    }

    /** A frame's payload: {@code id} then {@code bytes}. */
    static ByteBuffer idAnd(long id, byte[] bytes) {
        return ByteBuffer.allocate(8 + bytes.length).putLong(id).put(bytes).flip();
    }

    /** The rest of {@code b} as bytes. */
    static byte[] rest(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Reads a gathered frame's payload (after its id). */
    static Gathering.Gathered gathered(ByteBuffer b) throws IOException {
        int missing = b.getInt();
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / 4 || missing < 0) {
            throw new IOException("gathered " + count + " replies (" + missing + " missing) in " + b.remaining() + " B");
        }
        List<byte[]> replies = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = b.getInt();
            if (length < 0 || length > b.remaining()) {
                throw new IOException("a reply of " + length + " B in a frame with " + b.remaining() + " B left");
            }
            byte[] r = new byte[length];
            b.get(r);
            replies.add(r);
        }
        return new Gathering.Gathered(null, replies, missing);
    }
}
