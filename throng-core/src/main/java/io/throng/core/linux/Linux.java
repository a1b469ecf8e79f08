package io.throng.core.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The system calls of the epoll transport. Every method returns what the call returns when it
 * succeeds and {@code -errno} when it fails, with errno captured into {@code err}, a segment from
 * {@link #newErrnoSegment()} that belongs to the calling thread (the JVM may overwrite the real
 * errno between a native call and the next, so it is captured as part of the call).
 *
 * <p>Pointer arguments are passed as {@code long} addresses: on LP64 Linux a pointer and a long
 * travel in the same registers, and an address needs no {@code MemorySegment} object per call.
 * Calls that never block on our non-blocking sockets are linked with {@code critical}, which
 * skips the thread-state transition (a few nanoseconds against a system call of about a
 * microsecond here, but free); {@code epoll_wait} with a timeout, {@code accept4} on a blocking
 * listener and {@code close} are not.
 */
public final class Linux {
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 0x80000;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int IPPROTO_IP = 0;
    public static final int IP_BIND_ADDRESS_NO_PORT = 24;
    public static final int IPPROTO_TCP = 6;
    public static final int TCP_NODELAY = 1;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    public static final int EFD_NONBLOCK = 0x800;
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int FIONREAD = 0x541B;
    public static final int MSG_NOSIGNAL = 0x4000;
    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final String UNAVAILABLE = checkAvailable();

    private Linux() {
    }

    private static String checkAvailable() {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("Linux")) {
            return "epoll is Linux only (this is " + os + ")";
        }
        if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "the epoll transport knows the struct layouts of x86-64 and aarch64, not " + arch;
        }
        if (!Linux.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled for " + (Linux.class.getModule().isNamed()
                    ? Linux.class.getModule().getName() : "the unnamed module")
                    + " (start the JVM with --enable-native-access=" + (Linux.class.getModule().isNamed()
                    ? Linux.class.getModule().getName() : "ALL-UNNAMED") + ")";
        }
        try {
            Calls.EPOLL_CREATE1.type(); // links every call, or fails
            return null;
        } catch (Throwable t) {
            return "the C library's calls could not be linked: " + t;
        }
    }

    /** True if the epoll transport can run in this JVM. */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why the epoll transport cannot run here, or null if it can. */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** A segment for one thread's captured errno. */
    public static MemorySegment newErrnoSegment() {
        return Arena.ofAuto().allocate(CAPTURE);
    }

    private static int errno(MemorySegment err) {
        return (int) ERRNO.get(err, 0L);
    }

    /** The errno a call of this package captured into {@code err}. */
    static int errnoOf(MemorySegment err) {
        return errno(err);
    }

    private static int result(int r, MemorySegment err) {
        return r >= 0 ? r : -errno(err);
    }

    private static long result(long r, MemorySegment err) {
        return r >= 0 ? r : -errno(err);
    }

    /** The handles, linked on first use only when the transport is available. */
    private static final class Calls {
        static final Linker LINKER = Linker.nativeLinker();
        static final Linker.Option ERR = Linker.Option.captureCallState("errno");
        static final Linker.Option CRITICAL = Linker.Option.critical(false);
        static final MethodHandle EPOLL_CREATE1 = link("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
        static final MethodHandle EPOLL_CTL = link("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), true);
        static final MethodHandle EPOLL_WAIT_NOW = link("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), true);
        // The same without capturing errno (see epollWait): one that may block, one that does not.
        static final MethodHandle EPOLL_WAIT_QUIET = LINKER.downcallHandle(LINKER.defaultLookup().find("epoll_wait").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
        static final MethodHandle EPOLL_WAIT_QUIET_NOW = LINKER.downcallHandle(LINKER.defaultLookup().find("epoll_wait").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), CRITICAL);
        static final MethodHandle ACCEPT4 = link("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle ACCEPT4_BLOCKING = link("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), false);
        static final MethodHandle READ = link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), true);
        static final MethodHandle WRITE = link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), true);
        static final MethodHandle WRITEV = link("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), false);
        static final MethodHandle SHUTDOWN = link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
        static final MethodHandle SETSOCKOPT = link("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle GETSOCKOPT = link("getsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true);
        static final MethodHandle EVENTFD = link("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
        static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), true);
        static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle LISTEN = link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), true);
        static final MethodHandle CONNECT = link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), true);
        static final MethodHandle GETSOCKNAME = link("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true);
        static final MethodHandle GETPEERNAME = link("getpeername", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true);
        static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), false);
        static final MethodHandle IOCTL = link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), true);

        private static MethodHandle link(String name, FunctionDescriptor d, boolean critical) {
            MemorySegment symbol = LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("no " + name + " in the C library"));
            return critical ? LINKER.downcallHandle(symbol, d, ERR, CRITICAL) : LINKER.downcallHandle(symbol, d, ERR);
        }
    }

    public static int epollCreate(MemorySegment err) {
        try {
            return result((int) Calls.EPOLL_CREATE1.invokeExact(err, EPOLL_CLOEXEC), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** {@code epoll_ctl}; {@code event} is a scratch segment of {@link EpollEvent#SIZE} bytes. */
    public static int epollCtl(MemorySegment err, int epfd, int op, int fd, int events, MemorySegment event) {
        EpollEvent.set(event, events, fd);
        try {
            return result((int) Calls.EPOLL_CTL.invokeExact(err, epfd, op, fd, event.address()), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /**
     * {@code epoll_wait} (a zero timeout linked critical), made without capturing errno: capturing
     * slices the capture segment, an allocation that escape analysis removes only when the whole
     * call compiles into a small enough unit, and a loop's wait sits in its largest (the loop
     * allocated 14-22 bytes per echoed message in a JVM whose dispatch had seen many handlers and
     * models; AllocationTest after the rest of the suite). A failed wait (EINTR, mostly) is asked
     * again at once with errno captured and no timeout: if that one returns events, they are the
     * answer; if it fails, its errno is.
     */
    public static int epollWait(MemorySegment err, int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            int r = timeoutMillis == 0
                    ? (int) Calls.EPOLL_WAIT_QUIET_NOW.invokeExact(epfd, events.address(), max, 0)
                    : (int) Calls.EPOLL_WAIT_QUIET.invokeExact(epfd, events.address(), max, timeoutMillis);
            if (r >= 0) {
                return r;
            }
            return result((int) Calls.EPOLL_WAIT_NOW.invokeExact(err, epfd, events.address(), max, 0), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /**
     * {@code poll} on one descriptor: waits until it is ready for {@code events} ({@link #POLLIN},
     * {@link #POLLOUT}), hung up, or {@code timeoutMillis} pass. {@code pollfd} is a scratch
     * segment of at least 8 bytes ({@code struct pollfd { int fd; short events; short revents; }}).
     * Returns 1 when ready, 0 on timeout. Never critical: it blocks.
     */
    public static int pollOne(MemorySegment err, MemorySegment pollfd, int fd, short events, int timeoutMillis) {
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(ValueLayout.JAVA_SHORT, 4, events);
        pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        try {
            return result((int) Calls.POLL.invokeExact(err, pollfd.address(), 1L, timeoutMillis), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** {@code accept4} on a non-blocking listener, with SOCK_NONBLOCK and SOCK_CLOEXEC. */
    public static int accept(MemorySegment err, int fd) {
        try {
            return result((int) Calls.ACCEPT4.invokeExact(err, fd, 0L, 0L, SOCK_NONBLOCK | SOCK_CLOEXEC), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** {@code accept4} on a blocking listener (an acceptor thread); the new socket is non-blocking. */
    public static int acceptBlocking(MemorySegment err, int fd) {
        try {
            return result((int) Calls.ACCEPT4_BLOCKING.invokeExact(err, fd, 0L, 0L, SOCK_NONBLOCK | SOCK_CLOEXEC), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long read(MemorySegment err, int fd, long address, long length) {
        try {
            return result((long) Calls.READ.invokeExact(err, fd, address, length), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long write(MemorySegment err, int fd, long address, long length) {
        try {
            return result((long) Calls.WRITE.invokeExact(err, fd, address, length), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static long writev(MemorySegment err, int fd, MemorySegment iov, int count) {
        try {
            return result((long) Calls.WRITEV.invokeExact(err, fd, iov.address(), count), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int close(MemorySegment err, int fd) {
        try {
            return result((int) Calls.CLOSE.invokeExact(err, fd), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int shutdown(MemorySegment err, int fd, int how) {
        try {
            return result((int) Calls.SHUTDOWN.invokeExact(err, fd, how), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** setsockopt with an int value; {@code scratch} holds at least 8 bytes. */
    public static int setInt(MemorySegment err, int fd, int level, int option, int value, MemorySegment scratch) {
        scratch.set(ValueLayout.JAVA_INT, 0, value);
        try {
            return result((int) Calls.SETSOCKOPT.invokeExact(err, fd, level, option, scratch.address(), 4), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** SO_LINGER: {@code struct linger { int l_onoff; int l_linger; }}. */
    public static int setLinger(MemorySegment err, int fd, boolean on, int seconds, MemorySegment scratch) {
        scratch.set(ValueLayout.JAVA_INT, 0, on ? 1 : 0);
        scratch.set(ValueLayout.JAVA_INT, 4, seconds);
        try {
            return result((int) Calls.SETSOCKOPT.invokeExact(err, fd, SOL_SOCKET, SO_LINGER, scratch.address(), 8), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** getsockopt of an int; returns the value, or -errno. {@code scratch} holds 8 bytes. */
    public static int getInt(MemorySegment err, int fd, int level, int option, MemorySegment scratch) {
        scratch.set(ValueLayout.JAVA_INT, 4, 4);
        try {
            int r = (int) Calls.GETSOCKOPT.invokeExact(err, fd, level, option, scratch.address(), scratch.address() + 4);
            return r < 0 ? -errno(err) : scratch.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** Bytes waiting to be read (FIONREAD), or -errno. {@code scratch} holds 4 bytes. */
    public static int available(MemorySegment err, int fd, MemorySegment scratch) {
        try {
            int r = (int) Calls.IOCTL.invokeExact(err, fd, (long) FIONREAD, scratch.address());
            return r < 0 ? -errno(err) : scratch.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int eventfd(MemorySegment err) {
        try {
            return result((int) Calls.EVENTFD.invokeExact(err, 0, EFD_NONBLOCK | EFD_CLOEXEC), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int socket(MemorySegment err, int family) {
        try {
            return result((int) Calls.SOCKET.invokeExact(err, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int bind(MemorySegment err, int fd, MemorySegment sockaddr, int length) {
        try {
            return result((int) Calls.BIND.invokeExact(err, fd, sockaddr.address(), length), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int listen(MemorySegment err, int fd, int backlog) {
        try {
            return result((int) Calls.LISTEN.invokeExact(err, fd, backlog), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    public static int connect(MemorySegment err, int fd, MemorySegment sockaddr, int length) {
        try {
            return result((int) Calls.CONNECT.invokeExact(err, fd, sockaddr.address(), length), err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    /** getsockname/getpeername into {@code sockaddr} (28 bytes) with its length right after it. */
    public static int socketName(MemorySegment err, int fd, boolean peer, MemorySegment sockaddr, MemorySegment length) {
        length.set(ValueLayout.JAVA_INT, 0, (int) SockAddr.SIZE);
        try {
            int r = peer ? (int) Calls.GETPEERNAME.invokeExact(err, fd, sockaddr.address(), length.address())
                    : (int) Calls.GETSOCKNAME.invokeExact(err, fd, sockaddr.address(), length.address());
            return result(r, err);
        } catch (Throwable t) {
            throw fatal(t);
        }
    }

    private static Error fatal(Throwable t) {
        return t instanceof Error e ? e : new AssertionError("native call failed to run", t);
    }
}
