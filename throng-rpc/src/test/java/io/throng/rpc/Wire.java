package io.throng.rpc;

import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.RequestHeader;
import io.throng.rpc.frame.UnaryFrames;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Map;

/** A raw blocking socket speaking tRPC frames: the tests' hand-driven peer. */
final class Wire implements AutoCloseable {
    final SocketChannel ch;

    Wire(InetSocketAddress address) throws IOException {
        ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.connect(address);
    }

    static byte[] request(int streamId, int versionByte, int requestId, String func, byte[] body, int timeoutMs) {
        RequestHeader h = new RequestHeader(0, 0, requestId, timeoutMs, "trpc.test.raw.Client", "", func, 0,
                Map.of(), 0, 0, 0);
        return UnaryFrames.encodeRequest(streamId, versionByte, h, body, null, FrameLimits.DEFAULT);
    }

    void send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Reads one whole response frame. */
    UnaryFrames.Response readResponse() throws IOException {
        ByteBuffer head = readFully(FrameHeader.SIZE);
        int total = head.getInt(4);
        ByteBuffer whole = ByteBuffer.allocate(total);
        whole.put(head.flip()).put(readFully(total - FrameHeader.SIZE).flip()).flip();
        FrameHeader h = FrameHeader.peek(whole, FrameLimits.DEFAULT);
        return UnaryFrames.decodeResponse(whole, h);
    }

    ByteBuffer readFully(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("end of stream after " + b.position() + " of " + n + " bytes");
            }
        }
        return b;
    }

    /** True if the peer closed (FIN or reset) within {@code millis}. */
    boolean closedByPeer(int millis) throws IOException {
        ch.socket().setSoTimeout(millis);
        try {
            return ch.socket().getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
