package io.throng.core.linux;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@code struct iovec { void *iov_base; size_t iov_len; }}: 16 bytes on 64-bit Linux. */
public final class Iovec {
    public static final long SIZE = 16;

    private Iovec() {
    }

    public static void set(MemorySegment array, int i, long base, long length) {
        array.set(ValueLayout.JAVA_LONG, i * SIZE, base);
        array.set(ValueLayout.JAVA_LONG, i * SIZE + 8, length);
    }
}
