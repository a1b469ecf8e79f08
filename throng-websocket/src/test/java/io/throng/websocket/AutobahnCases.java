package io.throng.websocket;

import static io.throng.websocket.RawPeer.BINARY;
import static io.throng.websocket.RawPeer.CLOSE;
import static io.throng.websocket.RawPeer.PING;
import static io.throng.websocket.RawPeer.PONG;
import static io.throng.websocket.RawPeer.TEXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.throng.websocket.RawPeer.Chop;
import io.throng.websocket.RawPeer.Frame;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Our own conformance cases, one or more for every case group of the Autobahn|Testsuite catalogue
 * (../shared/reference/autobahn-cases.md) but compression (in {@link DeflateConformanceTest}):
 * 1 framing, 2 pings, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8 (6.5-6.23 as generated
 * sequences judged by the JDK's strict decoder), 7 close handling, 9 limits, 10 auto-fragmentation.
 * Each case opens its own connection with {@link RawPeer} and judges what comes back as Autobahn
 * does (echo, pong, Close code, TCP closed).
 */
final class AutobahnCases {
    static final int FIN = 0x80;
    private static final Duration QUIET = Duration.ofMillis(300);

    /** A case: it runs against a server's address and throws if the server misbehaves. */
    interface Body {
        void run(InetSocketAddress server) throws Exception;
    }

    /** {@code heavy} cases (multi-megabyte messages, thousands of round trips) run under one model only. */
    record Case(String id, String what, boolean heavy, Body body) {
        @Override
        public String toString() {
            return id + " " + what;
        }
    }

    private final List<Case> cases = new ArrayList<>();

    private AutobahnCases() {
    }

    static List<Case> all() {
        AutobahnCases c = new AutobahnCases();
        c.framing();
        c.pings();
        c.reservedBits();
        c.opcodes();
        c.fragmentation();
        c.utf8();
        c.closing();
        c.limits();
        c.autoFragmentation();
        return c.cases;
    }

    private void add(String id, String what, Body body) {
        cases.add(new Case(id, what, false, body));
    }

    private void heavy(String id, String what, Body body) {
        cases.add(new Case(id, what, true, body));
    }

    static RawPeer open(InetSocketAddress server) throws java.io.IOException {
        return RawPeer.open(server, "/");
    }

    static byte[] repeat(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One message echoed, then a clean close. */
    private static Body echoes(int opcode, byte[] payload, Chop chop) {
        return server -> {
            try (RawPeer p = open(server)) {
                p.write(p.frame(FIN | opcode, payload), chop);
                Expect.echo(p, opcode, payload);
                Expect.cleanClose(p, 1000);
            }
        };
    }

    // ------------------------------------------------------------------ 1 Framing

    private void framing() {
        int[] sizes = {0, 125, 126, 127, 128, 65535, 65536};
        for (int i = 0; i < sizes.length; i++) {
            add("1.1." + (i + 1), "text of " + sizes[i] + " B", echoes(TEXT, repeat('*', sizes[i]), Chop.NONE));
            add("1.2." + (i + 1), "binary of " + sizes[i] + " B", echoes(BINARY, repeat((char) 0xFE, sizes[i]), Chop.NONE));
        }
        add("1.1.8", "text of 65536 B in 997-byte chops", echoes(TEXT, repeat('*', 65536), new Chop(997)));
        add("1.2.8", "binary of 65536 B in 997-byte chops", echoes(BINARY, repeat((char) 0xFE, 65536), new Chop(997)));
        add("1.x", "lengths in longer encodings than needed are accepted", server -> {
            try (RawPeer p = open(server)) {
                byte[] hello = utf8("hello");
                p.send(p.frame(FIN | TEXT, hello, true, 2), p.frame(FIN | TEXT, hello, true, 8));
                Expect.echoText(p, "hello");
                Expect.echoText(p, "hello");
                Expect.cleanClose(p, 1000);
            }
        });
        add("1.x", "an unmasked client frame fails the connection (1002)", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | TEXT, utf8("hello"), false, -1));
                Expect.failed(p, 1002);
            }
        });
    }

    // ------------------------------------------------------------------ 2 Pings/Pongs

    private void pings() {
        add("2.1", "ping without payload", pingPong(new byte[0], Chop.NONE));
        add("2.2", "ping with text payload", pingPong(utf8("Hello, world!"), Chop.NONE));
        add("2.3", "ping with binary payload", pingPong(new byte[] {0, (byte) 0xff, (byte) 0xfe, (byte) 0xfd, (byte) 0xfc, (byte) 0xfb, 0, (byte) 0xff}, Chop.NONE));
        add("2.4", "ping of 125 B", pingPong(repeat('*', 125), Chop.NONE));
        add("2.5", "ping of 126 B fails (1002)", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | PING, repeat('*', 126)));
                Expect.failed(p, 1002);
            }
        });
        add("2.6", "ping of 125 B in 1-byte chops", pingPong(repeat('*', 125), Chop.BYTEWISE));
        add("2.7", "unsolicited empty pong, then close", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | PONG, new byte[0]));
                Expect.cleanClose(p, 1000);
            }
        });
        add("2.8", "unsolicited pong with payload, then close", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | PONG, utf8("unsolicited pong payload")));
                Expect.cleanClose(p, 1000);
            }
        });
        add("2.9", "unsolicited pong, then a ping: exactly one pong", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | PONG, utf8("unsolicited pong payload")), p.frame(FIN | PING, utf8("ping payload")));
                Expect.pong(p, utf8("ping payload"));
                Expect.cleanClose(p, 1000);
            }
        });
        add("2.10", "10 pings, 10 pongs in order", tenPings(Chop.NONE));
        add("2.11", "10 pings in 1-byte chops", tenPings(Chop.BYTEWISE));
    }

    private static Body pingPong(byte[] payload, Chop chop) {
        return server -> {
            try (RawPeer p = open(server)) {
                p.write(p.frame(FIN | PING, payload), chop);
                Expect.pong(p, payload);
                Expect.cleanClose(p, 1000);
            }
        };
    }

    private static Body tenPings(Chop chop) {
        return server -> {
            try (RawPeer p = open(server)) {
                for (int i = 0; i < 10; i++) {
                    p.write(p.frame(FIN | PING, utf8("payload-" + i)), chop);
                }
                for (int i = 0; i < 10; i++) {
                    Expect.pong(p, utf8("payload-" + i));
                }
                Expect.cleanClose(p, 1000);
            }
        };
    }

    // ------------------------------------------------------------------ 3 Reserved bits

    private void reservedBits() {
        add("3.1", "text with RSV=1 fails", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | (1 << 4) | TEXT, utf8("Hello, World!")));
                Expect.failed(p, 1002);
            }
        });
        int[] rsv = {2, 3, 4};
        Chop[] chops = {Chop.NONE, null, Chop.BYTEWISE};
        for (int i = 0; i < 3; i++) {
            int r = rsv[i];
            Chop chop = chops[i];
            add("3." + (i + 2), "text, text with RSV=" + r + ", ping: echo, then fail without a pong", server -> {
                try (RawPeer p = open(server)) {
                    byte[][] frames = {p.text("Hello, World!"), p.frame(FIN | (r << 4) | TEXT, utf8("Hello, World!")),
                            p.frame(FIN | PING, new byte[0])};
                    if (chop == null) {
                        p.send(frames);
                    } else {
                        p.write(concat(frames), chop);
                    }
                    Expect.echoText(p, "Hello, World!");
                    Expect.failed(p, 1002);
                }
            });
        }
        add("3.5", "binary with RSV=5 fails", failsWith(FIN | (5 << 4) | BINARY, new byte[] {1, 2, 3}));
        add("3.6", "ping with RSV=6 fails", failsWith(FIN | (6 << 4) | PING, utf8("Hello")));
        add("3.7", "close with RSV=7 fails", failsWith(FIN | (7 << 4) | CLOSE, RawPeer.closePayload(1000, "")));
    }

    private static Body failsWith(int b0, byte[] payload) {
        return server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(b0, payload));
                Expect.failed(p, 1002);
            }
        };
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ 4 Opcodes

    private void opcodes() {
        add("4.1.1", "reserved data opcode 3, empty", failsWith(FIN | 3, new byte[0]));
        add("4.1.2", "reserved data opcode 4 with payload", failsWith(FIN | 4, utf8("reserved opcode payload")));
        int[] data = {5, 6, 7};
        for (int i = 0; i < 3; i++) {
            add("4.1." + (i + 3), "text, opcode " + data[i] + ", ping: echo, fail, no pong",
                    textThenBadOpcode(data[i], i == 2 ? Chop.BYTEWISE : Chop.NONE));
        }
        add("4.2.1", "reserved control opcode 11", failsWith(FIN | 11, new byte[0]));
        add("4.2.2", "reserved control opcode 12 with payload", failsWith(FIN | 12, utf8("reserved opcode payload")));
        int[] control = {13, 14, 15};
        for (int i = 0; i < 3; i++) {
            add("4.2." + (i + 3), "text, opcode " + control[i] + ", ping: echo, fail, no pong",
                    textThenBadOpcode(control[i], i == 2 ? Chop.BYTEWISE : Chop.NONE));
        }
    }

    private static Body textThenBadOpcode(int opcode, Chop chop) {
        return server -> {
            try (RawPeer p = open(server)) {
                p.write(concat(p.text("Hello, World!"), p.frame(FIN | opcode, utf8("reserved")), p.frame(FIN | PING, new byte[0])), chop);
                Expect.echoText(p, "Hello, World!");
                Expect.failed(p, 1002);
            }
        };
    }

    // ------------------------------------------------------------------ 5 Fragmentation

    private void fragmentation() {
        add("5.1", "ping in 2 fragments fails", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(PING, utf8("fragment1")), p.frame(FIN, utf8("fragment2")));
                Expect.failed(p, 1002);
            }
        });
        add("5.2", "pong in 2 fragments fails", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(PONG, utf8("fragment1")), p.frame(FIN, utf8("fragment2")));
                Expect.failed(p, 1002);
            }
        });
        Chop[] modes = {Chop.NONE, null, Chop.BYTEWISE};
        for (int i = 0; i < 3; i++) {
            Chop chop = modes[i];
            add("5." + (3 + i), "text in 2 fragments (" + mode(chop) + ")", server -> {
                try (RawPeer p = open(server)) {
                    write(p, chop, p.frame(TEXT, utf8("fragment1")), p.frame(FIN, utf8("fragment2")));
                    Expect.echoText(p, "fragment1fragment2");
                    Expect.cleanClose(p, 1000);
                }
            });
            add("5." + (6 + i), "fragment, ping, last fragment (" + mode(chop) + "): pong first", server -> {
                try (RawPeer p = open(server)) {
                    write(p, chop, p.frame(TEXT, utf8("fragment1")), p.frame(FIN | PING, utf8("ping payload")),
                            p.frame(FIN, utf8("fragment2")));
                    Expect.pong(p, utf8("ping payload"));
                    Expect.echoText(p, "fragment1fragment2");
                    Expect.cleanClose(p, 1000);
                }
            });
            add("5." + (9 + i), "continuation (FIN) with nothing to continue (" + mode(chop) + ")", server -> {
                try (RawPeer p = open(server)) {
                    write(p, chop, p.frame(FIN, utf8("non-continuation payload")), p.text("Hello, world!"));
                    Expect.failed(p, 1002);
                }
            });
            add("5." + (12 + i), "continuation (no FIN) with nothing to continue (" + mode(chop) + ")", server -> {
                try (RawPeer p = open(server)) {
                    write(p, chop, p.frame(0, utf8("non-continuation payload")), p.text("Hello, world!"));
                    Expect.failed(p, 1002);
                }
            });
        }
        add("5.15", "2-fragment text, stray continuation, text: echo, then fail", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(TEXT, utf8("fragment1")), p.frame(FIN, utf8("fragment2")), p.frame(0, utf8("fragment3")),
                        p.frame(FIN, utf8("fragment4")));
                Expect.echoText(p, "fragment1fragment2");
                Expect.failed(p, 1002);
            }
        });
        for (int i = 0; i < 2; i++) {
            int firstFin = i == 0 ? 0 : FIN;
            add("5." + (16 + i), "stray continuation" + (i == 0 ? "" : " (FIN)") + " then 2-fragment text, twice", server -> {
                try (RawPeer p = open(server)) {
                    for (int k = 0; k < 2; k++) {
                        p.send(p.frame(firstFin, utf8("fragment1")), p.frame(TEXT, utf8("fragment2")), p.frame(FIN, utf8("fragment3")));
                    }
                    Expect.failed(p, 1002);
                }
            });
        }
        add("5.18", "a text frame where a continuation must come", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(TEXT, utf8("fragment1")), p.frame(FIN | TEXT, utf8("fragment2")));
                Expect.failed(p, 1002);
            }
        });
        for (int i = 0; i < 2; i++) {
            boolean framewise = i == 1;
            add("5." + (19 + i), "5 fragments with pings between, a pause in the middle" + (framewise ? " (frame-wise)" : ""), server -> {
                try (RawPeer p = open(server)) {
                    p.send(p.frame(TEXT, utf8("fragment1")), p.frame(0, utf8("fragment2")), p.frame(FIN | PING, utf8("pongme 1!")));
                    Expect.pong(p, utf8("pongme 1!")); // answered while the message is incomplete
                    Thread.sleep(200);
                    p.send(p.frame(0, utf8("fragment3")), p.frame(0, utf8("fragment4")), p.frame(FIN | PING, utf8("pongme 2!")),
                            p.frame(FIN, utf8("fragment5")));
                    Expect.pong(p, utf8("pongme 2!"));
                    Expect.echoText(p, "fragment1fragment2fragment3fragment4fragment5");
                    Expect.cleanClose(p, 1000);
                }
            });
        }
    }

    private static String mode(Chop chop) {
        return chop == null ? "frame-wise" : chop == Chop.NONE ? "one write" : "1-byte chops";
    }

    private static void write(RawPeer p, Chop chop, byte[]... frames) throws java.io.IOException {
        if (chop == null) {
            p.send(frames);
        } else {
            p.write(concat(frames), chop);
        }
    }

    // ------------------------------------------------------------------ 6 UTF-8

    private void utf8() {
        add("6.1.1", "empty text", echoes(TEXT, new byte[0], Chop.NONE));
        add("6.1.2", "3 empty fragments", fragmentsEcho("", "", ""));
        add("6.1.3", "empty, middle, empty fragments", fragmentsEcho("", "middle frame payload", ""));
        String valid = "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!";
        add("6.2.1", "valid UTF-8 in one frame", echoes(TEXT, utf8(valid), Chop.NONE));
        add("6.2.2", "valid UTF-8 in 2 fragments split on a code point", fragmentsEcho("Hello-\u00b5@\u00df\u00f6\u00e4", "\u00fc\u00e0\u00e1-UTF-8!!"));
        add("6.2.3", "valid UTF-8 in 1-byte fragments", byteFragmentsEcho(utf8(valid)));
        add("6.2.4", "\u03ba\u1f79\u03c3\u03bc\u03b5 in 1-byte fragments", byteFragmentsEcho(utf8("\u03ba\u1f79\u03c3\u03bc\u03b5")));
        byte[] invalid = concat(utf8("\u03ba\u1f79\u03c3\u03bc\u03b5"), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, utf8("edited"));
        add("6.3.1", "a surrogate in one frame: 1007", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | TEXT, invalid));
                Expect.failed(p, 1007);
            }
        });
        add("6.3.2", "a surrogate in 1-byte fragments: 1007", server -> {
            try (RawPeer p = open(server)) {
                byte[][] frames = new byte[invalid.length][];
                for (int i = 0; i < invalid.length; i++) {
                    frames[i] = p.frame((i == invalid.length - 1 ? FIN : 0) | (i == 0 ? TEXT : 0), new byte[] {invalid[i]});
                }
                p.sendTogether(frames);
                Expect.failed(p, 1007);
            }
        });
        failFast();
        for (Utf8Samples.Sample s : Utf8Samples.generated()) {
            add(s.id(), s.what() + (s.valid() ? " (valid)" : " (invalid)"), server -> {
                try (RawPeer p = open(server)) {
                    p.send(p.frame(FIN | TEXT, s.bytes()));
                    if (s.valid()) {
                        Expect.echo(p, TEXT, s.bytes());
                        Expect.cleanClose(p, 1000);
                    } else {
                        Expect.failed(p, 1007);
                    }
                }
            });
        }
    }

    private static Body fragmentsEcho(String... parts) {
        return server -> {
            try (RawPeer p = open(server)) {
                byte[][] frames = new byte[parts.length][];
                for (int i = 0; i < parts.length; i++) {
                    frames[i] = p.frame((i == parts.length - 1 ? FIN : 0) | (i == 0 ? TEXT : 0), utf8(parts[i]));
                }
                p.sendTogether(frames);
                Expect.echoText(p, String.join("", parts));
                Expect.cleanClose(p, 1000);
            }
        };
    }

    private static Body byteFragmentsEcho(byte[] text) {
        return server -> {
            try (RawPeer p = open(server)) {
                byte[][] frames = new byte[text.length][];
                for (int i = 0; i < text.length; i++) {
                    frames[i] = p.frame((i == text.length - 1 ? FIN : 0) | (i == 0 ? TEXT : 0), new byte[] {text[i]});
                }
                p.sendTogether(frames);
                Expect.echo(p, TEXT, text);
                Expect.cleanClose(p, 1000);
            }
        };
    }

    /**
     * 6.4.x: an invalid sequence (F4 90 80 80, above U+10FFFF) sent in three parts with pauses; a
     * server that validates as the bytes arrive fails the connection after the second part, before
     * the third is sent (Pass; only after the message ends would be Non-Strict).
     */
    private void failFast() {
        byte[] p1 = utf8("\u03ba\u1f79\u03c3\u03bc\u03b5");
        byte[] p2 = {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80};
        byte[] p3 = utf8("edited");
        for (int i = 0; i < 4; i++) {
            boolean asFrames = i < 2;
            boolean cutAfterOffendingByte = i % 2 == 1;
            add("6.4." + (i + 1), "fail fast on invalid UTF-8 sent " + (asFrames ? "as 3 fragments" : "in 3 chops of one frame")
                    + (cutAfterOffendingByte ? ", cut right after the offending byte" : ""), server -> {
                try (RawPeer p = open(server)) {
                    byte[] second = cutAfterOffendingByte ? new byte[] {(byte) 0xF4, (byte) 0x90} : p2;
                    byte[] third = cutAfterOffendingByte ? concat(new byte[] {(byte) 0x80, (byte) 0x80}, p3) : p3;
                    if (asFrames) {
                        p.send(p.frame(TEXT, p1));
                        Thread.sleep(100);
                        p.send(p.frame(0, second));
                    } else {
                        byte[] whole = p.frame(FIN | TEXT, concat(p1, second, third));
                        int headerLength = whole.length - (p1.length + second.length + third.length);
                        p.write(Arrays.copyOfRange(whole, 0, headerLength + p1.length), Chop.NONE);
                        Thread.sleep(100);
                        p.write(Arrays.copyOfRange(whole, headerLength + p1.length, headerLength + p1.length + second.length), Chop.NONE);
                    }
                    // the third part is not sent: the server must fail now
                    Expect.failed(p, 1007);
                }
            });
        }
    }

    // ------------------------------------------------------------------ 7 Close handling

    private void closing() {
        add("7.1.1", "text, then close: echo and clean close", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.text("Hello World!"));
                Expect.echoText(p, "Hello World!");
                Expect.cleanClose(p, 1000);
            }
        });
        add("7.1.2", "close, then a second close: one close back", server -> {
            try (RawPeer p = open(server)) {
                p.sendTogether(p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")), p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")));
                closedCleanlyAfterOurClose(p);
            }
        });
        add("7.1.3", "close, then ping: no pong", server -> {
            try (RawPeer p = open(server)) {
                p.sendTogether(p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")), p.frame(FIN | PING, utf8("Hello World!")));
                closedCleanlyAfterOurClose(p);
            }
        });
        add("7.1.4", "close, then text: no echo", server -> {
            try (RawPeer p = open(server)) {
                p.sendTogether(p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")), p.text("Hello World!"));
                closedCleanlyAfterOurClose(p);
            }
        });
        add("7.1.5", "fragment, close, fragment: no message", server -> {
            try (RawPeer p = open(server)) {
                p.sendTogether(p.frame(TEXT, utf8("fragment1")), p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")),
                        p.frame(FIN, utf8("fragment2")));
                closedCleanlyAfterOurClose(p);
            }
        });
        add("7.1.6", "256 KiB text, text, close, ping back to back: the echoes come before the Close", server -> {
            try (RawPeer p = open(server)) {
                byte[] big = repeat('B', 256 * 1024);
                p.sendTogether(p.frame(FIN | TEXT, big), p.text("Hello World!"), p.frame(FIN | CLOSE, RawPeer.closePayload(1000, "")),
                        p.frame(FIN | PING, utf8("Hello World!")));
                Expect.echo(p, TEXT, big);
                Expect.echoText(p, "Hello World!");
                closedCleanlyAfterOurClose(p);
            }
        });
        add("7.3.1", "close with an empty payload", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | CLOSE, new byte[0]));
                Frame close = p.read();
                assertThat(close.opcode()).isEqualTo(CLOSE);
                assertThat(close.payload().length == 0 || close.closeCode() == 1000).as("an empty Close or 1000").isTrue();
                assertThat(p.read(Duration.ofSeconds(5))).isEqualTo(Frame.EOF);
            }
        });
        add("7.3.2", "close with a 1-byte payload: 1002", failsWith(FIN | CLOSE, new byte[] {0x2A}));
        add("7.3.3", "close 1000", server -> {
            try (RawPeer p = open(server)) {
                Expect.cleanClose(p, 1000);
            }
        });
        add("7.3.4", "close 1000 with a reason", closeWith(1000, "Hello World!"));
        add("7.3.5", "close 1000 with a 123-byte reason", closeWith(1000, "*".repeat(123)));
        add("7.3.6", "close 1000 with a 124-byte reason (payload 126): 1002", failsWith(FIN | CLOSE, RawPeer.closePayload(1000, "*".repeat(124))));
        add("7.5.1", "close with an invalid UTF-8 reason: 1002 or 1007", server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | CLOSE, concat(RawPeer.closePayload(1000, ""), new byte[] {(byte) 0xCE, (byte) 0xBA, (byte) 0xE1,
                        (byte) 0xBD, (byte) 0xB9, (byte) 0xCF, (byte) 0x83, (byte) 0xCE, (byte) 0xBC, (byte) 0xCE, (byte) 0xB5,
                        (byte) 0xED, (byte) 0xA0, (byte) 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64})));
                Expect.failed(p, 1002, 1007);
            }
        });
        int[] validCodes = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
        for (int i = 0; i < validCodes.length; i++) {
            add("7.7." + (i + 1), "close with valid code " + validCodes[i], closeWith(validCodes[i], ""));
        }
        add("7.7.x", "close with the registered codes 1012-1014", server -> {
            for (int code : new int[] {1012, 1013, 1014}) {
                try (RawPeer p = open(server)) {
                    Expect.cleanClose(p, code);
                }
            }
        });
        int[] invalidCodes = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
        for (int i = 0; i < invalidCodes.length; i++) {
            add("7.9." + (i + 1), "close with invalid code " + invalidCodes[i] + ": 1002",
                    failsWith(FIN | CLOSE, RawPeer.closePayload(invalidCodes[i], "")));
        }
        add("7.13.1", "close with code 5000 (undefined by the RFC; we fail with 1002)", failsWith(FIN | CLOSE, RawPeer.closePayload(5000, "")));
        add("7.13.2", "close with code 65535 (we fail with 1002)", failsWith(FIN | CLOSE, RawPeer.closePayload(65535, "")));
    }

    private static Body closeWith(int code, String reason) {
        return server -> {
            try (RawPeer p = open(server)) {
                p.send(p.frame(FIN | CLOSE, RawPeer.closePayload(code, reason)));
                closedCleanlyAfterOurClose(p);
            }
        };
    }

    /** After our Close: exactly one Close comes back (1000 or our code), nothing else, then the end of the stream. */
    private static void closedCleanlyAfterOurClose(RawPeer p) throws java.io.IOException {
        List<Frame> before = new ArrayList<>();
        Frame close = p.expectClose(before);
        assertThat(before).as("no pong, no echo after our Close").isEmpty();
        assertThat(close.opcode()).as("a Close back (%s)", close).isEqualTo(CLOSE);
        assertThat(p.read(Duration.ofSeconds(5))).as("then TCP closed, no second Close").isEqualTo(Frame.EOF);
    }

    // ------------------------------------------------------------------ 9 Limits/Performance

    private void limits() {
        int[] big = {64 << 10, 256 << 10, 1 << 20, 4 << 20, 8 << 20, 16 << 20};
        for (int i = 0; i < big.length; i++) {
            Body text = echoes(TEXT, repeat('*', big[i]), Chop.NONE);
            Body binary = echoes(BINARY, repeat((char) 0xFE, big[i]), Chop.NONE);
            if (big[i] <= 1 << 20) {
                add("9.1." + (i + 1), "text of " + (big[i] >> 10) + " KiB", text);
                add("9.2." + (i + 1), "binary of " + (big[i] >> 10) + " KiB", binary);
            } else {
                heavy("9.1." + (i + 1), "text of " + (big[i] >> 20) + " MiB", text);
                heavy("9.2." + (i + 1), "binary of " + (big[i] >> 20) + " MiB", binary);
            }
        }
        int[] fragments = {64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20};
        for (int i = 0; i < fragments.length; i++) {
            int frag = fragments[i];
            heavy("9.3." + (i + 1), "4 MiB text in fragments of " + frag + " B", fragmented(TEXT, 4 << 20, frag));
            heavy("9.4." + (i + 1), "4 MiB binary in fragments of " + frag + " B", fragmented(BINARY, 4 << 20, frag));
            if (frag >= 256 && frag <= 64 << 10) {
                add("9.3.x", "1 MiB text in fragments of " + frag + " B", fragmented(TEXT, 1 << 20, frag));
            }
        }
        int[] chops = {64, 128, 256, 512, 1024, 2048};
        for (int i = 0; i < chops.length; i++) {
            heavy("9.5." + (i + 1), "1 MiB text in one frame, in chops of " + chops[i] + " B",
                    echoes(TEXT, repeat('*', 1 << 20), new Chop(chops[i])));
            heavy("9.6." + (i + 1), "1 MiB binary in one frame, in chops of " + chops[i] + " B",
                    echoes(BINARY, repeat((char) 0xFE, 1 << 20), new Chop(chops[i])));
        }
        add("9.5.x", "256 KiB text in one frame, in 1 KiB chops", echoes(TEXT, repeat('*', 256 << 10), new Chop(1024)));
        int[] sizes = {0, 16, 64, 256, 1024, 4096};
        for (int i = 0; i < sizes.length; i++) {
            heavy("9.7." + (i + 1), "1000 text round trips of " + sizes[i] + " B", roundTrips(TEXT, sizes[i], 1000));
            heavy("9.8." + (i + 1), "1000 binary round trips of " + sizes[i] + " B", roundTrips(BINARY, sizes[i], 1000));
        }
        add("9.7.x", "100 text round trips of 256 B", roundTrips(TEXT, 256, 100));
        add("9.8.x", "100 binary round trips of 4 KiB", roundTrips(BINARY, 4096, 100));
    }

    private static Body fragmented(int opcode, int size, int fragment) {
        return server -> {
            byte[] payload = repeat(opcode == TEXT ? '*' : (char) 0xFE, size);
            try (RawPeer p = open(server)) {
                ByteArrayOutputStream all = new ByteArrayOutputStream(size + size / fragment * 14 + 14);
                for (int at = 0; at < size; at += fragment) {
                    int n = Math.min(fragment, size - at);
                    boolean last = at + n >= size;
                    all.writeBytes(p.frame((last ? FIN : 0) | (at == 0 ? opcode : 0), Arrays.copyOfRange(payload, at, at + n)));
                }
                p.write(all.toByteArray(), Chop.NONE);
                Expect.echo(p, opcode, payload);
                Expect.cleanClose(p, 1000);
            }
        };
    }

    private static Body roundTrips(int opcode, int size, int count) {
        return server -> {
            byte[] payload = repeat(opcode == TEXT ? '*' : (char) 0xFE, size);
            try (RawPeer p = open(server)) {
                for (int i = 0; i < count; i++) {
                    p.send(p.frame(FIN | opcode, payload));
                    Expect.echo(p, opcode, payload);
                }
                Expect.cleanClose(p, 1000);
            }
        };
    }

    // ------------------------------------------------------------------ 10 Misc

    private void autoFragmentation() {
        add("10.1.1", "64 KiB text in 1300-byte frames", fragmented(TEXT, 65536, 1300));
    }
}
