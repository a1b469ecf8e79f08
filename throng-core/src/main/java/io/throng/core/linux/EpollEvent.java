package io.throng.core.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct epoll_event { uint32_t events; epoll_data_t data; }}. glibc declares it packed on
 * x86-64 only: 12 bytes there, with the 8-byte data unaligned at offset 4; 16 bytes elsewhere
 * (aarch64), with data at offset 8. The data field carries the file descriptor.
 */
public final class EpollEvent {
    public static final long SIZE;
    private static final long DATA_OFFSET;

    static {
        boolean packed = "amd64".equals(System.getProperty("os.arch")) || "x86_64".equals(System.getProperty("os.arch"));
        SIZE = packed ? 12 : 16;
        DATA_OFFSET = packed ? 4 : 8;
    }

    private EpollEvent() {
    }

    public static int events(MemorySegment array, int i) {
        return array.get(ValueLayout.JAVA_INT_UNALIGNED, i * SIZE);
    }

    /** The fd stored in the event (the low 32 bits of data). */
    public static int fd(MemorySegment array, int i) {
        return (int) array.get(ValueLayout.JAVA_LONG_UNALIGNED, i * SIZE + DATA_OFFSET);
    }

    public static void set(MemorySegment event, int events, int fd) {
        event.set(ValueLayout.JAVA_INT_UNALIGNED, 0, events);
        event.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET, fd & 0xFFFF_FFFFL);
    }
}
