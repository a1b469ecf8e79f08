package io.throng.core.transport;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * One connected (or connecting) TCP socket, as the engine uses it: read, gathering write, shut
 * down, close, readiness interest, and blocking waits for the thread-per-connection models.
 *
 * <p>Each call that moves bytes takes the calling thread's {@link Scratch} (or null, for a thread
 * that has none) and, for each buffer, the native address of its index 0 where the engine knows it
 * (0 where it does not): a native transport then needs no {@code MemorySegment} per call.
 *
 * <p>Threads. Reads and writes are made by one thread at a time, as the engine's model arranges.
 * {@link #close}, {@link #shutdownToWake} and {@link #setInterest} are safe from any thread: they
 * run only while the socket is still this one's, since a released descriptor number is at once the
 * kernel's to give to the next connection (a late wake-up once reset that connection instead).
 */
public abstract sealed class TransportSocket permits NioSocket, EpollSocket, UringSocket, MemorySocket {

    /**
     * Reads into {@code dst} from its position, advancing it. Returns the bytes read, 0 if none are
     * there (non-blocking), -1 at end of stream. In blocking mode it waits for bytes.
     */
    public abstract int read(Scratch s, ByteBuffer dst, long dstBase) throws IOException;

    /** Writes from {@code src}'s position, advancing it; returns the bytes written (0: no room now). */
    public abstract long write(Scratch s, ByteBuffer src, long srcBase) throws IOException;

    /** One gathering write of {@code srcs[offset .. offset+length)}, advancing their positions. */
    public abstract long write(Scratch s, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException;

    /**
     * Whether {@link #writeInPlace} may send from the caller's memory after it returns (a
     * completion transport: the kernel is given the bytes' address and the socket keeps the buffer
     * until they are sent). Readiness transports write at once and say false.
     */
    public boolean sendsInPlace() {
        return false;
    }

    /**
     * Writes from {@code src}, a direct buffer whose bytes never change again, as {@link #write}
     * does; a socket that {@link #sendsInPlace sends in place} may count them as written and send
     * them later from {@code src}'s memory, without copying, keeping {@code src} until then.
     */
    public long writeInPlace(Scratch s, ByteBuffer src, long srcBase) throws IOException {
        return write(s, src, srcBase);
    }

    /** Ends our side of the stream (FIN); reading goes on. */
    public abstract void shutdownOutput() throws IOException;

    /**
     * Makes a thread blocked on this socket return: {@code graceful} shuts the input down (the
     * reader sees end of stream), otherwise both directions (it sees an error), after a linger-0
     * setting if {@code reset}. Any thread; a no-op once closed. Does not release the socket.
     */
    public abstract void shutdownToWake(boolean graceful, boolean reset);

    /** Releases the socket; with {@code reset} the peer gets RST instead of FIN. Any thread; idempotent. */
    public abstract void close(boolean reset);

    /**
     * Sets the readiness this registered, non-blocking socket waits for ({@link Interest#READ},
     * {@link Interest#WRITE}, both or 0). Any thread. Returns true if it changed.
     */
    public abstract boolean setInterest(int ops);

    /** A one-shot registration fired and the kernel disarmed it. The polling thread. */
    public void disarmed() {
    }

    /** Bytes that arrived and were not read yet. */
    public abstract int available();

    public abstract SocketAddress remoteAddress();

    public abstract SocketAddress localAddress();

    /**
     * A connect is under way: completes it. True once connected, false while still in progress;
     * throws if it failed.
     */
    public abstract boolean finishConnect() throws IOException;

    /**
     * Thread-per-connection: from now on reads wait for bytes and writes for room, the thread that
     * makes them blocking ({@code parker} parks virtual threads where the transport needs it).
     */
    public abstract void makeBlocking(Parker parker) throws IOException;

    /** Whether reads and writes wait (thread-per-connection) rather than return 0. */
    public abstract boolean isBlocking();
}
