package io.throng.testsuite;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Plain JDK blocking sockets: the tests' independent peer. */
final class Net {
    private Net() {
    }

    static SocketChannel connect(InetSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.connect(address);
        return ch;
    }

    static void writeFully(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads exactly {@code n} bytes, or throws EOFException. */
    static byte[] readFully(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new java.io.EOFException("end of stream after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    /** Reads until end of stream; returns the byte count. Fails on a reset. */
    static long readToEnd(SocketChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        for (int n; (n = ch.read(b)) >= 0; b.clear()) {
            total += n;
        }
        return total;
    }

    /** True if the peer ended the stream (FIN) or reset it; waits up to {@code within}. */
    static boolean closedByPeer(SocketChannel ch, Duration within) throws IOException {
        ch.socket().setSoTimeout((int) within.toMillis());
        try {
            int n = ch.socket().getInputStream().read(new byte[1]);
            return n < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    static ByteBuffer frame(byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length);
        b.putInt(payload.length).put(payload).flip();
        return b;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
