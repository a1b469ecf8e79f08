package io.throng.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.throng.core.embedded.EmbeddedConnection;
import io.throng.websocket.codec.DeflateParams;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided fuzzing (Jazzer) of the server's HTTP phase: the request-head parser on its own,
 * and whole connections through the WebSocket protocol in memory (the upgrade, plain requests with
 * bodies, keep-alive, and whatever frames follow an upgrade). Without JAZZER_FUZZ these run once
 * per seed and kept crash under {@code HandshakeFuzzTestInputs/}; docs/fuzzing.md says how to fuzz.
 *
 * <p>Bad input is answered with a status, never with an exception: the parser returns one and the
 * protocol writes it. So any exception, a handler error counted by the engine, a buffer not given
 * back, or an answer that depends on how the bytes were split into reads is a bug.
 */
// 10 s for one input: the longest (4 KiB, libFuzzer's default max_len) takes well under 1 ms
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HandshakeFuzzTest {
    private static final List<String> SUBPROTOCOLS = List.of("chat", "superchat");
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3}) ");
    // (a small head limit, so that the fuzzer reaches 431 with inputs of libFuzzer's default 4 KiB)
    private static final WebSocketConfig CONFIG = WebSocketConfig.defaults().withDeflate(DeflateConfig.ENABLED)
            .withSubprotocols(SUBPROTOCOLS).withMaxRequestHeadBytes(1024).withMaxMessageBytes(16 * 1024);
    private static final WebSocketProtocol PROTOCOL = WebSocketProtocol.server(new EchoWebSocketHandler())
            .config(CONFIG).hook(HandshakeFuzzTest::decide).build();

    /** The request-head parser: a status for any bytes, the same wherever the head lies in a buffer. */
    @FuzzTest
    void requestHead(byte[] data) {
        ByteBuffer exact = ByteBuffer.wrap(data);
        int end = RequestHead.findEnd(exact, 0);
        assertThat(end).isBetween(-1, data.length).isNotZero();
        if (end > 0) {
            assertThat(data[end - 1]).as("a head ends with a line feed").isEqualTo((byte) '\n');
        }
        int headEnd = end > 0 ? end : data.length;
        RequestHead head = RequestHead.parse(exact, 0, headEnd, PEER, SUBPROTOCOLS);
        String seen = describe(head);

        // the same head 7 bytes into a direct buffer with other bytes around it: only absolute indexes inside [7, 7 + end)
        ByteBuffer shifted = ByteBuffer.allocateDirect(data.length + 14);
        shifted.put(new byte[] {'\r', '\n', 'G', 'E', 'T', ' ', '/'}).put(data).put(new byte[] {'\r', '\n', '\r', '\n', 'X', ':', ' '});
        if (end > 0) {
            assertThat(RequestHead.findEnd(shifted.position(7), 0)).as("the end found from the buffer's position").isEqualTo(end);
            shifted.position(0);
        }
        RequestHead moved = RequestHead.parse(shifted, 7, 7 + headEnd, PEER, SUBPROTOCOLS);
        assertThat(describe(moved)).as("the parse does not depend on where the head lies").isEqualTo(seen);

        moved.invalidate();
        assertThat(moved.toString()).isEqualTo("request (no longer valid)");
    }

    /** Everything the parser found, through every accessor the handshake and the hook use. */
    private static String describe(RequestHead h) {
        assertThat(h.status()).isIn(0, 400, 505);
        assertThat(h.problem() == null).as("a problem is named exactly when refused").isEqualTo(h.status() == 0);
        if (h.status() != 0) {
            return h.status() + " " + h.problem();
        }
        String method = h.method();
        assertThat(!method.isEmpty() && method.chars().allMatch(Http::isTokenChar)).as("method %s is a token", method).isTrue();
        assertThat(h.target()).isNotEmpty();
        assertThat(h.path()).isNotEmpty();
        StringBuilder sb = new StringBuilder().append(h).append(' ').append(h.path()).append(" q=").append(h.queryParameter("q"))
                .append(" host=").append(h.header("host")).append(h.hostCount()).append(" cookie=").append(h.cookie("session"))
                .append(" upgrade=").append(h.isUpgrade()).append(h.connectionUpgrade()).append(h.isGet()).append(h.isHttp10())
                .append(h.wantsClose()).append(h.hasTransferEncoding()).append(" length=").append(h.contentLength())
                .append(" version=").append(h.versionCount()).append(h.version13()).append(" key=").append(h.keyCount())
                .append(h.validKey()).append(" protocol=").append(h.subprotocol()).append(h.offeredSubprotocols())
                .append(" extensions=").append(h.extensionsOffered());
        assertThat(h.contentLength()).isGreaterThanOrEqualTo(-1);
        if (h.subprotocol() != null) {
            assertThat(SUBPROTOCOLS).contains(h.subprotocol());
            assertThat(h.offeredSubprotocols()).contains(h.subprotocol());
        }
        if (h.validKey()) {
            assertThat(Base64.getDecoder().decode(h.acceptValue())).as("SHA-1 is 20 bytes").hasSize(20);
        }
        if (h.extensionsOffered()) {
            DeflateParams p = DeflateNegotiation.accept(h.extensions(), CONFIG.deflate());
            if (p != null) {
                assertThat(p.responseHeader()).startsWith(DeflateNegotiation.NAME);
                sb.append(' ').append(p);
            }
        }
        return sb.toString();
    }

    /**
     * Whole connections at the protocol: the bytes at once, and again in reads of 1 to 13 bytes.
     * Both must get the same first answer, no handler error, and every buffer back.
     */
    @FuzzTest
    void connection(byte[] data) {
        String whole = exchange(data, data.length);
        String pieces = exchange(data, 1 + Math.floorMod(java.util.Arrays.hashCode(data), 13));
        assertThat(firstStatus(pieces)).as("the answer does not depend on how the bytes arrive").isEqualTo(firstStatus(whole));
    }

    private static String exchange(byte[] data, int chunk) {
        StringBuilder written = new StringBuilder();
        EmbeddedConnection c = EmbeddedConnection.open(PROTOCOL);
        try {
            for (int at = 0; at < data.length && !c.isClosed(); at += chunk) {
                c.receive(java.util.Arrays.copyOfRange(data, at, Math.min(data.length, at + chunk)));
                written.append(new String(c.takeWritten(), StandardCharsets.ISO_8859_1));
            }
            if (!c.isClosed()) {
                c.receiveEnd();
                written.append(new String(c.takeWritten(), StandardCharsets.ISO_8859_1));
            }
            assertThat(c.stats().handlerErrors()).as("nothing thrown into the engine: %s", c.closeReason()).isZero();
        } finally {
            c.close();
        }
        assertThat(c.bufferPool().stats().lentBuffers()).as("engine buffers back").isZero();
        assertThat(PROTOCOL.bufferPool().stats().lentBuffers()).as("message assembly buffers back").isZero();
        String out = written.toString();
        if (!out.isEmpty()) {
            assertThat(out).as("an answer is an HTTP response").startsWith("HTTP/1.1 ");
        }
        return out;
    }

    private static String firstStatus(String written) {
        Matcher m = STATUS.matcher(written);
        return m.find() ? m.group(1) : "none";
    }

    /** An application's hook: reads the request the ways an application would, then decides. */
    private static RequestDecision decide(HttpRequest r) {
        r.header("user-agent");
        r.headers("cookie");
        r.cookie("session");
        r.queryParameter("token");
        r.offeredSubprotocols();
        r.remoteAddress();
        String path = r.path();
        if (r.isUpgrade()) {
            return path.startsWith("/private") ? RequestDecision.refuse(401, "log in first") : RequestDecision.upgrade();
        }
        if (r.method().equals("POST")) {
            return new RequestDecision.ReadBody(512, body -> HttpResponse.text(200, "got " + body.remaining() + " B"));
        }
        return path.equals("/plain") ? RequestDecision.respond(HttpResponse.text(200, "plain")) : RequestHook.UPGRADE_ALL.onRequest(r);
    }
}
