package io.throng.core.transport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A socket in memory: what the peer "sends" is queued by {@link #feed}, what the engine writes
 * is kept for {@link #takeWritten}, and {@link #allowWrites} limits how much the next writes take,
 * so a test can fill the "socket" and see backpressure. The engine's embedded connection runs on
 * it (the role of Netty's EmbeddedChannel), and the write queue's tests use it. With
 * {@link #sendInPlace} it takes immutable bytes as a completion transport does: by reference, read
 * only when {@link #takeWritten} is called. Thread-safe.
 */
public final class MemorySocket extends TransportSocket {
    private static final InetSocketAddress LOCAL = InetSocketAddress.createUnresolved("embedded-local", 1);
    private static final InetSocketAddress REMOTE = InetSocketAddress.createUnresolved("embedded-remote", 2);

    private final ArrayDeque<ByteBuffer> inbound = new ArrayDeque<>();
    private boolean inputEnded;
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private long writeAllowance = Long.MAX_VALUE;
    private int interest;
    private boolean outputShut;
    private boolean closed;
    private boolean reset;
    private long writeCalls;
    private boolean inPlace;
    /** What was written before the bytes in {@link #written}: copies (byte[]) and views taken in place. */
    private final java.util.ArrayList<Object> earlier = new java.util.ArrayList<>();
    private long inPlaceWrites;

    /** Queues bytes from the peer, read by the next reads. */
    public synchronized void feed(byte[] bytes) {
        if (bytes.length > 0) {
            inbound.add(ByteBuffer.wrap(bytes.clone()));
        }
    }

    /** The peer closed its side: reads return -1 once what was fed is read. */
    public synchronized void feedEnd() {
        inputEnded = true;
    }

    /** Whether bytes (or the end) are waiting to be read. */
    public synchronized boolean readable() {
        return !inbound.isEmpty() || inputEnded;
    }

    /** How many more bytes writes may take (then they take 0, as a full socket does); MAX_VALUE for no limit. */
    public synchronized void allowWrites(long bytes) {
        writeAllowance = bytes;
    }

    public synchronized long writeAllowance() {
        return writeAllowance;
    }

    /** Everything written since the last call, as the peer would read it. */
    public synchronized byte[] takeWritten() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Object o : earlier) {
            if (o instanceof byte[] b) {
                all.writeBytes(b);
            } else {
                ByteBuffer v = (ByteBuffer) o;
                byte[] b = new byte[v.remaining()];
                v.get(b);
                all.writeBytes(b);
            }
        }
        earlier.clear();
        all.writeBytes(written.toByteArray());
        written.reset();
        return all.toByteArray();
    }

    /** Takes {@link #writeInPlace}'s bytes by reference (as io_uring does) rather than copying them. */
    public synchronized void sendInPlace(boolean on) {
        inPlace = on;
    }

    @Override
    public synchronized boolean sendsInPlace() {
        return inPlace;
    }

    /** How many writes took their bytes by reference. */
    public synchronized long inPlaceWrites() {
        return inPlaceWrites;
    }

    @Override
    public synchronized long writeInPlace(Scratch s, ByteBuffer src, long srcBase) throws IOException {
        if (!inPlace) {
            return write(s, src, srcBase);
        }
        if (closed || outputShut) {
            throw new IOException("Broken pipe (write)");
        }
        writeCalls++;
        int k = (int) Math.min(src.remaining(), writeAllowance);
        if (k == 0) {
            return 0;
        }
        if (written.size() > 0) {
            earlier.add(written.toByteArray());
            written.reset();
        }
        earlier.add(src.slice(src.position(), k)); // read when taken: a change to the bytes meanwhile would show
        src.position(src.position() + k);
        inPlaceWrites++;
        if (writeAllowance != Long.MAX_VALUE) {
            writeAllowance -= k;
        }
        return k;
    }

    /** How many write calls the engine made (gathering writes count once). */
    public synchronized long writeCalls() {
        return writeCalls;
    }

    public synchronized int interest() {
        return interest;
    }

    public synchronized boolean outputShut() {
        return outputShut;
    }

    public synchronized boolean closed() {
        return closed;
    }

    /** Whether it was closed with a reset (RST) rather than a FIN. */
    public synchronized boolean reset() {
        return reset;
    }

    @Override
    public synchronized int read(Scratch s, ByteBuffer dst, long dstBase) throws IOException {
        if (closed) {
            throw new IOException("socket closed");
        }
        int n = 0;
        while (dst.hasRemaining() && !inbound.isEmpty()) {
            ByteBuffer b = inbound.peek();
            int k = Math.min(dst.remaining(), b.remaining());
            dst.put(dst.position(), b, b.position(), k);
            dst.position(dst.position() + k);
            b.position(b.position() + k);
            n += k;
            if (!b.hasRemaining()) {
                inbound.poll();
            }
        }
        if (n == 0 && inputEnded && dst.hasRemaining()) {
            return -1;
        }
        return n;
    }

    @Override
    public synchronized long write(Scratch s, ByteBuffer src, long srcBase) throws IOException {
        return write(s, new ByteBuffer[] {src}, new long[1], 0, 1);
    }

    @Override
    public synchronized long write(Scratch s, ByteBuffer[] srcs, long[] bases, int offset, int length) throws IOException {
        if (closed || outputShut) {
            throw new IOException("Broken pipe (write)");
        }
        writeCalls++;
        long n = 0;
        for (int i = offset; i < offset + length && writeAllowance > 0; i++) {
            ByteBuffer b = srcs[i];
            int k = (int) Math.min(b.remaining(), writeAllowance);
            byte[] chunk = new byte[k];
            b.get(chunk);
            written.write(chunk, 0, k);
            n += k;
            if (writeAllowance != Long.MAX_VALUE) {
                writeAllowance -= k;
            }
        }
        return n;
    }

    @Override
    public synchronized void shutdownOutput() {
        outputShut = true;
    }

    @Override
    public synchronized void shutdownToWake(boolean graceful, boolean reset) {
        if (graceful) {
            inputEnded = true;
        } else {
            close(reset);
        }
    }

    @Override
    public synchronized void close(boolean reset) {
        if (!closed) {
            closed = true;
            this.reset = reset;
        }
    }

    @Override
    public synchronized boolean setInterest(int ops) {
        if (closed || interest == ops) {
            return false;
        }
        interest = ops;
        return true;
    }

    @Override
    public synchronized int available() {
        int n = 0;
        for (ByteBuffer b : inbound) {
            n += b.remaining();
        }
        return n;
    }

    @Override
    public SocketAddress remoteAddress() {
        return REMOTE;
    }

    @Override
    public SocketAddress localAddress() {
        return LOCAL;
    }

    @Override
    public boolean finishConnect() {
        return true;
    }

    @Override
    public void makeBlocking(Parker parker) {
        throw new UnsupportedOperationException("a memory socket is never blocking");
    }

    @Override
    public boolean isBlocking() {
        return false;
    }

    @Override
    public String toString() {
        return "memory socket";
    }
}
