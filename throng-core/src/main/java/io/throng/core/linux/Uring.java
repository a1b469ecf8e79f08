package io.throng.core.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The io_uring system calls and constants (Linux 5.1 on; the values are the kernel's UAPI,
 * {@code linux/io_uring.h}). glibc wraps none of the three calls, so they go through its variadic
 * {@code syscall(long number, ...)}, linked once with six {@code long} arguments (it reads longs
 * and ignores the extra ones), errno captured as for every other call of this package.
 *
 * <p>{@link UringRing} is the ring built on them; this class only binds and names.
 */
public final class Uring {
    // system call numbers, x86-64 and aarch64 alike (asm-generic/unistd.h)
    static final long SYS_SETUP = 425;
    static final long SYS_ENTER = 426;
    static final long SYS_REGISTER = 427;

    // io_uring_setup flags
    public static final int SETUP_CQSIZE = 1 << 3;
    public static final int SETUP_CLAMP = 1 << 4;
    public static final int SETUP_R_DISABLED = 1 << 6;
    public static final int SETUP_SUBMIT_ALL = 1 << 7;
    public static final int SETUP_COOP_TASKRUN = 1 << 8;
    public static final int SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int SETUP_DEFER_TASKRUN = 1 << 13;
    public static final int SETUP_NO_SQARRAY = 1 << 16;

    // features reported by setup
    public static final int FEAT_SINGLE_MMAP = 1;
    public static final int FEAT_NODROP = 1 << 1;
    public static final int FEAT_EXT_ARG = 1 << 8;
    /** Waits take {@code min_wait_usec} (Linux 6.12). */
    public static final int FEAT_MIN_TIMEOUT = 1 << 15;

    // io_uring_enter flags
    static final int ENTER_GETEVENTS = 1;
    static final int ENTER_EXT_ARG = 1 << 3;
    static final int ENTER_REGISTERED_RING = 1 << 4;

    // io_uring_register opcodes
    static final int REGISTER_PROBE = 8;
    static final int REGISTER_ENABLE_RINGS = 12;
    static final int REGISTER_RING_FDS = 20;
    static final int REGISTER_PBUF_RING = 22;
    static final int UNREGISTER_PBUF_RING = 23;

    // opcodes
    public static final byte OP_NOP = 0;
    public static final byte OP_POLL_ADD = 6;
    public static final byte OP_ACCEPT = 13;
    public static final byte OP_ASYNC_CANCEL = 14;
    public static final byte OP_CLOSE = 19;
    public static final byte OP_READ = 22;
    public static final byte OP_SEND = 26;
    public static final byte OP_RECV = 27;

    // SQE flags
    public static final byte SQE_FIXED_FILE = 1;
    public static final byte SQE_IO_LINK = 1 << 2;
    public static final byte SQE_IO_HARDLINK = 1 << 3;
    public static final byte SQE_BUFFER_SELECT = 1 << 5;
    public static final byte SQE_CQE_SKIP_SUCCESS = 1 << 6;

    // ioprio bits of the network opcodes
    public static final short ACCEPT_MULTISHOT = 1;
    public static final short RECV_MULTISHOT = 1 << 1;

    // ASYNC_CANCEL flags
    public static final int CANCEL_ALL = 1;
    public static final int CANCEL_FD = 1 << 1;
    public static final int CANCEL_ANY = 1 << 2;

    /** SQ ring flag: completions wait in deferred task work (set with {@link #SETUP_TASKRUN_FLAG}). */
    public static final int SQ_TASKRUN = 1 << 2;

    // CQE flags
    public static final int CQE_F_BUFFER = 1;
    public static final int CQE_F_MORE = 1 << 1;
    /** The upper 16 bits of a CQE's flags carry the provided buffer's id. */
    public static final int CQE_BUFFER_SHIFT = 16;

    // mmap offsets and arguments
    static final long OFF_SQ_RING = 0;
    static final long OFF_CQ_RING = 0x8000000L;
    static final long OFF_SQES = 0x10000000L;
    static final int PROT_READ_WRITE = 3;
    static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    private static final String UNAVAILABLE = checkAvailable();

    private Uring() {
    }

    /** The operator's switch: {@code -Dthrong.io_uring=off} makes io_uring unavailable (auto then takes epoll). */
    public static final String SWITCH = "throng.io_uring";

    private static String checkAvailable() {
        if (!Linux.available()) {
            return Linux.unavailableReason();
        }
        if ("off".equalsIgnoreCase(System.getProperty(SWITCH, ""))) {
            return "turned off (-D" + SWITCH + "=off)";
        }
        String disabled = "";
        try {
            disabled = Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
            if (disabled.equals("2")) {
                return "io_uring is disabled in this kernel (kernel.io_uring_disabled = 2)";
            }
        } catch (Exception ignored) {
            // older kernels have no such switch: setup tells
        }
        try {
            Calls.SYSCALL.type();
        } catch (Throwable t) {
            return "the C library's syscall could not be linked: " + t;
        }
        MemorySegment err = Linux.newErrnoSegment();
        try (UringRing probe = UringRing.open(err, 8, 0)) {
            // the opcodes the transport uses (connects and shutdowns are plain system calls)
            String missing = probe.missingOpcodes(OP_ACCEPT, OP_RECV, OP_SEND, OP_ASYNC_CANCEL, OP_POLL_ADD,
                    OP_READ, OP_CLOSE);
            if (missing != null) {
                return "this kernel's io_uring lacks " + missing;
            }
            if ((probe.features() & FEAT_EXT_ARG) == 0) {
                return "this kernel's io_uring has no timed waits (IORING_FEAT_EXT_ARG, Linux 5.11)";
            }
            return null;
        } catch (UringException e) {
            if (e.errno() == Errno.EPERM && disabled.equals("1")) {
                return e.getMessage() + ": kernel.io_uring_disabled = 1 allows only the group in"
                        + " kernel.io_uring_group (and CAP_SYS_ADMIN)";
            }
            if (e.errno() == Errno.EPERM || e.errno() == Errno.ENOSYS) {
                return e.getMessage() + " (a seccomp filter, as container runtimes install, may forbid io_uring)";
            }
            return e.getMessage();
        }
    }

    /** True if io_uring can run in this JVM: setup succeeds and the probe finds the opcodes used. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why io_uring cannot run here, or null if it can. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    private static final class Calls {
        static final Linker LINKER = Linker.nativeLinker();
        static final MethodHandle SYSCALL = LINKER.downcallHandle(
                LINKER.defaultLookup().find("syscall").orElseThrow(() -> new UnsatisfiedLinkError("no syscall in the C library")),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
        static final MethodHandle MMAP = Linker.nativeLinker().downcallHandle(
                LINKER.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, java.lang.foreign.ValueLayout.JAVA_INT,
                        java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT, JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle MUNMAP = Linker.nativeLinker().downcallHandle(
                LINKER.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, JAVA_LONG, JAVA_LONG),
                Linker.Option.captureCallState("errno"));
    }

    /** {@code syscall(nr, a..f)}: the result, or {@code -errno}. Never critical: enter may block. */
    static long syscall(MemorySegment err, long nr, long a, long b, long c, long d, long e, long f) {
        try {
            long r = (long) Calls.SYSCALL.invokeExact(err, nr, a, b, c, d, e, f);
            return r >= 0 ? r : -Linux.errnoOf(err);
        } catch (Throwable t) {
            throw new Error("io_uring system call " + nr + " failed to run", t);
        }
    }

    static int setup(MemorySegment err, int entries, MemorySegment params) {
        return (int) syscall(err, SYS_SETUP, entries, params.address(), 0, 0, 0, 0);
    }

    /**
     * {@code io_uring_enter}: submits {@code toSubmit} entries and, with {@link #ENTER_GETEVENTS},
     * waits for {@code minComplete} completions; {@code arg} is an {@code io_uring_getevents_arg}
     * (24 bytes) with {@link #ENTER_EXT_ARG}, else 0.
     */
    static int enter(MemorySegment err, int fd, int toSubmit, int minComplete, int flags, long arg, long argSize) {
        return (int) syscall(err, SYS_ENTER, fd, toSubmit, minComplete, flags, arg, argSize);
    }

    static int register(MemorySegment err, int fd, int opcode, long arg, int count) {
        return (int) syscall(err, SYS_REGISTER, fd, opcode, arg, count, 0, 0);
    }

    /** Maps {@code size} bytes of the ring {@code fd} at {@code offset}; the address, or {@code -errno}. */
    static long mmap(MemorySegment err, int fd, long size, long offset) {
        try {
            long r = (long) Calls.MMAP.invokeExact(err, 0L, size, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
            return r == -1 ? -Linux.errnoOf(err) : r;
        } catch (Throwable t) {
            throw new Error("mmap failed to run", t);
        }
    }

    static void munmap(MemorySegment err, long address, long size) {
        try {
            int r = (int) Calls.MUNMAP.invokeExact(err, address, size);
            assert r == 0 : "munmap: errno " + Linux.errnoOf(err);
        } catch (Throwable t) {
            throw new Error("munmap failed to run", t);
        }
    }
}
