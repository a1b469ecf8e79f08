package io.throng.load;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** The 8-byte messages: a big-endian System.nanoTime() of this process, as the seed's client sends. */
final class Wire {
    static final int MESSAGE = 8;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[MESSAGE]);

    private Wire() {
    }

    /** A thread's scratch message holding {@code value}; valid until the thread's next call. */
    static byte[] message(long value) {
        byte[] b = SCRATCH.get();
        LONG.set(b, 0, value);
        return b;
    }
}
