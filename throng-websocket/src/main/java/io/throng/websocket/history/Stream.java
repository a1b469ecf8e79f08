package io.throng.websocket.history;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel's history: its epoch, the offset of its last publication (the top) and the newest
 * publications, at most {@link StreamLimits#size()} of them and none older than {@link
 * StreamLimits#ttl()} (Centrifugo's memory engine, with its rules: offsets start at 1 and grow by
 * one a publication; the epoch is a random 8-letter word, new whenever the stream is).
 *
 * <p>Threads: guarded by its own monitor, which its user holds across an append and the fan-out
 * of that publication, and across a recovery read and the subscription it answers, so that the
 * offsets reach every subscriber in order and a recovered subscriber gets neither a gap nor a
 * duplicate between what it recovers and what comes live. Its users: the Centrifugo handler in one
 * process, the prefork hub for all workers ({@code HubServer}).
 */
public final class Stream {
    /**
     * One stored publication: its offset, when it was stored, and its data (in one process the
     * publication's JSON text; in the hub the payload as published, UTF-8).
     */
    public record Entry(long offset, long storedAtMillis, byte[] data) {
        public String dataJson() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    /** The outcome of a recovery: the publications after the client's offset, or none and recovered false. */
    public record Recovery(boolean recovered, List<Entry> publications) {
        public static final Recovery FAILED = new Recovery(false, List.of());
    }

    public final String epoch;
    private final StreamLimits options;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long top;
    private long touchedMillis;
    /** Forgotten (meta TTL): a thread that still holds it takes a new one from {@link Streams}. */
    public boolean dead;

    public Stream(StreamLimits options, long nowMillis) {
        this.options = options;
        this.epoch = newEpoch();
        this.touchedMillis = nowMillis;
    }

    private static String newEpoch() {
        char[] c = new char[8];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < c.length; i++) {
            int k = r.nextInt(52);
            c[i] = (char) (k < 26 ? 'a' + k : 'A' + k - 26);
        }
        return new String(c);
    }

    /** Stores a publication with the next offset, which it returns. The caller holds the monitor. */
    public long append(byte[] dataJson, long nowMillis) {
        assert Thread.holdsLock(this);
        top++;
        touchedMillis = nowMillis;
        entries.addLast(new Entry(top, nowMillis, dataJson));
        while (entries.size() > options.size()) {
            entries.removeFirst();
        }
        expire(nowMillis);
        return top;
    }

    public StreamLimits options() {
        return options;
    }

    /** The offset of the last publication, 0 before any. */
    public long top() {
        return top;
    }

    /** When it last stored a publication (or was made). */
    public long touchedMillis() {
        return touchedMillis;
    }

    private void expire(long nowMillis) {
        long oldest = nowMillis - options.ttl().toMillis();
        while (!entries.isEmpty() && entries.peekFirst().storedAtMillis() < oldest) {
            entries.removeFirst();
        }
    }

    /**
     * What a client at {@code offset} of {@code clientEpoch} missed (Centrifuge's test): the same
     * epoch, and either nothing missed ({@code offset} is the top) or every publication from
     * {@code offset + 1} to the top still stored and at most {@code max} of them. Anything else
     * fails, with no publications: the client then knows to reload its state.
     */
    public Recovery recover(long offset, String clientEpoch, int max, long nowMillis) {
        assert Thread.holdsLock(this);
        expire(nowMillis);
        if (!epoch.equals(clientEpoch) || offset > top || offset < 0) {
            return Recovery.FAILED;
        }
        if (offset == top) {
            return new Recovery(true, List.of());
        }
        long missed = top - offset;
        if (missed > max || entries.isEmpty() || entries.peekFirst().offset() > offset + 1) {
            return Recovery.FAILED;
        }
        List<Entry> out = new ArrayList<>((int) missed);
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.offset() <= offset) {
                break;
            }
            out.add(e);
        }
        java.util.Collections.reverse(out);
        return new Recovery(true, out);
    }

    /**
     * The history command: up to {@code limit} publications (negative: all kept), oldest first, or
     * newest first if {@code reverse}; with {@code sinceOffset} >= 0, only those after it (before it
     * when reversed). A trimmed offset starts from the oldest kept, as Centrifugo's memory engine does.
     */
    public List<Entry> read(long sinceOffset, int limit, boolean reverse, long nowMillis) {
        assert Thread.holdsLock(this);
        expire(nowMillis);
        List<Entry> out = new ArrayList<>();
        if (limit == 0) {
            return out;
        }
        Iterator<Entry> it = reverse ? entries.descendingIterator() : entries.iterator();
        while (it.hasNext() && (limit < 0 || out.size() < limit)) {
            Entry e = it.next();
            if (sinceOffset >= 0 && (reverse ? e.offset() >= sinceOffset : e.offset() <= sinceOffset)) {
                continue;
            }
            out.add(e);
        }
        return out;
    }

    /** Publications stored now. */
    public int size() {
        return entries.size();
    }
}
