package io.throng.websocket;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A WebSocket client written for the tests on plain JDK blocking sockets, independent of the code
 * under test: it builds frames byte by byte (any opcode, RSV bits, masking, length encoding),
 * writes them whole, frame by frame or in chops, and reads the server's frames raw. This is how the
 * conformance suite plays Autobahn's fuzzing client.
 */
final class RawPeer implements AutoCloseable {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CLOSE = 8;
    static final int PING = 9;
    static final int PONG = 10;

    /** How bytes are written: all at once, or in pieces of {@code chop} bytes. */
    record Chop(int bytes) {
        static final Chop NONE = new Chop(Integer.MAX_VALUE);
        static final Chop BYTEWISE = new Chop(1);
    }

    /** A frame from the server, or the end of the stream (opcode -1), or nothing within the wait (-2). */
    record Frame(int opcode, boolean fin, int rsv, byte[] payload) {
        static final Frame EOF = new Frame(-1, true, 0, new byte[0]);
        static final Frame TIMEOUT = new Frame(-2, true, 0, new byte[0]);

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }

        @Override
        public String toString() {
            return opcode == -1 ? "EOF" : opcode == -2 ? "TIMEOUT"
                    : "frame(op " + opcode + ", fin " + fin + ", rsv " + rsv + ", " + payload.length + " B"
                    + (opcode == CLOSE ? ", code " + closeCode() : "") + ")";
        }
    }

    final Socket socket;
    final String response;
    private final Random random = new Random(42);
    private final byte[] readBuffer = new byte[64 * 1024];
    private int readPos;
    private int readEnd;
    Inflater inflater;
    boolean serverNoContextTakeover;

    private RawPeer(Socket socket, String response) {
        this.socket = socket;
        this.response = response;
    }

    /** Connects and completes the handshake; fails unless the server answers 101 with the right accept key. */
    static RawPeer open(InetSocketAddress address, String path, String... extraHeaders) throws IOException {
        RawPeer p = connectRaw(address);
        String key = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + address.getHostString() + ":"
                + address.getPort() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n");
        for (String h : extraHeaders) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        p.write(req.toString().getBytes(StandardCharsets.ISO_8859_1), Chop.NONE);
        String head = p.readHead();
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("no upgrade: " + head);
        }
        String expected = acceptFor(key);
        if (!head.contains("Sec-WebSocket-Accept: " + expected)) {
            throw new IOException("wrong accept key in " + head);
        }
        RawPeer upgraded = new RawPeer(p.socket, head);
        upgraded.readPos = p.readPos;
        upgraded.readEnd = p.readEnd;
        System.arraycopy(p.readBuffer, 0, upgraded.readBuffer, 0, p.readEnd);
        if (head.toLowerCase().contains("permessage-deflate")) {
            upgraded.inflater = new Inflater(true);
            upgraded.serverNoContextTakeover = head.contains("server_no_context_takeover");
        }
        return upgraded;
    }

    static RawPeer connectRaw(InetSocketAddress address) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(address, 5000);
        s.setSoTimeout(10_000);
        return new RawPeer(s, null);
    }

    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            return Base64.getEncoder().encodeToString(
                    sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Reads an HTTP head (up to the blank line) as text. */
    String readHead() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = readByte();
            if (b < 0) {
                throw new EOFException("end of stream in an HTTP head: " + out);
            }
            out.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads a whole HTTP response (head and Content-Length body) as text. */
    String readResponse() throws IOException {
        String head = readHead();
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(readExactly(length), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ frames out

    /** A client frame: first byte {@code b0}, masked with a random key, minimal length encoding. */
    byte[] frame(int b0, byte[] payload) {
        return frame(b0, payload, true, -1);
    }

    /**
     * A frame with full control: {@code lengthBytes} 0, 2 or 8 forces that length encoding (-1 for
     * the minimal one).
     */
    byte[] frame(int b0, byte[] payload, boolean masked, int lengthBytes) {
        int n = payload.length;
        int enc = lengthBytes >= 0 ? lengthBytes : n <= 125 ? 0 : n <= 0xFFFF ? 2 : 8;
        ByteBuffer b = ByteBuffer.allocate(2 + enc + (masked ? 4 : 0) + n);
        b.put((byte) b0);
        int maskBit = masked ? 0x80 : 0;
        if (enc == 0) {
            b.put((byte) (maskBit | n));
        } else if (enc == 2) {
            b.put((byte) (maskBit | 126)).putShort((short) n);
        } else {
            b.put((byte) (maskBit | 127)).putLong(n);
        }
        byte[] mask = new byte[4];
        if (masked) {
            random.nextBytes(mask);
            b.put(mask);
        }
        for (int i = 0; i < n; i++) {
            b.put((byte) (payload[i] ^ mask[i & 3]));
        }
        return b.array();
    }

    byte[] text(String s) {
        return frame(0x80 | TEXT, s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + r.length).putShort((short) code).put(r).array();
    }

    void write(byte[] bytes, Chop chop) throws IOException {
        var out = socket.getOutputStream();
        for (int i = 0; i < bytes.length; i += chop.bytes()) {
            out.write(bytes, i, Math.min(chop.bytes(), bytes.length - i));
            out.flush();
        }
    }

    void send(byte[]... frames) throws IOException {
        for (byte[] f : frames) {
            write(f, Chop.NONE);
        }
    }

    /** Writes frames concatenated in one write. */
    void sendTogether(byte[]... frames) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.write(f);
        }
        write(all.toByteArray(), Chop.NONE);
    }

    // ------------------------------------------------------------------ frames in

    private int readByte() throws IOException {
        if (readPos == readEnd) {
            readPos = 0;
            readEnd = 0; // stays empty if the read below times out
            readEnd = socket.getInputStream().read(readBuffer);
            if (readEnd <= 0) {
                readEnd = 0;
                return -1;
            }
        }
        return readBuffer[readPos++] & 0xFF;
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int b = readByte();
            if (b < 0) {
                throw new EOFException("end of stream after " + i + " of " + n + " bytes");
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** The next frame, EOF, or TIMEOUT after {@code wait}. A reset counts as EOF. */
    Frame read(Duration wait) throws IOException {
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        int b0;
        try {
            b0 = readByte();
        } catch (SocketTimeoutException e) {
            return Frame.TIMEOUT;
        } catch (java.net.SocketException e) {
            return Frame.EOF;
        }
        if (b0 < 0) {
            return Frame.EOF;
        }
        socket.setSoTimeout(20_000);
        int b1 = readByte();
        if (b1 < 0) {
            throw new EOFException("end of stream inside a frame header");
        }
        if ((b1 & 0x80) != 0) {
            throw new AssertionError("the server masked a frame");
        }
        long n = b1 & 0x7F;
        if (n == 126) {
            n = ByteBuffer.wrap(readExactly(2)).getShort() & 0xFFFF;
        } else if (n == 127) {
            n = ByteBuffer.wrap(readExactly(8)).getLong();
        }
        return new Frame(b0 & 0x0F, (b0 & 0x80) != 0, (b0 >> 4) & 7, readExactly((int) n));
    }

    Frame read() throws IOException {
        return read(Duration.ofSeconds(10));
    }

    /** The next data message (assembling fragments, inflating RSV1 messages), skipping nothing else. */
    Frame readMessage() throws IOException {
        Frame first = read();
        if (first.opcode() != TEXT && first.opcode() != BINARY) {
            return first;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(first.payload());
        Frame f = first;
        while (!f.fin()) {
            f = read();
            if (f.opcode() != 0) {
                throw new AssertionError("expected a continuation, got " + f);
            }
            all.write(f.payload());
        }
        byte[] payload = all.toByteArray();
        if ((first.rsv() & 4) != 0) {
            payload = inflate(payload);
        }
        return new Frame(first.opcode(), true, first.rsv(), payload);
    }

    private byte[] inflate(byte[] compressed) throws IOException {
        if (inflater == null) {
            throw new AssertionError("RSV1 set without permessage-deflate");
        }
        inflater.setInput(concat(compressed, new byte[] {0, 0, (byte) 0xFF, (byte) 0xFF}));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        try {
            int k;
            do {
                k = inflater.inflate(chunk);
                out.write(chunk, 0, k);
            } while (k == chunk.length);
        } catch (java.util.zip.DataFormatException e) {
            throw new IOException("the server's compressed message does not inflate", e);
        }
        if (serverNoContextTakeover) {
            inflater.reset();
        }
        return out.toByteArray();
    }

    /** Compresses a message as permessage-deflate does (raw deflate, sync flush, tail removed). */
    static byte[] deflate(byte[] message, Deflater d) {
        d.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = new byte[64 * 1024];
        int k;
        do {
            k = d.deflate(chunk, 0, chunk.length, Deflater.SYNC_FLUSH);
            out.write(chunk, 0, k);
        } while (k == chunk.length);
        byte[] all = out.toByteArray();
        return java.util.Arrays.copyOf(all, all.length - 4);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /**
     * Reads frames until a Close, collecting the data messages and pongs before it; then expects
     * the server to end the TCP connection. Returns the Close frame.
     */
    Frame expectClose(List<Frame> before) throws IOException {
        while (true) {
            Frame f = read();
            if (f == Frame.TIMEOUT) {
                throw new AssertionError("no Close from the server within 10 s (got " + before + ")");
            }
            if (f == Frame.EOF) {
                return f; // dropped without a Close: callers decide whether that is allowed
            }
            if (f.opcode() == CLOSE) {
                return f;
            }
            before.add(f);
        }
    }

    /** After the server's Close: answer it, and check that the server then closes TCP. */
    boolean answerCloseAndExpectEof(Frame close) throws IOException {
        try {
            send(frame(0x80 | CLOSE, close.payload().length >= 2 ? java.util.Arrays.copyOf(close.payload(), 2) : new byte[0]));
        } catch (IOException closedAlready) {
            // the server may have closed first
        }
        return read(Duration.ofSeconds(5)) == Frame.EOF;
    }

    /** Our closing handshake: send Close {@code code}, expect the server's Close and then the end of the stream. */
    Frame closeHandshake(int code) throws IOException {
        send(frame(0x80 | CLOSE, closePayload(code, "")));
        List<Frame> before = new ArrayList<>();
        Frame close = expectClose(before);
        if (read(Duration.ofSeconds(5)) != Frame.EOF) {
            throw new AssertionError("the server did not close TCP after the closing handshake");
        }
        return close;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
