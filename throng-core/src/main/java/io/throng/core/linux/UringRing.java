package io.throng.core.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One io_uring instance: its submission queue (SQ), completion queue (CQ) and the entries (SQEs)
 * both share with the kernel through {@code mmap}. One thread owns it: it prepares entries, makes
 * every {@code io_uring_enter} and reaps completions. Nothing here is thread-safe; other threads
 * reach the owner through an eventfd the owner polls (the transport's wake-up).
 *
 * <p><b>Memory ordering</b> (as liburing, {@code src/queue.c}). The SQEs are plain stores made
 * before the SQ tail is published with a release store, so the kernel, which reads the tail with
 * an acquire load, sees whole entries. The CQ tail is the kernel's: it is read with an acquire load,
 * after which the entries below it are plain reads; our CQ head goes back with a release store once
 * they are read, telling the kernel the slots are free. The SQ head moves only inside our own
 * {@code io_uring_enter} (no SQPOLL thread), so an acquire load after it is enough. Counters are
 * free-running 32-bit integers: {@code tail - head} stays right across the wrap.
 *
 * <p><b>Set-up.</b> {@link #open} asks for the cheapest completion delivery the kernel has, falling
 * back a step on {@code EINVAL}: single issuer with deferred task work (6.1: completions are
 * produced only when the owner asks for them, so no interrupt reaches it while it runs Java code),
 * then cooperative task work (5.19), then none. {@link #setupDescription()} says which was taken.
 * With a single issuer the ring starts disabled and {@link #enable} makes the calling thread its
 * owner (so a ring can be made on one thread and run on another).
 */
public final class UringRing implements AutoCloseable {
    private static final VarHandle U32 = JAVA_INT.varHandle();
    private static final int SQE_SIZE = 64;
    private static final int CQE_SIZE = 16;
    private static final int PARAMS_SIZE = 120;

    /** The flag sets tried in order, and how each is described in the log. */
    private static final int[] SETUPS = {
        Uring.SETUP_SINGLE_ISSUER | Uring.SETUP_DEFER_TASKRUN | Uring.SETUP_TASKRUN_FLAG | Uring.SETUP_SUBMIT_ALL
                | Uring.SETUP_NO_SQARRAY | Uring.SETUP_R_DISABLED,
        Uring.SETUP_SINGLE_ISSUER | Uring.SETUP_DEFER_TASKRUN | Uring.SETUP_TASKRUN_FLAG | Uring.SETUP_SUBMIT_ALL
                | Uring.SETUP_R_DISABLED,
        Uring.SETUP_COOP_TASKRUN | Uring.SETUP_TASKRUN_FLAG | Uring.SETUP_SUBMIT_ALL,
        0,
    };

    private final MemorySegment err;
    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final int setupFlags;
    private final int features;
    private final MemorySegment sq;
    private final MemorySegment cq;
    private final MemorySegment sqes;
    private final long sqMapSize;
    private final long cqMapSize;
    private final long sqesMapSize;
    private final long sqHeadOff;
    private final long sqTailOff;
    private final long sqFlagsOff;
    private final long cqHeadOff;
    private final long cqTailOff;
    private final long cqOverflowOff;
    private final long cqesOff;
    private final int sqEntries;
    private final int sqMask;
    private final int cqEntries;
    private final int cqMask;
    /** {@code io_uring_getevents_arg} (24 B) followed by its {@code __kernel_timespec} (16 B). */
    private final MemorySegment waitArg;

    /** Our copy of the SQ tail: entries prepared; published at submit. */
    private int sqTail;
    /** The tail as last handed to the kernel. */
    private int sqSubmitted;
    /** The kernel's SQ head as last read. */
    private int sqHead;
    /** Our copy of the CQ head. */
    private int cqHead;
    private int enterFd;
    private int enterFlags;
    private Thread owner;
    private boolean closed;
    private long enters;

    private UringRing(MemorySegment err, int fd, int setupFlags, MemorySegment params) throws UringException {
        this.err = err;
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.enterFd = fd;
        this.sqEntries = params.get(JAVA_INT, 0);
        this.cqEntries = params.get(JAVA_INT, 4);
        this.features = params.get(JAVA_INT, 20);
        long sqOff = 40;
        long cqOff = 80;
        sqHeadOff = params.get(JAVA_INT, sqOff);
        sqTailOff = params.get(JAVA_INT, sqOff + 4);
        long sqMaskOff = params.get(JAVA_INT, sqOff + 8);
        sqFlagsOff = params.get(JAVA_INT, sqOff + 16);
        long sqArrayOff = params.get(JAVA_INT, sqOff + 24);
        cqHeadOff = params.get(JAVA_INT, cqOff);
        cqTailOff = params.get(JAVA_INT, cqOff + 4);
        long cqMaskOff = params.get(JAVA_INT, cqOff + 8);
        cqOverflowOff = params.get(JAVA_INT, cqOff + 16);
        cqesOff = params.get(JAVA_INT, cqOff + 20);
        boolean noSqArray = (setupFlags & Uring.SETUP_NO_SQARRAY) != 0;
        // as liburing sizes them (with no SQ array its offset is 0; the CQ's size then covers all)
        long sqSize = sqArrayOff + 4L * sqEntries;
        long cqSize = cqesOff + (long) CQE_SIZE * cqEntries;
        boolean single = (features & Uring.FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqSize = cqSize = Math.max(sqSize, cqSize);
        }
        long sqAddr = Uring.mmap(err, fd, sqSize, Uring.OFF_SQ_RING);
        if (sqAddr < 0) {
            throw new UringException("mmap of the rings", (int) -sqAddr);
        }
        long cqAddr = sqAddr;
        if (!single) {
            cqAddr = Uring.mmap(err, fd, cqSize, Uring.OFF_CQ_RING);
            if (cqAddr < 0) {
                Uring.munmap(err, sqAddr, sqSize);
                throw new UringException("mmap of the completion ring", (int) -cqAddr);
            }
        }
        long sqesSize = (long) SQE_SIZE * sqEntries;
        long sqesAddr = Uring.mmap(err, fd, sqesSize, Uring.OFF_SQES);
        if (sqesAddr < 0) {
            Uring.munmap(err, sqAddr, sqSize);
            if (!single) {
                Uring.munmap(err, cqAddr, cqSize);
            }
            throw new UringException("mmap of the submission entries", (int) -sqesAddr);
        }
        sqMapSize = sqSize;
        cqMapSize = single ? 0 : cqSize;
        sqesMapSize = sqesSize;
        sq = MemorySegment.ofAddress(sqAddr).reinterpret(sqSize);
        cq = MemorySegment.ofAddress(cqAddr).reinterpret(cqSize);
        sqes = MemorySegment.ofAddress(sqesAddr).reinterpret(sqesSize);
        sqMask = sq.get(JAVA_INT, sqMaskOff);
        cqMask = cq.get(JAVA_INT, cqMaskOff);
        if (!noSqArray) {
            // the index array maps ring slot i to entry i once and for all: entries are used in order
            for (int i = 0; i < sqEntries; i++) {
                sq.set(JAVA_INT, sqArrayOff + 4L * i, i);
            }
        }
        sqTail = sqSubmitted = sqHead = (int) U32.getAcquire(sq, sqTailOff);
        cqHead = (int) U32.getAcquire(cq, cqHeadOff);
        waitArg = arena.allocate(40, 8);
        waitArg.set(JAVA_LONG, 16, waitArg.address() + 24);
    }

    /**
     * A ring of at least {@code entries} submission entries ({@code cqEntries} completion entries,
     * 0: the kernel's default of twice as many). {@code err} is the calling thread's errno segment,
     * for the set-up; the ring keeps one of its own.
     */
    public static UringRing open(MemorySegment err, int entries, int cqEntries) throws UringException {
        MemorySegment params = Arena.ofAuto().allocate(PARAMS_SIZE, 8);
        int lastErrno = 0;
        for (int flags : SETUPS) {
            params.fill((byte) 0);
            int f = flags;
            if (cqEntries > 0) {
                f |= Uring.SETUP_CQSIZE | Uring.SETUP_CLAMP;
                params.set(JAVA_INT, 4, cqEntries);
            } else {
                f |= Uring.SETUP_CLAMP;
            }
            params.set(JAVA_INT, 8, f);
            int fd = Uring.setup(err, entries, params);
            if (fd >= 0) {
                try {
                    return new UringRing(Linux.newErrnoSegment(), fd, f, params);
                } catch (UringException e) {
                    Linux.close(err, fd);
                    throw e;
                }
            }
            lastErrno = -fd;
            if (lastErrno != Errno.EINVAL) {
                break; // not a flag this kernel lacks: out of memory, not permitted, disabled
            }
        }
        throw new UringException("io_uring_setup", lastErrno);
    }

    /**
     * Makes the calling thread the ring's owner: enables a ring set up disabled (the single issuer
     * is the thread that enables it) and registers the ring's descriptor with this thread, so each
     * enter skips the descriptor-table lookup (an atomic reference count in a JVM, which is always
     * multi-threaded). Called once, before the first submission.
     */
    public void enable() throws UringException {
        if (owner != null) {
            throw new IllegalStateException("ring already enabled by " + owner);
        }
        if ((setupFlags & Uring.SETUP_R_DISABLED) != 0) {
            int r = Uring.register(err, fd, Uring.REGISTER_ENABLE_RINGS, 0, 0);
            if (r < 0) {
                throw new UringException("io_uring_register(ENABLE_RINGS)", -r);
            }
        }
        MemorySegment update = arena.allocate(16, 8);
        update.set(JAVA_INT, 0, -1); // offset -1: the kernel picks the slot
        update.set(JAVA_LONG, 8, fd);
        int r = Uring.register(err, fd, Uring.REGISTER_RING_FDS, update.address(), 1);
        if (r == 1) {
            enterFd = update.get(JAVA_INT, 0);
            enterFlags = Uring.ENTER_REGISTERED_RING;
        } // else (before 5.18, or 16 rings already registered by this thread): enter by descriptor
        owner = Thread.currentThread();
    }

    private boolean ownerThread() {
        return owner == null || owner == Thread.currentThread();
    }

    /** What the kernel granted, for the log line: "single issuer, deferred task work", ... */
    public String setupDescription() {
        String how;
        if ((setupFlags & Uring.SETUP_DEFER_TASKRUN) != 0) {
            how = "single issuer, deferred task work";
        } else if ((setupFlags & Uring.SETUP_COOP_TASKRUN) != 0) {
            how = "cooperative task work";
        } else {
            how = "plain (no task-work flags)";
        }
        return how + ", " + sqEntries + " SQ / " + cqEntries + " CQ entries"
                + ((setupFlags & Uring.SETUP_NO_SQARRAY) != 0 ? ", no SQ array" : "")
                + (enterFlags != 0 ? ", registered ring" : "");
    }

    public int setupFlags() {
        return setupFlags;
    }

    public int features() {
        return features;
    }

    public int sqEntries() {
        return sqEntries;
    }

    public int cqEntries() {
        return cqEntries;
    }

    /** How many {@code io_uring_enter} calls this ring made (its system calls while it runs). */
    public long enters() {
        return enters;
    }

    /** Completions the kernel dropped for want of CQ room (0 with {@link Uring#FEAT_NODROP}). */
    public int overflow() {
        return (int) U32.getAcquire(cq, cqOverflowOff);
    }

    // ---- submission ------------------------------------------------------------------------

    /**
     * The offset of a free SQE, zeroed (slots are reused, and a stale field such as a buffer group
     * turns the next operation into something else). Submits what is prepared when the queue is
     * full, so a caller can prepare any number.
     */
    private long slot() {
        assert ownerThread() : "ring used by " + Thread.currentThread() + ", owned by " + owner;
        if (sqTail - sqHead >= sqEntries) {
            sqHead = (int) U32.getAcquire(sq, sqHeadOff);
            if (sqTail - sqHead >= sqEntries) {
                int r = submit();
                if (r < 0) {
                    throw new IllegalStateException("submission queue full and " + Errno.message(-r) + " submitting it");
                }
                sqHead = (int) U32.getAcquire(sq, sqHeadOff);
                if (sqTail - sqHead >= sqEntries) {
                    throw new IllegalStateException("submission queue full after submitting it");
                }
            }
        }
        long s = (long) (sqTail & sqMask) * SQE_SIZE;
        for (int i = 0; i < SQE_SIZE; i += 8) {
            sqes.set(JAVA_LONG, s + i, 0L);
        }
        sqTail++;
        return s;
    }

    private long prep(byte op, int fd, long addr, int len, long userData) {
        long s = slot();
        sqes.set(JAVA_BYTE, s, op);
        sqes.set(JAVA_INT, s + 4, fd);
        sqes.set(JAVA_LONG, s + 16, addr);
        sqes.set(JAVA_INT, s + 24, len);
        sqes.set(JAVA_LONG, s + 32, userData);
        return s;
    }

    /** Entries prepared and not yet submitted. */
    public int pending() {
        return sqTail - sqSubmitted;
    }

    public void prepNop(long userData) {
        prep(Uring.OP_NOP, -1, 0, 0, userData);
    }

    /** Multishot accept on a listening socket: one completion (a new descriptor) per connection. */
    public void prepAcceptMultishot(int listenFd, long userData) {
        long s = prep(Uring.OP_ACCEPT, listenFd, 0, 0, userData);
        sqes.set(JAVA_SHORT, s + 2, Uring.ACCEPT_MULTISHOT);
        sqes.set(JAVA_INT, s + 28, Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC);
    }

    /**
     * Multishot receive into buffers picked from the provided-buffer group {@code group}: one
     * completion per arrival, each naming its buffer, until the socket ends, fails, is cancelled,
     * or the group runs dry ({@code -ENOBUFS}); the last completion lacks {@link Uring#CQE_F_MORE}.
     */
    public void prepRecvMultishot(int fd, int group, long userData) {
        long s = prep(Uring.OP_RECV, fd, 0, 0, userData);
        sqes.set(JAVA_BYTE, s + 1, Uring.SQE_BUFFER_SELECT);
        sqes.set(JAVA_SHORT, s + 2, Uring.RECV_MULTISHOT);
        sqes.set(JAVA_SHORT, s + 40, (short) group);
    }


    /** A send of {@code [addr, addr+len)} (MSG_NOSIGNAL: a closed peer is an error, not a signal). */
    public void prepSend(int fd, long addr, int len, long userData) {
        long s = prep(Uring.OP_SEND, fd, addr, len, userData);
        sqes.set(JAVA_INT, s + 28, Linux.MSG_NOSIGNAL);
    }



    /** A read (an eventfd's 8 bytes, say). */
    public void prepRead(int fd, long addr, int len, long userData) {
        prep(Uring.OP_READ, fd, addr, len, userData);
    }

    /** Waits for {@code events} (POLLIN, ...) on {@code fd}; {@code multishot}: until cancelled. */
    public void prepPoll(int fd, int events, boolean multishot, long userData) {
        long s = prep(Uring.OP_POLL_ADD, fd, 0, multishot ? 1 : 0, userData);
        sqes.set(JAVA_INT, s + 28, events);
    }


    /** Cancels the operation submitted with {@code target} as its user data (every one, with {@code all}). */
    public void prepCancel(long target, boolean all, long userData) {
        long s = prep(Uring.OP_ASYNC_CANCEL, -1, target, 0, userData);
        sqes.set(JAVA_INT, s + 28, all ? Uring.CANCEL_ALL : 0);
    }

    /** Closes {@code fd} on the ring (no system call of its own). */
    public void prepClose(int fd, long userData) {
        prep(Uring.OP_CLOSE, fd, 0, 0, userData);
    }

    /** Cancels every operation in flight on this ring. */
    public void prepCancelAny(long userData) {
        long s = prep(Uring.OP_ASYNC_CANCEL, -1, 0, 0, userData);
        sqes.set(JAVA_INT, s + 28, Uring.CANCEL_ANY | Uring.CANCEL_ALL);
    }

    /** Makes room for {@code n} entries in one submission (a linked chain), submitting first if needed. */
    public void reserve(int n) {
        if (sqEntries - (sqTail - (int) U32.getAcquire(sq, sqHeadOff)) < n) {
            submit();
        }
    }

    /**
     * Links the entry prepared last to the next: the next starts when this one completes, whatever
     * its result (a hard link).
     */
    public void hardLink() {
        long s = (long) ((sqTail - 1) & sqMask) * SQE_SIZE;
        sqes.set(JAVA_BYTE, s + 1, (byte) (sqes.get(JAVA_BYTE, s + 1) | Uring.SQE_IO_HARDLINK));
    }

    /**
     * Whether the kernel has completions to post at the next enter (deferred task work pending):
     * with {@link Uring#SETUP_TASKRUN_FLAG} the kernel says so in the SQ ring's flags.
     */
    public boolean taskWorkPending() {
        return ((int) U32.getOpaque(sq, sqFlagsOff) & Uring.SQ_TASKRUN) != 0;
    }

    /** Marks the entry prepared last: its completion is not posted when it succeeds. */
    public void skipSuccess() {
        long s = (long) ((sqTail - 1) & sqMask) * SQE_SIZE;
        sqes.set(JAVA_BYTE, s + 1, (byte) (sqes.get(JAVA_BYTE, s + 1) | Uring.SQE_CQE_SKIP_SUCCESS));
    }

    // ---- enter -----------------------------------------------------------------------------

    /** Publishes the prepared entries to the kernel (the release store the kernel's acquire pairs with). */
    private int publish() {
        int n = sqTail - sqSubmitted;
        if (n > 0) {
            U32.setRelease(sq, sqTailOff, sqTail);
        }
        return n;
    }

    /**
     * Submits what is prepared without waiting; with deferred task work it also lets the kernel post
     * the completions that are ready. Returns the entries consumed, or {@code -errno}.
     */
    public int submit() {
        int n = publish();
        int r = Uring.enter(err, enterFd, n, 0, Uring.ENTER_GETEVENTS | enterFlags, 0, 0);
        enters++;
        return consumed(r);
    }

    /**
     * Submits what is prepared and waits until a completion is there or {@code timeoutNanos} pass
     * (negative: no limit). One system call. Returns the entries consumed, 0 when the wait timed
     * out or was interrupted, or {@code -errno} on a real failure.
     */
    public int submitAndWait(long timeoutNanos) {
        return submitAndWait(timeoutNanos, 1, 0);
    }

    /**
     * As {@link #submitAndWait(long)}, waiting for {@code batch} completions for at most
     * {@code minWaitMicros} (Linux 6.12, {@code min_wait_usec}), then for any one: fewer, fuller
     * turns under load, at most that much later.
     */
    public int submitAndWait(long timeoutNanos, int batch, int minWaitMicros) {
        int n = publish();
        int r;
        if (timeoutNanos < 0 && minWaitMicros == 0) {
            r = Uring.enter(err, enterFd, n, batch, Uring.ENTER_GETEVENTS | enterFlags, 0, 0);
        } else {
            long t = timeoutNanos < 0 ? Long.MAX_VALUE / 2 : timeoutNanos;
            waitArg.set(JAVA_INT, 12, minWaitMicros);
            waitArg.set(JAVA_LONG, 24, t / 1_000_000_000L);
            waitArg.set(JAVA_LONG, 32, t % 1_000_000_000L);
            r = Uring.enter(err, enterFd, n, batch, Uring.ENTER_GETEVENTS | Uring.ENTER_EXT_ARG | enterFlags,
                    waitArg.address(), 24);
        }
        enters++;
        if (r == -Errno.ETIME || r == -Errno.EINTR) {
            return 0;
        }
        return consumed(r);
    }

    private int consumed(int r) {
        if (r > 0) {
            sqSubmitted += r;
        } else if (r == -Errno.EAGAIN || r == -Errno.EBUSY || r == -Errno.EINTR) {
            return 0; // the kernel wants its completions reaped first; the entries stay queued
        }
        return r;
    }

    // ---- completion ------------------------------------------------------------------------

    /** Where {@link #reap} hands each completion. */
    @FunctionalInterface
    public interface Completions {
        /**
         * One completion: the user data it was submitted with, its result (a count, a descriptor,
         * or {@code -errno}) and its flags ({@link Uring#CQE_F_MORE}, {@link Uring#CQE_F_BUFFER}
         * with the buffer id above {@link Uring#CQE_BUFFER_SHIFT}).
         */
        void complete(long userData, int result, int flags);
    }

    /** Whether completions are waiting to be reaped (no system call). */
    public boolean hasCompletions() {
        return (int) U32.getAcquire(cq, cqTailOff) != cqHead;
    }

    /**
     * Hands every completion posted so far to {@code sink}, in order, and frees their slots; returns
     * how many. The sink may prepare new entries.
     */
    public int reap(Completions sink) {
        assert ownerThread() : "ring reaped by " + Thread.currentThread() + ", owned by " + owner;
        int tail = (int) U32.getAcquire(cq, cqTailOff);
        int n = 0;
        while (cqHead != tail) {
            long c = cqesOff + (long) (cqHead & cqMask) * CQE_SIZE;
            long userData = cq.get(JAVA_LONG, c);
            int res = cq.get(JAVA_INT, c + 8);
            int flags = cq.get(JAVA_INT, c + 12);
            cqHead++;
            n++;
            // free the slot before the sink runs: what it does may post more completions
            U32.setRelease(cq, cqHeadOff, cqHead);
            sink.complete(userData, res, flags);
            if (cqHead == tail) {
                tail = (int) U32.getAcquire(cq, cqTailOff);
            }
        }
        return n;
    }

    // ---- probe and buffer rings ------------------------------------------------------------

    /** Names of the given opcodes the kernel lacks, comma-separated, or null if it has them all. */
    public String missingOpcodes(byte... ops) throws UringException {
        MemorySegment probe = arena.allocate(16 + 8 * 256, 8);
        int r = Uring.register(err, fd, Uring.REGISTER_PROBE, probe.address(), 256);
        if (r < 0) {
            throw new UringException("io_uring_register(PROBE)", -r);
        }
        int last = Byte.toUnsignedInt(probe.get(JAVA_BYTE, 0));
        List<String> missing = new ArrayList<>();
        for (byte b : ops) {
            int op = Byte.toUnsignedInt(b);
            boolean supported = op <= last
                    && (probe.get(JAVA_SHORT, 16 + 8L * op + 2) & 1) != 0; // IO_URING_OP_SUPPORTED
            if (!supported) {
                missing.add("opcode " + op);
            }
        }
        return missing.isEmpty() ? null : String.join(", ", missing);
    }

    /**
     * Registers a ring of {@code count} provided buffers of {@code size} bytes each as group
     * {@code group}: multishot receives take buffers from it, so a connection holds one only while
     * bytes it received wait to be read.
     */
    public UringBufferRing registerBuffers(int group, int count, int size) throws UringException {
        UringBufferRing b = new UringBufferRing(group, count, size);
        MemorySegment reg = arena.allocate(40, 8);
        reg.set(JAVA_LONG, 0, b.ringAddress());
        reg.set(JAVA_INT, 8, count);
        reg.set(JAVA_SHORT, 12, (short) group);
        int r = Uring.register(err, fd, Uring.REGISTER_PBUF_RING, reg.address(), 1);
        if (r < 0) {
            b.free();
            throw new UringException("io_uring_register(PBUF_RING)", -r);
        }
        b.fillAll();
        return b;
    }

    /** Unregisters a buffer ring (its buffers the kernel still held are returned to nobody). */
    public void unregisterBuffers(UringBufferRing b) {
        MemorySegment reg = arena.allocate(40, 8);
        reg.set(JAVA_SHORT, 12, (short) b.group());
        Uring.register(err, fd, Uring.UNREGISTER_PBUF_RING, reg.address(), 1);
        b.free();
    }

    /**
     * Unmaps the rings and closes the descriptor: the kernel cancels what is still in flight. A
     * buffer the kernel may still write into must outlive this call (its arena is closed after).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Uring.munmap(err, sqes.address(), sqesMapSize);
        Uring.munmap(err, sq.address(), sqMapSize);
        if (cqMapSize != 0) {
            Uring.munmap(err, cq.address(), cqMapSize);
        }
        Linux.close(err, fd);
        arena.close();
    }
}
