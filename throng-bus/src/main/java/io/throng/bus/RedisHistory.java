package io.throng.bus;

import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.history.Stream;
import io.throng.websocket.history.StreamLimits;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Channel history kept in Redis for every node on it (what {@link RedisBroker} offers as the bus's
 * shared history): the keys, the two Lua scripts that write and read them, and the messages those
 * scripts publish. Centrifugo's stream rules, as {@link Stream} keeps them in memory: offsets from
 * 1, an epoch that is new whenever the channel's position is, at most {@link StreamLimits#size()}
 * publications none older than {@link StreamLimits#ttl()}, the position forgotten {@link
 * StreamLimits#metaTtl()} after the last publication.
 *
 * <p>Per channel C:
 * <pre>
 *   throng:history:meta:C     hash   epoch, top        PEXPIRE meta TTL, from the last publication (or its making)
 *   throng:history:stream:C   stream ID = offset-0, fields t (Redis TIME, ms) and d (the payload)
 *                                                      MAXLEN size; older than the TTL trimmed; PEXPIRE TTL
 *   throng:stored:C           channel: a stored publication, "offset epoch payload"
 * </pre>
 *
 * <p>Why scripts: a script runs alone in Redis, so numbering, storing and publishing a publication
 * is one step that no other node's publication or read falls into; and a read publishes its answer
 * to the asking node's own channel inside that step, so on the node's subscriber connection (Redis
 * writes one connection's messages in the order the PUBLISHes ran) every stored publication
 * numbered before the read comes before the answer, and every later one after it: the ordering
 * {@code SharedHistory} promises a recovering subscriber. Redis 6.2 or later (XTRIM MINID, exclusive
 * ranges).
 *
 * <p>Threads: none of its own; pure functions, used by the link thread (scripts' arguments) and the
 * session's reader (the messages).
 */
final class RedisHistory {
    /** The prefix of the channel that carries C's stored publications (a channel apart: plain PUBLISH to C stays raw). */
    static final String STORED_PREFIX = "throng:stored:";
    static final String META_PREFIX = "throng:history:meta:";
    static final String STREAM_PREFIX = "throng:history:stream:";
    /**
     * Publication bytes one answer carries at most: a recovery that needs more fails (the client
     * reloads), a read is cut there. 4 MiB, a quarter of the prefork hub's 16 MiB: 300
     * publications (Centrifugo's recovery default) of 13 KB each. Lower than the hub's because
     * Redis runs one script at a time for every node: the query script copies what it reads
     * several times (the stream's reply into Lua, the answer, the PUBLISH), and 17 MB of it took
     * 0.44 s on the 2-core test machine at a load of 13, during which no node's publish ran, and
     * a script longer than the bus's timeout (2 s by default) breaks the asking node's link. Also
     * under Redis's default soft output limit of a pub/sub connection (8 MB for 60 s).
     */
    static final int ANSWER_BUDGET = 4 << 20;
    /** Bytes counted per publication on top of its data: its offset and length in the answer. */
    private static final int ENTRY_OVERHEAD = 24;

    /** Shared by both scripts: Redis's clock, and dropping the publications older than the TTL. */
    private static final String COMMON = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function id(offset)
              return string.format('%d-0', offset)
            end
            -- the oldest entries first: one is looked at when none is stale (the usual case), then 64 at a time
            local function expire(stream, cutoff)
              local from, count, first = '-', 1, true
              while true do
                local batch = redis.call('XRANGE', stream, from, '+', 'COUNT', count)
                if #batch == 0 then
                  redis.call('DEL', stream)
                  return
                end
                for _, e in ipairs(batch) do
                  if tonumber(e[2][2]) >= cutoff then
                    if not first then
                      redis.call('XTRIM', stream, 'MINID', e[1])
                    end
                    return
                  end
                  first = false
                end
                from = '(' .. batch[#batch][1]
                count = 64
              end
            end
            -- the channel's epoch and top, the meta made with the node's epoch (and no stream) if there is none
            local function position(meta, stream, epoch, metaTtl)
              local m = redis.call('HMGET', meta, 'epoch', 'top')
              if m[1] then
                return m[1], tonumber(m[2]), false
              end
              redis.call('DEL', stream)
              redis.call('HSET', meta, 'epoch', epoch, 'top', 0)
              redis.call('PEXPIRE', meta, metaTtl)
              return epoch, 0, true
            end
            """;

    /**
     * KEYS: meta, stream. ARGV: a new epoch, size, TTL ms, meta TTL ms, the stored channel, the
     * payload. Numbers, stores and publishes one publication; returns its offset.
     */
    static final String STORE = COMMON + """
            local meta, stream = KEYS[1], KEYS[2]
            local epoch = position(meta, stream, ARGV[1], ARGV[4])
            local top = redis.call('HINCRBY', meta, 'top', 1)
            local now = now_ms()
            redis.call('XADD', stream, 'MAXLEN', ARGV[2], id(top), 't', now, 'd', ARGV[6])
            expire(stream, now - tonumber(ARGV[3]))
            redis.call('PEXPIRE', stream, ARGV[3])
            redis.call('PEXPIRE', meta, ARGV[4])
            redis.call('PUBLISH', ARGV[5], string.format('%d', top) .. ' ' .. epoch .. ' ' .. ARGV[6])
            return top
            """;

    /**
     * KEYS: meta, stream. ARGV: mode (P position, R recover, H history read), a new epoch, TTL ms,
     * meta TTL ms, offset, the client's epoch, limit, reverse (0/1), the node's own channel, the
     * query id, the answer's budget. Publishes the answer to the node's channel; returns 1.
     */
    static final String QUERY = COMMON + """
            -- up to limit entries (negative: all) walking from 'from' towards 'to', within budget bytes; true if cut there.
            -- 16 a step: past the budget at most 15 more publications are read for nothing
            local function walk(cmd, stream, from, to, limit, budget)
              local out, bytes = {}, 0
              while limit < 0 or #out < limit do
                local n = 16
                if limit >= 0 then n = math.min(n, limit - #out) end
                local got = redis.call(cmd, stream, from, to, 'COUNT', n)
                for _, e in ipairs(got) do
                  bytes = bytes + %d + #e[2][4]
                  if bytes > budget then return out, true end
                  out[#out + 1] = e
                end
                if #got < n then break end
                from = '(' .. got[#got][1]
              end
              return out, false
            end
            local meta, stream = KEYS[1], KEYS[2]
            local mode, budget = ARGV[1], tonumber(ARGV[11])
            local epoch, top = position(meta, stream, ARGV[2], ARGV[4])
            if mode ~= 'P' then expire(stream, now_ms() - tonumber(ARGV[3])) end
            local recovered, entries = 0, {}
            if mode == 'R' then
              local offset, max = tonumber(ARGV[5]), tonumber(ARGV[7])
              if epoch == ARGV[6] and offset >= 0 and offset <= top then
                if offset == top then
                  recovered = 1
                elseif top - offset <= max then
                  local got, cut = walk('XRANGE', stream, id(offset + 1), '+', top - offset, budget)
                  if not cut and #got == top - offset and got[1][1] == id(offset + 1) then
                    recovered, entries = 1, got
                  end
                end
              end
            elseif mode == 'H' then
              local since, limit = tonumber(ARGV[5]), tonumber(ARGV[7])
              if ARGV[8] == '1' then
                if since < 0 then
                  entries = walk('XREVRANGE', stream, '+', '-', limit, budget)
                elseif since > 1 then
                  entries = walk('XREVRANGE', stream, '(' .. id(since), '-', limit, budget)
                end
              elseif since > 0 then
                entries = walk('XRANGE', stream, '(' .. id(since), '+', limit, budget)
              else
                entries = walk('XRANGE', stream, '-', '+', limit, budget)
              end
            end
            local parts = {ARGV[10], ' ', recovered, ' ', string.format('%%d', top), ' ', #entries, ' ', epoch, '\\n'}
            for _, e in ipairs(entries) do
              local d = e[2][4]
              parts[#parts + 1] = string.match(e[1], '^%%d+') .. ' ' .. #d .. '\\n'
              parts[#parts + 1] = d
            end
            redis.call('PUBLISH', ARGV[9], table.concat(parts))
            return 1
            """.formatted(ENTRY_OVERHEAD);

    private RedisHistory() {
    }

    static byte[] metaKey(String channel) {
        return bytes(META_PREFIX + channel);
    }

    static byte[] streamKey(String channel) {
        return bytes(STREAM_PREFIX + channel);
    }

    static byte[] storedChannel(String channel) {
        return bytes(STORED_PREFIX + channel);
    }

    /** Channel names are bytes as the bus has always sent them (ISO-8859-1 of the name's chars). */
    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * An epoch for a channel whose position this node makes: Centrifugo's memory engine's kind, 8
     * random letters (52^8, so that a client's old epoch matches a new stream with odds of 1 in 5e13).
     */
    static String newEpoch() {
        char[] c = new char[8];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < c.length; i++) {
            int k = r.nextInt(52);
            c[i] = (char) (k < 26 ? 'a' + k : 'A' + k - 26);
        }
        return new String(c);
    }

    static List<byte[]> storeArgs(String channel, StreamLimits limits, byte[] payload) {
        return List.of(bytes(newEpoch()), number(limits.size()), number(limits.ttl().toMillis()),
                number(Math.max(limits.ttl().toMillis(), limits.metaTtl().toMillis())), storedChannel(channel), payload);
    }

    static List<byte[]> queryArgs(HistoryQuery q, byte[] ownChannel, long queryId) {
        String mode = switch (q.mode()) {
            case POSITION -> "P";
            case RECOVER -> "R";
            case READ -> "H";
        };
        StreamLimits limits = q.limits();
        return List.of(bytes(mode), bytes(newEpoch()), number(limits.ttl().toMillis()),
                number(Math.max(limits.ttl().toMillis(), limits.metaTtl().toMillis())), number(q.offset()),
                q.epoch().getBytes(StandardCharsets.UTF_8), number(q.limit()), number(q.reverse() ? 1 : 0), ownChannel,
                number(queryId), number(ANSWER_BUDGET));
    }

    private static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    /** A stored publication as the store script publishes it. */
    record Stored(long offset, String epoch, ByteBuffer payload) {
    }

    /** Reads "offset epoch payload"; null if {@code message} is not one (someone else published on the stored channel). */
    static Stored stored(byte[] message) {
        int space = indexOf(message, (byte) ' ', 0);
        int second = space < 0 ? -1 : indexOf(message, (byte) ' ', space + 1);
        if (second < 0) {
            return null;
        }
        long offset = parse(message, 0, space);
        if (offset < 1) {
            return null;
        }
        String epoch = new String(message, space + 1, second - space - 1, StandardCharsets.US_ASCII);
        return new Stored(offset, epoch, ByteBuffer.wrap(message, second + 1, message.length - second - 1));
    }

    /** A query's answer as the query script publishes it. */
    record Answer(long queryId, HistoryAnswer answer) {
    }

    /**
     * Reads "id recovered top count epoch\n" and count times "offset length\n" + data; throws
     * IllegalArgumentException if {@code message} is not one.
     */
    static Answer answer(byte[] message) {
        int eol = indexOf(message, (byte) '\n', 0);
        if (eol < 0) {
            throw new IllegalArgumentException("no header line");
        }
        String[] head = new String(message, 0, eol, StandardCharsets.US_ASCII).split(" ", 5);
        if (head.length != 5) {
            throw new IllegalArgumentException("a header of " + head.length + " fields");
        }
        long id = Long.parseLong(head[0]);
        boolean recovered = head[1].equals("1");
        long top = Long.parseLong(head[2]);
        int count = Integer.parseInt(head[3]);
        if (count < 0 || count > message.length) {
            throw new IllegalArgumentException(count + " publications in " + message.length + " B");
        }
        List<Stream.Entry> entries = new ArrayList<>(count);
        int at = eol + 1;
        for (int i = 0; i < count; i++) {
            int space = indexOf(message, (byte) ' ', at);
            int end = space < 0 ? -1 : indexOf(message, (byte) '\n', space + 1);
            if (end < 0) {
                throw new IllegalArgumentException("publication " + i + " has no header");
            }
            long offset = parse(message, at, space);
            long length = parse(message, space + 1, end);
            if (offset < 1 || length < 0 || length > message.length - end - 1) {
                throw new IllegalArgumentException("publication " + i + ": offset " + offset + ", " + length + " B");
            }
            byte[] data = new byte[(int) length];
            System.arraycopy(message, end + 1, data, 0, data.length);
            entries.add(new Stream.Entry(offset, 0, data));
            at = end + 1 + data.length;
        }
        return new Answer(id, new HistoryAnswer(null, head[4], top, recovered, entries));
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    /** The decimal number in b[from, to), or -1 if there is none (empty, not digits, or too long for a long). */
    private static long parse(byte[] b, int from, int to) {
        if (to <= from || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }
}
