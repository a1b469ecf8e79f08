package io.throng.websocket.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.throng.core.embedded.EmbeddedConnection;
import io.throng.websocket.Http;
import io.throng.websocket.PublishResult;
import io.throng.websocket.TopicRegistry;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketProtocol;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.bus.LocalSubscribers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the push service's two publish protocols, in memory: the
 * binary protocol's decoder, {@code POST /pub/<channel>}, and anything at all sent to the port
 * (HTTP, WebSocket subscribers, the binary protocol behind its 0x00). Without JAZZER_FUZZ these run
 * once per seed and kept crash under {@code PublishFuzzTestInputs/}; docs/fuzzing.md says how to fuzz.
 *
 * <p>Bad input is answered (an error reply, an HTTP status) and closes the connection; it never
 * throws. Each protocol has a model here of what must be published for a given input: exactly
 * those messages, with exactly those payloads, reach the bus.
 */
// 10 s for one input: the longest takes well under 1 ms
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PublishFuzzTest {
    /** max-message, and so the limit of a publish's payload on both protocols. */
    private static final int MAX_PAYLOAD = 4096;

    /** The bus's view of the node: records each publish ("channel=hex"). */
    private static final class Recorder implements LocalSubscribers {
        final List<String> published = new ArrayList<>();

        @Override
        public PublishResult deliver(String channel, ByteBuffer payload) {
            published.add(channel + "=" + hex(payload));
            return PublishResult.NO_SUBSCRIBERS;
        }

        @Override
        public boolean hasSubscribers(String channel) {
            return false;
        }

        @Override
        public List<String> channels() {
            return List.of();
        }
    }

    // The push service's protocol, built once (it reads its page from the jar): what one input
    // publishes is in PUSH_BUS until the next.
    private static final Recorder PUSH_BUS = new Recorder();
    private static final TopicRegistry TOPICS = new TopicRegistry();
    private static final WebSocketProtocol PUSH = PushServer.protocol(WebSocketConfig.defaults().withMaxMessageBytes(MAX_PAYLOAD),
            TOPICS, new LocalBus(PUSH_BUS), new PublishProtocol(new LocalBus(PUSH_BUS), MAX_PAYLOAD), null, () -> null);

    /** The binary protocol's decoder: publishes exactly what the model says, answers each, errors last. */
    @FuzzTest
    void binaryProtocol(FuzzedDataProvider in) {
        int maxPayload = in.consumeInt(0, MAX_PAYLOAD);
        int chunk = in.consumeInt(1, 64);
        byte[] stream = in.consumeBoolean() ? concat(PublishProtocol.PREFACE, in.consumeRemainingAsBytes()) : in.consumeRemainingAsBytes();

        Recorder bus = new Recorder();
        PublishProtocol protocol = new PublishProtocol(new LocalBus(bus), maxPayload);
        byte[] written = run(EmbeddedConnection.open(protocol), stream, chunk);

        List<String> expected = new ArrayList<>();
        boolean error = model(stream, maxPayload, expected);
        assertThat(bus.published).as("what reached the bus").isEqualTo(expected);
        assertThat(protocol.published()).isEqualTo(expected.size());
        // the answers: a DONE per publish, in order, then the error if there was one
        ByteBuffer replies = ByteBuffer.wrap(written);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(replies.remaining()).isGreaterThanOrEqualTo(PublishProtocol.RESULT_BYTES);
            assertThat(replies.get()).isEqualTo(PublishProtocol.DONE);
            replies.position(replies.position() + PublishProtocol.RESULT_BYTES - 1);
        }
        if (error) {
            assertThat(replies.get()).isEqualTo(PublishProtocol.ERROR);
            int length = replies.getShort() & 0xFFFF;
            assertThat(replies.remaining()).isEqualTo(length);
        } else {
            assertThat(replies.remaining()).as("nothing but the answers").isZero();
        }
    }

    /**
     * What the protocol must publish for {@code stream} (see {@link PublishProtocol}'s format), and
     * whether it must end with an error: the publishes before the first bad one are made.
     */
    private static boolean model(byte[] stream, int maxPayload, List<String> publishes) {
        if (stream.length < PublishProtocol.PREFACE.length) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(stream);
        int p = PublishProtocol.PREFACE.length;
        if (Arrays.equals(stream, 0, p, PublishProtocol.PREFACE_WITH_KEY, 0, p)) {
            // a key after the preface: this server has none, so any key of 1-1024 bytes is let through
            if (stream.length < p + 2) {
                return false;
            }
            int keyLength = b.getShort(p) & 0xFFFF;
            if (keyLength < 1 || keyLength > PublishProtocol.MAX_KEY_BYTES) {
                return true;
            }
            if (stream.length < p + 2 + keyLength) {
                return false;
            }
            p += 2 + keyLength;
        } else if (!Arrays.equals(stream, 0, p, PublishProtocol.PREFACE, 0, p)) {
            return true;
        }
        while (stream.length - p >= 2) {
            int channelLength = b.getShort(p) & 0xFFFF;
            if (channelLength < 1 || channelLength > Channels.MAX_LENGTH) {
                return true;
            }
            if (stream.length - p < 2 + channelLength + 4) {
                return false;
            }
            long payloadLength = b.getInt(p + 2 + channelLength) & 0xFFFFFFFFL;
            if (payloadLength > maxPayload) {
                return true;
            }
            if (stream.length - p < 2 + channelLength + 4 + payloadLength) {
                return false;
            }
            String channel = new String(stream, p + 2, channelLength, StandardCharsets.ISO_8859_1);
            if (!Channels.isValid(channel)) {
                return true;
            }
            publishes.add(channel + "=" + hex(ByteBuffer.wrap(stream, p + 6 + channelLength, (int) payloadLength)));
            p += 6 + channelLength + (int) payloadLength;
        }
        return false;
    }

    /**
     * {@code POST /pub/<channel>} with a fuzzed channel, a harmless or fuzzed extra header, a
     * declared length and a body, then any bytes: a well-formed publish is answered 200 and
     * publishes its body exactly; an answer other than 200 publishes nothing.
     */
    @FuzzTest
    void httpPublish(FuzzedDataProvider in) {
        String channel = in.consumeAsciiString(Channels.MAX_LENGTH + 10);
        String note = in.consumeAsciiString(40);
        int declared = in.consumeInt(0, MAX_PAYLOAD + 10);
        byte[] body = in.consumeBytes(declared + 2);
        int chunk = in.consumeInt(1, 200);
        byte[] after = in.consumeRemainingAsBytes();
        byte[] head = ("POST /pub/" + channel + " HTTP/1.1\r\nHost: push.test\r\nX-Note: " + note + "\r\nContent-Length: "
                + declared + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

        Recorder bus = new Recorder();
        String answer = new String(exchange(bus, concat(concat(head, body), after), chunk), StandardCharsets.ISO_8859_1);

        // (a channel with a space, a control character or a '?' in it, or a note with a line break, makes
        // another request line or other headers than the ones above: then there is no model of the answer)
        boolean headAsWritten = channel.chars().allMatch(c -> c > ' ' && c != 0x7F && c != '?')
                && note.chars().allMatch(Http::isValueByte);
        boolean wellFormed = headAsWritten && Channels.isValid(channel) && declared <= MAX_PAYLOAD && body.length >= declared;
        String publish = channel + "=" + hex(ByteBuffer.wrap(body, 0, Math.min(declared, body.length)));
        if (wellFormed) {
            assertThat(answer).startsWith("HTTP/1.1 200 ");
        }
        if (!headAsWritten) {
            return;
        }
        if (answer.startsWith("HTTP/1.1 200 ")) {
            assertThat(bus.published).as("the body, exactly, published first").first().isEqualTo(publish);
        } else {
            assertThat(bus.published).as("nothing published for %s", answer.lines().findFirst().orElse("no answer")).isEmpty();
        }
    }

    /** Anything at the push service's port: answered or closed, never thrown, every buffer back. */
    @FuzzTest
    void pushPort(byte[] data) {
        exchange(new Recorder(), data, 1 + Math.floorMod(Arrays.hashCode(data), 97));
    }

    /** Sends {@code data} in reads of {@code chunk} bytes to the push service's protocol; returns its answers. */
    private static byte[] exchange(Recorder bus, byte[] data, int chunk) {
        PUSH_BUS.published.clear();
        byte[] written = run(EmbeddedConnection.open(PUSH), data, chunk);
        assertThat(PUSH.bufferPool().stats().lentBuffers()).as("message assembly buffers back").isZero();
        assertThat(PUSH.stats().handlerErrors()).as("no handler threw").isZero();
        assertThat(TOPICS.subscriptionCount()).as("a closed subscriber is unsubscribed").isZero();
        bus.published.addAll(PUSH_BUS.published);
        return written;
    }

    /** {@link #feed}s {@code c}, closes it, and checks that the engine has every buffer back. */
    private static byte[] run(EmbeddedConnection c, byte[] data, int chunk) {
        byte[] written;
        try {
            written = feed(c, data, chunk);
        } finally {
            c.close();
        }
        assertThat(c.bufferPool().stats().lentBuffers()).as("engine buffers back").isZero();
        return written;
    }

    /** Feeds {@code data} in reads of {@code chunk} bytes, then the peer's end; returns what was written. */
    private static byte[] feed(EmbeddedConnection c, byte[] data, int chunk) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int at = 0; at < data.length && !c.isClosed(); at += chunk) {
            c.receive(Arrays.copyOfRange(data, at, Math.min(data.length, at + chunk)));
            out.writeBytes(c.takeWritten());
        }
        if (!c.isClosed()) {
            c.receiveEnd();
            out.writeBytes(c.takeWritten());
        }
        assertThat(c.stats().handlerErrors()).as("nothing thrown into the engine: %s", c.closeReason()).isZero();
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String hex(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return HexFormat.of().formatHex(a);
    }
}
