package io.throng.websocket.push;

import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.PublishResult;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A blocking client of {@link PublishProtocol}, for tools and tests: {@link #publish} sends one
 * message and waits for its result; {@link #send} and {@link #readResult} pipeline many.
 */
public final class PushPublisher implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private PushPublisher(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    public static PushPublisher connect(InetSocketAddress address) throws IOException {
        return connect(address, null);
    }

    /**
     * Connects presenting {@code apiKey} (null: none), for a server with an API key; a wrong one
     * makes the first {@link #readResult} throw with the server's message.
     */
    public static PushPublisher connect(InetSocketAddress address, String apiKey) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 10_000);
        s.setSoTimeout(30_000);
        PushPublisher p = new PushPublisher(s);
        if (apiKey == null) {
            p.out.write(PublishProtocol.PREFACE);
        } else {
            byte[] k = apiKey.getBytes(StandardCharsets.US_ASCII);
            p.out.write(ByteBuffer.allocate(PublishProtocol.PREFACE_WITH_KEY.length + 2 + k.length)
                    .put(PublishProtocol.PREFACE_WITH_KEY).putShort((short) k.length).put(k).array());
        }
        return p;
    }

    /** Sends one publish without waiting (pipelining); read its result later with {@link #readResult}. */
    public void send(String channel, byte[] payload) throws IOException {
        byte[] name = channel.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(2 + name.length + 4 + payload.length);
        b.putShort((short) name.length).put(name).putInt(payload.length).put(payload);
        out.write(b.array());
        out.flush();
    }

    /**
     * The outcome of the oldest publish not yet read: done here (with the counts), accepted by
     * the bus's broker, or refused by the bus (down, or its queue full; the connection stays open).
     * Throws with the server's message when it refused the publish itself and closed.
     */
    public PublishOutcome readResult() throws IOException {
        int status = in.readUnsignedByte();
        return switch (status) {
            case PublishProtocol.DONE -> new PublishOutcome.Delivered(
                    new PublishResult(in.readInt(), in.readInt(), in.readInt(), in.readInt()));
            case PublishProtocol.ACCEPTED -> {
                String text = readText();
                int space = text.indexOf(' ');
                yield new PublishOutcome.Accepted(space < 0 ? text : text.substring(0, space),
                        space < 0 ? "" : text.substring(space + 1));
            }
            case PublishProtocol.REFUSED -> new PublishOutcome.Refused(readText());
            case PublishProtocol.ERROR -> throw new IOException("the server refused the publish: " + readText());
            default -> throw new IOException("not a publish result: status byte " + status);
        };
    }

    private String readText() throws IOException {
        byte[] m = new byte[in.readUnsignedShort()];
        in.readFully(m);
        return new String(m, StandardCharsets.UTF_8);
    }

    public PublishOutcome publish(String channel, byte[] payload) throws IOException {
        send(channel, payload);
        return readResult();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
