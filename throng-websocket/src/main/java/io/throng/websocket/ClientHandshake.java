package io.throng.websocket;

import io.throng.websocket.codec.AcceptKey;
import io.throng.websocket.codec.DeflateParams;
import io.throng.websocket.codec.PerMessageDeflate;
import io.throng.core.CloseReason;
import io.throng.core.Connection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client's opening handshake (RFC 6455 section 4.1): sends the request when the TCP connection
 * is up, checks the server's answer (101, Upgrade, Connection, Sec-WebSocket-Accept, the
 * subprotocol and extensions against what was offered) and completes the future. The client
 * side reads the answer into a String: it is not on a million-connection server's path.
 */
public final class ClientHandshake {
    final WebSocketRequest request;
    final WebSocketHandler handler;
    public final CompletableFuture<WebSocket> future = new CompletableFuture<>();
    private final String key;

    public ClientHandshake(WebSocketRequest request, WebSocketHandler handler) {
        this.request = request;
        this.handler = handler;
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        this.key = Base64.getEncoder().encodeToString(nonce);
    }

    /** The TCP connection is up (serial context): attach a session and send the request. */
    public static void opened(Connection c, Endpoint e) {
        ClientHandshake hs = c.attachment();
        WsSession s = new WsSession(c, e, WsSession.CLIENT_HANDSHAKE);
        s.pending = hs;
        c.attach(s);
        StringBuilder r = new StringBuilder(256);
        r.append("GET ").append(hs.request.path()).append(" HTTP/1.1\r\nHost: ").append(hs.request.host())
                .append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(hs.key)
                .append("\r\nSec-WebSocket-Version: 13\r\n");
        if (!hs.request.subprotocols().isEmpty()) {
            r.append("Sec-WebSocket-Protocol: ").append(String.join(", ", hs.request.subprotocols())).append("\r\n");
        }
        if (e.compressor != null) {
            r.append("Sec-WebSocket-Extensions: ").append(DeflateNegotiation.offer(e.config.deflate())).append("\r\n");
        }
        List<String> h = hs.request.headers();
        for (int i = 0; i < h.size(); i += 2) {
            r.append(h.get(i)).append(": ").append(h.get(i + 1)).append("\r\n");
        }
        r.append("\r\n");
        c.write(r.toString().getBytes(StandardCharsets.UTF_8));
        c.setTimer(e.config.handshakeTimeout());
    }

    /** Bytes of the server's answer (serial context). */
    static void onData(WsSession s, ByteBuffer in) {
        ClientHandshake hs = (ClientHandshake) s.pending;
        int end = RequestHead.findEnd(in, s.scanned);
        if (end < 0) {
            if (in.remaining() > s.endpoint.config.maxRequestHeadBytes()) {
                hs.fail(s, 0, "the server's answer head is over " + s.endpoint.config.maxRequestHeadBytes() + " B");
                return;
            }
            s.scanned = RequestHead.resumeFrom(in.remaining());
            return;
        }
        int p = in.position();
        String head = StandardCharsets.ISO_8859_1.decode(in.slice(p, end)).toString();
        in.position(p + end);
        String[] lines = head.split("\r?\n");
        String[] status = lines[0].split(" ", 3);
        int code = status.length >= 2 && status[0].startsWith("HTTP/1.") ? parseStatus(status[1]) : 0;
        if (code != 101) {
            hs.fail(s, code, "the server answered '" + lines[0] + "' instead of 101 Switching Protocols");
            return;
        }
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.add(new String[] {lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim()});
            }
        }
        String upgrade = value(headers, "upgrade");
        String connection = value(headers, "connection");
        String accept = value(headers, "sec-websocket-accept");
        String protocol = value(headers, "sec-websocket-protocol");
        String extensions = value(headers, "sec-websocket-extensions");
        if (upgrade == null || !hasToken(upgrade, "websocket")) {
            hs.fail(s, 101, "the server's 101 lacks 'Upgrade: websocket'");
            return;
        }
        if (connection == null || !hasToken(connection, "upgrade")) {
            hs.fail(s, 101, "the server's 101 lacks 'Connection: Upgrade'");
            return;
        }
        if (!AcceptKey.forKey(hs.key).equals(accept)) {
            hs.fail(s, 101, "wrong Sec-WebSocket-Accept: " + accept);
            return;
        }
        if (protocol != null && !hs.request.subprotocols().contains(protocol)) {
            hs.fail(s, 101, "the server chose subprotocol '" + protocol + "', which we did not offer");
            return;
        }
        PerMessageDeflate deflate = null;
        if (extensions != null) {
            if (s.endpoint.compressor == null) {
                hs.fail(s, 101, "the server answered with extensions we did not offer: " + extensions);
                return;
            }
            try {
                DeflateParams params = DeflateNegotiation.clientAccepts(extensions, s.endpoint.config.deflate());
                deflate = params == null ? null : new PerMessageDeflate(params, s.endpoint.compressor);
            } catch (IllegalArgumentException e) {
                hs.fail(s, 101, e.getMessage());
                return;
            }
        }
        s.pending = null;
        s.scanned = 0;
        s.endpoint.metrics.upgrades.increment();
        s.open(hs.handler, null, protocol, deflate);
        hs.future.complete(s);
        if (in.hasRemaining()) {
            s.frames(in);
        }
    }

    private static int parseStatus(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String value(List<String[]> headers, String name) {
        List<String> all = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equals(name)) {
                all.add(h[1]);
            }
        }
        return all.isEmpty() ? null : String.join(", ", all);
    }

    private static boolean hasToken(String list, String token) {
        for (String t : list.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    private void fail(WsSession s, int status, String why) {
        s.pending = null;
        s.endpoint.metrics.refused.increment();
        future.completeExceptionally(new WebSocketHandshakeException(status, why + " (" + request.path() + ")"));
        s.setPhaseClosed();
        s.connection.close();
    }

    /** The handshake deadline passed. */
    static void timedOut(WsSession s) {
        if (s.pending instanceof ClientHandshake hs) {
            s.endpoint.metrics.handshakeTimeouts.increment();
            hs.fail(s, 0, "no answer to the upgrade within " + s.endpoint.config.handshakeTimeout().toMillis() + " ms");
        }
    }

    /** The connection closed: a handshake still pending fails. */
    static void closed(WsSession s, CloseReason reason) {
        if (s.pending instanceof ClientHandshake hs) {
            s.pending = null;
            hs.future.completeExceptionally(new IOException("the connection closed during the handshake: " + reason));
        }
    }
}
