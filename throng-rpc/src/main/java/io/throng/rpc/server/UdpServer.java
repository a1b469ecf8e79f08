package io.throng.rpc.server;

import io.throng.rpc.conn.LimitedLog;
import io.throng.rpc.frame.FrameException;
import io.throng.rpc.frame.FrameHeader;
import io.throng.rpc.frame.FrameLimits;
import io.throng.rpc.frame.UnaryFrames;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.LongAdder;

/**
 * tRPC over UDP on the portable transport (a JDK {@link DatagramChannel}), what {@code network:
 * udp} falls back to: one whole unary frame per datagram, each reply one datagram to the sender,
 * as tRPC-Go's UDP transport does. Streams need TCP. A datagram that is not exactly one valid
 * frame is dropped with a rate-limited log line (UDP has no connection to close). One receiving
 * thread decodes and dispatches; handlers run as on TCP (virtual threads, or inline on it).
 */
final class UdpServer implements AutoCloseable {
    /** The largest UDP payload over IPv4: 65,535 - 8 (UDP header) - 20 (IP header). */
    static final int MAX_DATAGRAM = 65_507;

    private final DatagramChannel channel;
    private final Thread receiver;
    private final LongAdder dropped;

    private UdpServer(DatagramChannel channel, UnaryDispatch unary, FrameLimits limits, LimitedLog log, LongAdder dropped) {
        this.channel = channel;
        this.dropped = dropped;
        this.receiver = Thread.ofPlatform().name("throng-rpc-udp-" + address().getPort()).daemon().unstarted(() -> {
            ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM + 1); // one byte more reveals an oversize datagram
            while (channel.isOpen()) {
                SocketAddress from;
                try {
                    buf.clear();
                    from = channel.receive(buf);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    log.log(Level.WARNING, "udp receive on " + address() + " failed: " + e);
                    continue;
                }
                buf.flip();
                try {
                    FrameHeader h = FrameHeader.peek(buf, limits);
                    if (h == null || h.totalSize() != buf.remaining()) {
                        throw new FrameException("datagram of " + buf.remaining() + " bytes does not hold exactly one frame"
                                + (h == null ? "" : " (the frame says " + h.totalSize() + ")"));
                    }
                    if (!h.isUnary()) {
                        throw new FrameException("stream frame over udp (streams need tcp)");
                    }
                    unary.dispatch(new Peer(channel, from), h, UnaryFrames.decodeRequest(buf, h), from);
                } catch (FrameException e) {
                    dropped.increment();
                    log.log(Level.WARNING, "udp datagram from " + from + " dropped: " + e.getMessage());
                }
            }
        });
    }

    static UdpServer start(String host, int port, UnaryDispatch unary, FrameLimits limits, LimitedLog log,
                           LongAdder dropped) throws IOException {
        DatagramChannel ch = DatagramChannel.open();
        try {
            ch.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        UdpServer s = new UdpServer(ch, unary, limits, log, dropped);
        s.receiver.start();
        return s;
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("udp channel closed", e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            receiver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A reply goes back to the datagram's sender; {@code DatagramChannel.send} is thread-safe. */
    private record Peer(DatagramChannel channel, SocketAddress to) implements ReplySink {
        @Override
        public boolean send(byte[] frame) {
            try {
                return channel.send(ByteBuffer.wrap(frame), to) == frame.length;
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void requestStarted() {
        }

        @Override
        public void requestDone() {
        }
    }
}
