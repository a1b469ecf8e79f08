package io.throng.core.engine;

import io.throng.core.buffer.BufferCache;
import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.Scratch;
import io.throng.core.transport.TransportSocket;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes a connection has been given to write and the socket has not taken yet: a chain of
 * pooled chunks (linked through the chunks themselves, no node objects), their count against the
 * water marks and the cap, and at most one write in flight.
 *
 * <p>Chunks grow from 256 B to 64 KiB as a burst goes on, so one small reply costs one small chunk
 * and a large one few system calls. The queue is written with one gathering write of up to
 * {@code iov.length} chunks, optionally followed by an extra buffer that was never queued (a
 * shared frame, or a large direct buffer written straight from the caller's memory).
 *
 * <p><b>Borrowed bytes.</b> Bytes that never change (a frame encoded once for many connections,
 * {@link io.throng.core.Connection#writeImmutable}) are linked in as a {@link PooledBuffer#borrow
 * borrowed view} rather than copied, so a broadcast that finds every socket busy (all of them, on a
 * completion transport, when the publisher is not the loop) costs each connection a view, not a
 * chunk. Nothing is ever appended into a view, and views go back to no pool. A socket that
 * {@link TransportSocket#sendsInPlace sends in place} is given them one by one, to send from their
 * memory; other sockets gather them like chunks.
 *
 * <p><b>A write in flight</b> ({@link #beginWrite} .. {@link #endWrite}) is one that runs outside
 * the connection's lock: a blocking socket's write under thread-per-connection, or a completion
 * transport's send, which the kernel finishes later. The chunks it gathered are pinned: the last
 * one does not grow (new bytes go to a new chunk) and none is released until it ends; a
 * non-blocking flush is refused meanwhile, so bytes never go out of order.
 *
 * <p><b>Threads.</b> Not thread-safe: the connection calls it under its lock, which is this
 * object's monitor (private to the engine, so a user's {@code synchronized (connection)} cannot
 * stall it). {@link #isWritable()} alone is read without the lock.
 */
final class WriteQueue {
    /** The first chunk of a burst: most replies are small. */
    static final int FIRST_CHUNK = 256;
    /** Chunks double up to this: bigger ones would cost a size class the pool rarely has free. */
    static final int MAX_CHUNK = 64 * 1024;

    /** What {@link #append} reports, besides copying. */
    static final int BECAME_UNWRITABLE = 1;
    static final int OVER_CAP = 2;

    private PooledBuffer head;
    private PooledBuffer tail;
    /** The last chunk the write in flight gathered, or null when none is in flight. */
    private PooledBuffer pinned;
    private long queued;
    /** Borrowed views in the chain. */
    private int borrowed;
    private volatile boolean unwritable;
    /** The queue drained to the low mark after crossing the high one: onWritable is owed. */
    private boolean writableOwed;

    long queued() {
        return queued;
    }

    boolean isEmpty() {
        return head == null;
    }

    /** False above the high water mark, until drained to the low one. Any thread, without the lock. */
    boolean isWritable() {
        return !unwritable;
    }

    /** Whether a write outside the lock is under way. */
    boolean writing() {
        return pinned != null;
    }

    /**
     * Copies {@code length} bytes from {@code src}'s position (advancing it), or from {@code arr}
     * at {@code offset} if {@code src} is null, to the end of the queue. Chunks come from
     * {@code cache} if given (the caller's own thread cache), else from {@code pool}. Returns
     * {@link #BECAME_UNWRITABLE} and/or {@link #OVER_CAP} as the count crossed the marks.
     */
    int append(ByteBuffer src, byte[] arr, int offset, int length, WriteLimits limits, BufferCache cache, BufferPool pool) {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        int done = 0;
        while (done < length) {
            PooledBuffer t = tail;
            ByteBuffer tb;
            int room;
            if (t != null && t != pinned && !t.borrowed() && (room = (tb = t.buffer()).capacity() - tb.limit()) > 0) {
                int k = Math.min(room, length - done);
                int at = tb.limit();
                tb.limit(at + k);
                if (src != null) {
                    tb.put(at, src, src.position(), k);
                    src.position(src.position() + k);
                } else {
                    tb.put(at, arr, offset + done, k);
                }
                done += k;
                continue;
            }
            int want = Math.min(MAX_CHUNK, Math.max(length - done, t == null || t.borrowed() ? FIRST_CHUNK : t.capacity() * 2));
            PooledBuffer b = cache != null ? cache.acquire(want) : pool.acquire(want);
            b.buffer().limit(0);
            if (t == null) {
                head = b;
            } else {
                t.next(b);
            }
            tail = b;
        }
        return counted(length, limits);
    }

    /**
     * Links {@code view} (direct bytes that never change, taken as the view's own: see
     * {@link PooledBuffer#borrow}) to the end of the queue without copying it. Reports as
     * {@link #append}.
     */
    int appendBorrowed(ByteBuffer view, WriteLimits limits) {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        int length = view.remaining();
        PooledBuffer b = PooledBuffer.borrow(view);
        borrowed++;
        if (tail == null) {
            head = b;
        } else {
            tail.next(b);
        }
        tail = b;
        return counted(length, limits);
    }

    private int counted(int length, WriteLimits limits) {
        queued += length;
        int events = 0;
        if (!unwritable && queued > limits.high()) {
            unwritable = true;
            writableOwed = false;
            events |= BECAME_UNWRITABLE;
        }
        if (queued > limits.cap()) {
            events |= OVER_CAP;
        }
        return events;
    }

    /**
     * Writes the queue, then {@code extra} if given, with one gathering write, as far as the
     * non-blocking socket takes it. Returns the bytes written (queue and extra together);
     * {@code extra}'s position shows how much of it went. Refused (returns 0) while a write is in
     * flight, whose bytes must go first.
     */
    long flush(TransportSocket socket, Scratch scratch, ByteBuffer[] iov, long[] bases, ByteBuffer extra,
               WriteLimits limits, BufferCache cache, BufferPool pool) throws IOException {
        return flush(socket, scratch, iov, bases, extra, false, limits, cache, pool);
    }

    /**
     * As above; {@code extraImmutable}: {@code extra}'s bytes never change, so a socket that sends in
     * place may keep it until they are sent.
     */
    long flush(TransportSocket socket, Scratch scratch, ByteBuffer[] iov, long[] bases, ByteBuffer extra,
               boolean extraImmutable, WriteLimits limits, BufferCache cache, BufferPool pool) throws IOException {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        if (pinned != null || (head == null && extra == null)) {
            return 0;
        }
        long written;
        int extraBefore = extra == null ? 0 : extra.position();
        if ((borrowed > 0 || extraImmutable && extra != null && extra.isDirect()) && socket.sendsInPlace()) {
            written = flushInPlace(socket, scratch, iov, bases, extra, extraImmutable, head);
        } else if (head == null) {
            written = socket.write(scratch, extra, 0);
        } else if (head.next() == null && extra == null) {
            written = socket.write(scratch, head.buffer(), head.address());
        } else {
            int count = 0;
            PooledBuffer b = head;
            for (; b != null && count < iov.length; b = b.next()) {
                bases[count] = b.address();
                iov[count++] = b.buffer();
            }
            boolean withExtra = extra != null && b == null && count < iov.length;
            if (withExtra) {
                bases[count] = 0;
                iov[count++] = extra;
            }
            try {
                written = socket.write(scratch, iov, bases, 0, count);
            } finally {
                for (int i = 0; i < count; i++) {
                    iov[i] = null; // the arrays are the thread's; the chunks may go back to the pool
                }
            }
        }
        long fromExtra = extra == null ? 0 : extra.position() - extraBefore;
        consumed(written - fromExtra, limits, cache, pool);
        return written;
    }

    /**
     * The flush of a socket that sends in place: runs of the queue's own chunks gathered as usual,
     * each borrowed view (and an immutable {@code extra}) handed over alone, to be sent from its
     * memory; in order, up to the first the socket does not take whole.
     */
    private static long flushInPlace(TransportSocket socket, Scratch scratch, ByteBuffer[] iov, long[] bases, ByteBuffer extra,
                                     boolean extraImmutable, PooledBuffer head) throws IOException {
        long written = 0;
        PooledBuffer b = head;
        while (b != null) {
            if (b.borrowed()) {
                ByteBuffer v = b.buffer();
                int want = v.remaining();
                long n = socket.writeInPlace(scratch, v, b.address());
                written += n;
                if (n < want) {
                    return written;
                }
                b = b.next();
                continue;
            }
            int count = 0;
            long want = 0;
            for (; b != null && !b.borrowed() && count < iov.length; b = b.next()) {
                bases[count] = b.address();
                ByteBuffer cb = b.buffer();
                want += cb.remaining();
                iov[count++] = cb;
            }
            long n;
            try {
                n = socket.write(scratch, iov, bases, 0, count);
            } finally {
                for (int i = 0; i < count; i++) {
                    iov[i] = null;
                }
            }
            written += n;
            if (n < want) {
                return written;
            }
        }
        if (extra != null) {
            written += extraImmutable && extra.isDirect() ? socket.writeInPlace(scratch, extra, 0) : socket.write(scratch, extra, 0);
        }
        return written;
    }

    /**
     * Starts a write outside the lock: gathers up to {@code iov.length} queued chunks, pins them
     * and returns how many (0 if the queue is empty or a write is already in flight).
     */
    int beginWrite(ByteBuffer[] iov, long[] bases) {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        if (pinned != null || head == null) {
            return 0;
        }
        int count = 0;
        for (PooledBuffer b = head; b != null && count < iov.length; b = b.next()) {
            bases[count] = b.address();
            iov[count++] = b.buffer();
            pinned = b;
        }
        return count;
    }

    /** The write in flight ended having written {@code written} bytes: unpins and releases what went. */
    void endWrite(long written, WriteLimits limits, BufferCache cache, BufferPool pool) {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        pinned = null;
        consumed(written, limits, cache, pool);
    }

    /** {@code n} queued bytes were written (the chunks' positions show which): releases spent chunks. */
    private void consumed(long n, WriteLimits limits, BufferCache cache, BufferPool pool) {
        queued -= n;
        PooledBuffer b = head;
        while (b != null && !b.buffer().hasRemaining() && b != pinned) {
            if (b.borrowed()) {
                borrowed--;
            }
            PooledBuffer next = b.next();
            b.next(null);
            release(b, cache, pool);
            b = next;
        }
        head = b;
        if (b == null) {
            tail = null;
        }
        if (unwritable && queued <= limits.low()) {
            unwritable = false;
            writableOwed = true;
        }
    }

    /** Whether an onWritable is owed (without taking it). */
    boolean writableOwed() {
        return writableOwed && !unwritable;
    }

    /** Owes the onWritable again (the serial context put it off to the loop's next turn). */
    void oweWritable() {
        if (!unwritable) {
            writableOwed = true;
        }
    }

    /** Takes the owed onWritable, if any: true once per drain below the low mark. */
    boolean takeWritableOwed() {
        boolean owed = writableOwed && !unwritable;
        writableOwed = false;
        return owed;
    }

    /**
     * Takes the whole chain out (the connection is closing without writing it); the caller
     * releases it with {@link #releaseChain}. With a write in flight, nothing is taken: its writer
     * gives the queue back when it ends ({@link #discardAfterWrite}).
     */
    PooledBuffer detach() {
        assert Thread.holdsLock(this) : "the write queue is used under its connection's lock";
        if (pinned != null) {
            return null;
        }
        PooledBuffer h = head;
        head = null;
        tail = null;
        queued = 0;
        borrowed = 0;
        return h;
    }

    /** The write in flight ended on a closed connection: unpins and takes the whole chain out. */
    PooledBuffer discardAfterWrite() {
        pinned = null;
        return detach();
    }

    static void releaseChain(PooledBuffer b, BufferCache cache, BufferPool pool) {
        while (b != null) {
            PooledBuffer next = b.next();
            b.next(null);
            release(b, cache, pool);
            b = next;
        }
    }

    private static void release(PooledBuffer b, BufferCache cache, BufferPool pool) {
        if (b.borrowed()) {
            return; // no pool's: dropped, and with it the bytes it kept
        }
        if (cache != null) {
            cache.release(b);
        } else {
            pool.release(b);
        }
    }

    /** The marks and the cap a queue is held to: the engine's, shared by its connections. */
    record WriteLimits(long low, long high, long cap) {
    }
}
