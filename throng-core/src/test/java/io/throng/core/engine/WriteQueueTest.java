package io.throng.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.throng.core.buffer.BufferPool;
import io.throng.core.buffer.PooledBuffer;
import io.throng.core.transport.MemorySocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The write queue alone, against a socket in memory that takes as much as the test allows. */
class WriteQueueTest {
    private static final WriteQueue.WriteLimits LIMITS = new WriteQueue.WriteLimits(1024, 4096, 64 * 1024);

    private final BufferPool pool = new BufferPool(1 << 20);
    private final MemorySocket socket = new MemorySocket();
    private final WriteQueue queue = new WriteQueue();
    private final ByteBuffer[] iov = new ByteBuffer[16];
    private final long[] bases = new long[16];

    @AfterEach
    void everyChunkBack() {
        WriteQueue.releaseChain(detach(), null, pool);
        assertThat(pool.stats().lentBuffers()).as("chunks still lent").isZero();
        pool.close();
    }

    // The queue is used under its connection's lock (asserted): the helpers take it.

    private int append(byte[] bytes) {
        synchronized (queue) {
            return queue.append(null, bytes, 0, bytes.length, LIMITS, null, pool);
        }
    }

    private void appendRest(ByteBuffer extra) {
        synchronized (queue) {
            queue.append(extra, null, 0, extra.remaining(), LIMITS, null, pool);
        }
    }

    private long flush(ByteBuffer extra) throws IOException {
        synchronized (queue) {
            return queue.flush(socket, null, iov, bases, extra, LIMITS, null, pool);
        }
    }

    private long flushImmutable(ByteBuffer extra) throws IOException {
        synchronized (queue) {
            return queue.flush(socket, null, iov, bases, extra, true, LIMITS, null, pool);
        }
    }

    private int borrow(ByteBuffer frame) {
        synchronized (queue) {
            return queue.appendBorrowed(frame.duplicate(), LIMITS);
        }
    }

    private static ByteBuffer direct(byte[] content) {
        return ByteBuffer.allocateDirect(content.length).put(content).flip();
    }

    private int beginWrite() {
        synchronized (queue) {
            return queue.beginWrite(iov, bases);
        }
    }

    private void endWrite(long n) {
        synchronized (queue) {
            queue.endWrite(n, LIMITS, null, pool);
        }
    }

    private PooledBuffer detach() {
        synchronized (queue) {
            return queue.detach();
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return b;
    }

    @Test
    void whatIsAppendedIsWrittenInOrderAndEveryChunkGoesBack() throws IOException {
        byte[] a = bytes(100, 1);
        byte[] b = bytes(3000, 2); // spills over the first 256 B chunk into bigger ones
        append(a);
        append(b);
        assertThat(queue.queued()).isEqualTo(3100);
        assertThat(pool.stats().lentBuffers()).as("256 B, then doubling").isBetween(2L, 4L);
        assertThat(flush(null)).isEqualTo(3100);
        assertThat(socket.writeCalls()).as("one gathering write").isEqualTo(1);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(a);
        expected.writeBytes(b);
        assertThat(socket.takeWritten()).isEqualTo(expected.toByteArray());
        assertThat(queue.isEmpty()).isTrue();
        assertThat(pool.stats().lentBuffers()).isZero();
    }

    @Test
    void aSocketThatTakesLittleKeepsTheRestInOrder() throws IOException {
        byte[] all = bytes(10_000, 7);
        append(all);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int take : new int[] {1, 0, 255, 1000, 3, 4096, 100_000}) {
            socket.allowWrites(take);
            long n = flush(null);
            assertThat(n).isEqualTo(Math.min(take, all.length - out.size()));
            out.writeBytes(socket.takeWritten());
            assertThat(queue.queued()).isEqualTo(all.length - out.size());
        }
        assertThat(out.toByteArray()).isEqualTo(all);
    }

    @Test
    void crossingTheHighMarkTurnsUnwritableAndDrainingToTheLowOneOwesOneOnWritable() throws IOException {
        assertThat(append(bytes(4000, 0))).isZero();
        assertThat(queue.isWritable()).isTrue();
        assertThat(append(bytes(200, 0))).isEqualTo(WriteQueue.BECAME_UNWRITABLE);
        assertThat(append(bytes(200, 0))).as("reported once").isZero();
        assertThat(queue.isWritable()).isFalse();

        socket.allowWrites(3000); // 4400 -> 1400: still above the low mark
        flush(null);
        assertThat(queue.isWritable()).isFalse();
        assertThat(queue.takeWritableOwed()).isFalse();
        socket.allowWrites(400); // 1400 -> 1000: at the low mark
        flush(null);
        assertThat(queue.isWritable()).isTrue();
        assertThat(queue.writableOwed()).isTrue();
        assertThat(queue.takeWritableOwed()).isTrue();
        assertThat(queue.takeWritableOwed()).as("once per drain").isFalse();
        socket.allowWrites(Long.MAX_VALUE);
        flush(null);
        socket.takeWritten();
    }

    @Test
    void pastTheCapAppendSaysSo() {
        int events = 0;
        for (int i = 0; i < 17; i++) {
            events |= append(bytes(4096, i));
        }
        assertThat(events & WriteQueue.OVER_CAP).isEqualTo(WriteQueue.OVER_CAP);
        assertThat(queue.queued()).isGreaterThan(LIMITS.cap());
    }

    @Test
    void anExtraBufferGoesBehindTheQueueAndIsNeverCopiedByTheFlush() throws IOException {
        ByteBuffer extra = ByteBuffer.wrap(bytes(500, 9));
        assertThat(flush(extra)).as("queue empty: the extra alone").isEqualTo(500);
        assertThat(extra.hasRemaining()).isFalse();
        assertThat(socket.takeWritten()).isEqualTo(bytes(500, 9));
        assertThat(queue.queued()).isZero();

        append(bytes(300, 1));
        extra = ByteBuffer.wrap(bytes(500, 9));
        socket.allowWrites(450); // the queue's 300, then 150 of the extra
        assertThat(flush(extra)).isEqualTo(450);
        assertThat(extra.position()).as("what of the extra went").isEqualTo(150);
        assertThat(queue.queued()).as("the extra was never queued").isZero();
        byte[] out = socket.takeWritten();
        assertThat(java.util.Arrays.copyOf(out, 300)).isEqualTo(bytes(300, 1));
        assertThat(java.util.Arrays.copyOfRange(out, 300, 450)).isEqualTo(java.util.Arrays.copyOf(bytes(500, 9), 150));
    }

    @Test
    void aWriteInFlightPinsItsChunksNewBytesGoBehindAndNothingOvertakesIt() throws IOException {
        append(bytes(100, 1));
        int count = beginWrite();
        assertThat(count).isEqualTo(1);
        assertThat(queue.writing()).isTrue();
        assertThat(beginWrite()).as("one write in flight").isZero();
        long lentBefore = pool.stats().lentBuffers();
        append(bytes(50, 2)); // the pinned chunk has room but must not grow
        assertThat(pool.stats().lentBuffers()).as("a new chunk for what came behind").isEqualTo(lentBefore + 1);
        assertThat(flush(null)).as("a flush waits for the write in flight").isZero();
        assertThat(socket.writeCalls()).isZero();
        assertThat(detach()).as("the writer gives the queue back, not a closer").isNull();

        long n = socket.write(null, iov, bases, 0, count); // the write "outside the lock"
        iov[0] = null;
        endWrite(n);
        assertThat(queue.writing()).isFalse();
        assertThat(queue.queued()).isEqualTo(50);
        flush(null);
        byte[] out = socket.takeWritten();
        assertThat(java.util.Arrays.copyOf(out, 100)).isEqualTo(bytes(100, 1));
        assertThat(java.util.Arrays.copyOfRange(out, 100, 150)).isEqualTo(bytes(50, 2));
    }

    @Test
    void aWriteInFlightThatEndsOnAClosedConnectionGivesEverythingBack() {
        append(bytes(5000, 3));
        beginWrite();
        append(bytes(10, 4));
        PooledBuffer chain;
        synchronized (queue) {
            chain = queue.discardAfterWrite();
        }
        assertThat(chain).isNotNull();
        WriteQueue.releaseChain(chain, null, pool);
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.queued()).isZero();
    }

    @Test
    void borrowedBytesAreLinkedNotCopiedNeverGrownIntoAndGoBackToNoPool() throws IOException {
        ByteBuffer frame = ByteBuffer.allocateDirect(1000);
        frame.put(bytes(1000, 5)).position(100).limit(600); // room after the limit, which must stay untouched
        assertThat(borrow(frame)).isZero();
        assertThat(queue.queued()).isEqualTo(500);
        assertThat(pool.stats().lentBuffers()).as("no chunk: a view of the frame").isZero();
        append(bytes(50, 1));
        assertThat(pool.stats().lentBuffers()).as("bytes behind a view go to a chunk of their own").isEqualTo(1);
        for (int i = 600; i < 1000; i++) {
            assertThat(frame.duplicate().clear().get(i)).isEqualTo(bytes(1000, 5)[i]);
        }
        assertThat(frame.position()).isEqualTo(100);
        socket.allowWrites(200);
        assertThat(flush(null)).isEqualTo(200);
        socket.allowWrites(Long.MAX_VALUE);
        assertThat(flush(null)).isEqualTo(350);
        byte[] out = socket.takeWritten();
        assertThat(java.util.Arrays.copyOf(out, 500)).isEqualTo(java.util.Arrays.copyOfRange(bytes(1000, 5), 100, 600));
        assertThat(java.util.Arrays.copyOfRange(out, 500, 550)).isEqualTo(bytes(50, 1));
        assertThat(frame.position()).as("the caller's buffer is never moved").isEqualTo(100);
        assertThat(pool.stats().lentBuffers()).isZero();
        assertThatThrownBy(() -> pool.release(io.throng.core.buffer.PooledBuffer.borrow(frame.duplicate())))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSocketThatSendsInPlaceIsHandedTheBorrowedBytesThemselvesInOrder() throws IOException {
        socket.sendInPlace(true);
        ByteBuffer frame = direct(bytes(700, 3));
        ByteBuffer last = direct(bytes(300, 4));
        append(bytes(100, 1));
        borrow(frame);
        append(bytes(40, 2));
        assertThat(flushImmutable(last)).isEqualTo(1140);
        assertThat(socket.inPlaceWrites()).as("the view and the immutable extra, not copied").isEqualTo(2);
        assertThat(socket.writeCalls()).as("the two runs of chunks gathered, the two in place").isEqualTo(4);
        frame.put(0, (byte) 99); // (against the contract, to show the socket kept the memory, not a copy)
        byte[] out = socket.takeWritten();
        assertThat(out[100]).isEqualTo((byte) 99);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(bytes(100, 1));
        byte[] f = bytes(700, 3);
        f[0] = 99;
        expected.writeBytes(f);
        expected.writeBytes(bytes(40, 2));
        expected.writeBytes(bytes(300, 4));
        assertThat(out).isEqualTo(expected.toByteArray());
        assertThat(queue.isEmpty()).isTrue();

        borrow(frame);
        append(bytes(10, 6));
        socket.allowWrites(300); // part of the view: nothing behind it goes
        assertThat(flush(null)).isEqualTo(300);
        assertThat(queue.queued()).isEqualTo(410);
        socket.allowWrites(Long.MAX_VALUE);
        assertThat(flush(null)).isEqualTo(410);
        assertThat(java.util.Arrays.copyOfRange(socket.takeWritten(), 700, 710)).isEqualTo(bytes(10, 6));
    }

    @Test
    void randomAppendsAndRandomSocketsLoseNothingAndReorderNothing() throws IOException {
        randomRounds(false);
    }

    @Test
    void withBorrowedBytesAndASocketThatSendsInPlaceTooLoseNothingAndReorderNothing() throws IOException {
        socket.sendInPlace(true);
        randomRounds(true);
    }

    private void randomRounds(boolean borrowing) throws IOException {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            ByteArrayOutputStream in = new ByteArrayOutputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int step = 0; step < 30; step++) {
                if (random.nextInt(3) > 0) {
                    byte[] b = bytes(1 + random.nextInt(random.nextBoolean() ? 100 : 20_000), random.nextInt());
                    in.writeBytes(b);
                    if (borrowing && random.nextBoolean()) {
                        borrow(direct(b));
                    } else {
                        append(b);
                    }
                } else {
                    socket.allowWrites(random.nextInt(30_000));
                    ByteBuffer extra = random.nextInt(4) == 0 ? extra(in, random) : null;
                    if (borrowing && random.nextBoolean()) {
                        flushImmutable(extra);
                    } else {
                        flush(extra);
                    }
                    if (extra != null && extra.hasRemaining()) {
                        // what the socket refused of it is queued, as the engine does
                        appendRest(extra);
                    }
                    out.writeBytes(socket.takeWritten());
                }
            }
            socket.allowWrites(Long.MAX_VALUE);
            flush(null);
            out.writeBytes(socket.takeWritten());
            assertThat(out.toByteArray()).as("round %d", round).isEqualTo(in.toByteArray());
            assertThat(pool.stats().lentBuffers()).isZero();
        }
        if (borrowing) {
            assertThat(socket.inPlaceWrites()).as("bytes taken in place").isGreaterThan(100);
        }
    }

    /** A direct buffer written behind the queue, recorded as sent after everything appended so far. */
    private static ByteBuffer extra(ByteArrayOutputStream in, Random random) {
        byte[] content = bytes(1 + random.nextInt(9000), random.nextInt());
        in.writeBytes(content);
        return ByteBuffer.allocateDirect(content.length).put(content).flip();
    }
}
