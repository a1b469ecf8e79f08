package io.throng.core.engine;

import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Iovec;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What one thread needs to make the epoll transport's calls: its captured errno, an epoll_event, a
 * few bytes for socket options, a sockaddr, and an iovec array. Loops, workers and connection
 * threads keep theirs in their {@link IoContext}; other threads (a publisher writing to many
 * connections) get one per thread with a shorter iovec array.
 */
final class EpollScratch {
    /** Gathering writes from threads without a context carry at most this many buffers. */
    static final int FOREIGN_IOV = 64;
    private static final ThreadLocal<EpollScratch> FOREIGN = ThreadLocal.withInitial(() -> new EpollScratch(FOREIGN_IOV));

    final MemorySegment errno = Linux.newErrnoSegment();
    final MemorySegment event;
    final MemorySegment small;
    final MemorySegment sockaddr;
    final MemorySegment sockaddrLength;
    final MemorySegment iov;
    final int iovCapacity;

    EpollScratch(int iovCapacity) {
        Arena arena = Arena.ofAuto();
        this.event = arena.allocate(EpollEvent.SIZE, 8);
        this.small = arena.allocate(16, 8);
        this.sockaddr = arena.allocate(SockAddr.SIZE, 8);
        this.sockaddrLength = arena.allocate(4, 4);
        this.iov = arena.allocate(Iovec.SIZE * iovCapacity, 8);
        this.iovCapacity = iovCapacity;
    }

    /** The scratch of the calling thread: its context's, or a thread-local one. */
    static EpollScratch of(IoContext ctx) {
        if (ctx == null) {
            return FOREIGN.get();
        }
        Object s = ctx.transportScratch;
        if (s == null) {
            EpollScratch made = new EpollScratch(IoContext.MAX_IOV);
            ctx.transportScratch = made;
            return made;
        }
        return (EpollScratch) s;
    }
}
