package io.throng.core.transport;

import io.throng.core.linux.EpollEvent;
import io.throng.core.linux.Iovec;
import io.throng.core.linux.Linux;
import io.throng.core.linux.SockAddr;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What one thread needs to make the epoll transport's calls: its captured errno, an epoll_event
 * for epoll_ctl, a few bytes for socket options, a sockaddr, an iovec array and (for a thread that
 * polls) an event array. Loops, workers and connection threads keep theirs; other threads (a
 * publisher writing to many connections) get one per thread with a shorter iovec array.
 */
public final class EpollScratch extends Scratch {
    /** Gathering writes from threads without a scratch of their own carry at most this many buffers. */
    public static final int FOREIGN_IOV = 64;
    private static final ThreadLocal<EpollScratch> FOREIGN = ThreadLocal.withInitial(() -> new EpollScratch(FOREIGN_IOV));

    final MemorySegment errno = Linux.newErrnoSegment();
    final MemorySegment event;
    final MemorySegment small;
    final MemorySegment sockaddr;
    final MemorySegment sockaddrLength;
    final MemorySegment iov;
    private final int iovCapacity;
    private MemorySegment events;
    private int eventCapacity;

    EpollScratch(int iovCapacity) {
        Arena arena = Arena.ofAuto();
        this.event = arena.allocate(EpollEvent.SIZE, 8);
        this.small = arena.allocate(16, 8);
        this.sockaddr = arena.allocate(SockAddr.SIZE, 8);
        this.sockaddrLength = arena.allocate(4, 4);
        this.iov = arena.allocate(Iovec.SIZE * (long) iovCapacity, 8);
        this.iovCapacity = iovCapacity;
    }

    @Override
    public int iovCapacity() {
        return iovCapacity;
    }

    /** The calling thread's scratch: {@code s} if given, else a thread-local one. */
    static EpollScratch of(Scratch s) {
        return s != null ? (EpollScratch) s : FOREIGN.get();
    }

    /** An event array for {@code capacity} events, made on first use and kept. */
    MemorySegment events(int capacity) {
        if (events == null || eventCapacity < capacity) {
            events = Arena.ofAuto().allocate(EpollEvent.SIZE * (long) capacity, 8);
            eventCapacity = capacity;
        }
        return events;
    }
}
