package io.throng.websocket;

import io.throng.websocket.codec.DeflateParams;
import io.throng.websocket.codec.PerMessageDeflate;
import io.throng.core.Connection;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The server's HTTP phase (RFC 6455 section 4.2): reads request heads in place, answers errors with
 * their RFC statuses, asks the application's hook, writes 101 and hands the connection to the
 * frame layer. Plain HTTP requests are answered too (keep-alive, pipelined), for the push service's
 * page and publish endpoint. All in the connection's serial context.
 */
final class ServerHandshake {
    private ServerHandshake() {
    }

    /** A request whose body is awaited: its length and who answers it. */
    private record AwaitedBody(long length, RequestDecision.BodyHandler handler, boolean close, Executor executor) {
    }

    /** {@code pending} while a body handler runs on its executor: reads and the deadline wait. */
    private static final Object ANSWERING = "answering";

    /**
     * Connection accepted: admit it to the handshakes in flight (evicting the oldest if they are at
     * the cap; 503 only if every one is a body being answered) and start the handshake deadline.
     */
    static void opened(WsSession s) {
        Endpoint e = s.endpoint;
        // the deadline before admitting: once in the table, a later admission may evict this
        // session and set its timer to the grace, which setting the deadline after would undo
        s.connection.setTimer(e.config.handshakeTimeout());
        HandshakeTable.Admission a = e.handshakes.admit(s);
        if (a == HandshakeTable.Admission.FULL) {
            e.metrics.overloaded.increment();
            e.log.log(Level.DEBUG, () -> "websocket " + s.connection + ": refused with 503, "
                    + e.config.maxHandshakesInFlight() + " handshakes in flight (max-handshakes-in-flight),"
                    + " every one a request body being answered");
            respond(s, HttpResponse.refuse(503, "too many connections being set up; retry")
                    .withHeader("Retry-After", "1"), true);
        }
    }

    /** Leaves the handshakes in flight (upgraded, served a first request, handed over, or closed). */
    static void leaveFlight(WsSession s) {
        s.endpoint.handshakes.leave(s);
    }

    /** Bytes arrived before the upgrade. */
    static void onData(WsSession s, ByteBuffer in) {
        Endpoint e = s.endpoint;
        WebSocketConfig cfg = e.config;
        if (s.pending == ANSWERING) {
            s.connection.suspendReads(); // one request at a time: these bytes come back once it is answered
            return;
        }
        // (an awaited body of 0 bytes is complete without any: a POST with Content-Length 0)
        while (s.phase() == WsSession.HTTP && s.connection.isOpen()
                && (in.hasRemaining() || s.pending instanceof AwaitedBody b && b.length() == 0)) {
            if (s.pending instanceof AwaitedBody body) {
                if (in.remaining() < body.length()) {
                    s.setFlag(WsSession.PARTIAL, true);
                    return; // the engine keeps the partial body
                }
                s.pending = null;
                int p = in.position();
                in.position(p + (int) body.length());
                if (body.executor() != null) {
                    answerLater(s, body, in, p);
                    return;
                }
                HttpResponse r = answer(s, body, in.slice(p, (int) body.length()));
                respond(s, r, r.close() || body.close());
                continue;
            }
            if (e.rawProtocol != null && !s.has(WsSession.SERVED) && s.scanned == 0 && in.get(in.position()) == 0) {
                handOver(s, in);
                return;
            }
            int end = RequestHead.findEnd(in, s.scanned);
            if (end < 0) {
                if (in.remaining() > cfg.maxRequestHeadBytes()) {
                    refuse(s, 431, "request head over " + cfg.maxRequestHeadBytes() + " B (max-request-head)");
                    return;
                }
                s.scanned = RequestHead.resumeFrom(in.remaining());
                s.setFlag(WsSession.PARTIAL, true);
                return;
            }
            s.scanned = 0;
            s.setFlag(WsSession.PARTIAL, false);
            if (end > cfg.maxRequestHeadBytes()) {
                refuse(s, 431, "request head of " + end + " B, over " + cfg.maxRequestHeadBytes() + " B (max-request-head)");
                return;
            }
            int p = in.position();
            RequestHead head = RequestHead.parse(in, p, p + end, s.connection.remoteAddress(), cfg.subprotocols());
            boolean more;
            try {
                more = request(s, head, in, p + end);
            } finally {
                head.invalidate();
            }
            if (!more) {
                break;
            }
        }
        if (s.phase() != WsSession.HTTP && in.hasRemaining()) {
            s.frames(in); // frames sent right behind the request (a client that does not wait for 101)
        }
    }

    /** The body handler's answer; 500 if it throws. */
    private static HttpResponse answer(WsSession s, AwaitedBody body, ByteBuffer bytes) {
        try {
            return body.handler().onBody(bytes);
        } catch (RuntimeException ex) {
            s.endpoint.metrics.handlerErrors.increment();
            s.endpoint.log.log(Level.WARNING, "websocket " + s.connection + ": body handler threw " + ex);
            return HttpResponse.refuse(500, "internal error");
        }
    }

    /**
     * Hands the body at {@code p} to its handler's executor: reads and the request deadline wait
     * until the answer is written from there. Bytes read behind the body (a pipelined request) stay
     * in the engine's leftover buffer, which resuming reads hands back.
     */
    private static void answerLater(WsSession s, AwaitedBody body, ByteBuffer in, int p) {
        byte[] copy = new byte[(int) body.length()];
        in.get(p, copy);
        Connection c = s.connection;
        s.pending = ANSWERING;
        // pinned: counted, never evicted while another thread answers; if it was evicted just
        // before, cancelling the timer below undoes that (the eviction set it under the table's
        // monitor, which pin took, so it cannot land after the cancel)
        s.endpoint.handshakes.pin(s);
        c.cancelTimer();
        c.suspendReads();
        try {
            body.executor().execute(() -> {
                HttpResponse r = answer(s, body, ByteBuffer.wrap(copy));
                boolean close = r.close() || body.close();
                s.pending = null;
                respond(s, r, close); // (its timer or close request reaches the connection's context)
                c.flush();
                if (!close) {
                    c.resumeReads();
                }
            });
        } catch (RejectedExecutionException ex) {
            s.pending = null;
            respond(s, HttpResponse.refuse(503, "the server is stopping"), true);
        }
    }

    /** Handles one parsed head; returns false to stop reading requests on this connection. */
    private static boolean request(WsSession s, RequestHead head, ByteBuffer in, int headEnd) {
        Endpoint e = s.endpoint;
        if (head.status() != 0) {
            refuse(s, head.status(), head.problem());
            return false;
        }
        if (head.isUpgrade()) {
            String problem = upgradeProblem(head);
            if (problem != null) {
                int status = problem.startsWith("405") ? 405 : problem.startsWith("426") ? 426 : 400;
                HttpResponse r = HttpResponse.refuse(status, problem.substring(4));
                if (status == 405) {
                    r = r.withHeader("Allow", "GET");
                } else if (status == 426) {
                    r = r.withHeader("Sec-WebSocket-Version", "13");
                }
                countRefused(s, status, problem.substring(4));
                respond(s, r, true);
                return false;
            }
        } else if (head.hasTransferEncoding()) {
            refuse(s, 411, "send the body with a Content-Length (transfer codings are not supported)");
            return false;
        } else if (!head.isHttp10() && head.hostCount() != 1) {
            refuse(s, 400, head.hostCount() == 0 ? "missing Host header" : "more than one Host header");
            return false;
        }
        RequestDecision decision;
        try {
            decision = e.hook.onRequest(head);
        } catch (RuntimeException ex) {
            e.metrics.handlerErrors.increment();
            e.log.log(Level.WARNING, "websocket " + s.connection + ": request hook threw " + ex);
            refuse(s, 500, "internal error");
            return false;
        }
        boolean close = head.wantsClose();
        long bodyLength = Math.max(0, head.contentLength());
        switch (decision) {
            case RequestDecision.Upgrade u -> {
                if (!head.isUpgrade()) {
                    refuse(s, 400, "not a WebSocket upgrade request");
                    return false;
                }
                upgrade(s, head, u, headEnd, in);
                return false;
            }
            case RequestDecision.Respond r -> {
                in.position(headEnd);
                HttpResponse resp = r.response();
                boolean closing = resp.close() || close || bodyLength > 0 || head.isUpgrade();
                if (resp.status() >= 400) {
                    countRefused(s, resp.status(), "refused by the application");
                }
                respond(s, resp, closing);
                return !closing;
            }
            case RequestDecision.ReadBody rb -> {
                in.position(headEnd);
                if (head.isUpgrade()) {
                    refuse(s, 400, "an upgrade request has no body");
                    return false;
                }
                if (bodyLength > rb.maxBytes()) {
                    refuse(s, 413, "body of " + bodyLength + " B, over the limit of " + rb.maxBytes() + " B");
                    return false;
                }
                s.pending = new AwaitedBody(bodyLength, rb.handler(), close, rb.executor());
                return true;
            }
        }
    }

    /** What is wrong with an upgrade request ("status text"), or null (RFC 6455 section 4.2.1). */
    private static String upgradeProblem(RequestHead head) {
        if (!head.isGet()) {
            return "405 a WebSocket upgrade must be a GET";
        }
        if (head.isHttp10()) {
            return "400 a WebSocket upgrade needs HTTP/1.1, got HTTP/1.0";
        }
        if (head.hostCount() != 1) {
            return head.hostCount() == 0 ? "400 missing Host header" : "400 more than one Host header";
        }
        if (!head.connectionUpgrade()) {
            return "400 the Connection header does not list 'upgrade'";
        }
        if (head.versionCount() == 0) {
            return "400 missing Sec-WebSocket-Version";
        }
        if (!head.version13()) {
            return "426 unsupported Sec-WebSocket-Version; this server speaks 13";
        }
        if (head.keyCount() == 0) {
            return "400 missing Sec-WebSocket-Key";
        }
        if (!head.validKey()) {
            return "400 invalid Sec-WebSocket-Key (must be the base64 of 16 bytes)";
        }
        return null;
    }

    private static void upgrade(WsSession s, RequestHead head, RequestDecision.Upgrade u, int headEnd, ByteBuffer in) {
        Endpoint e = s.endpoint;
        PerMessageDeflate deflate = null;
        String extensionAnswer = null;
        if (e.compressor != null && head.extensionsOffered()) {
            DeflateParams params = DeflateNegotiation.accept(head.extensions(), e.config.deflate());
            if (params != null) {
                deflate = new PerMessageDeflate(params, e.compressor);
                extensionAnswer = params.responseHeader();
            }
        }
        String protocol = head.subprotocol();
        StringBuilder r = new StringBuilder(160);
        r.append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ")
                .append(head.acceptValue()).append("\r\n");
        if (protocol != null) {
            r.append("Sec-WebSocket-Protocol: ").append(protocol).append("\r\n");
        }
        if (extensionAnswer != null) {
            r.append("Sec-WebSocket-Extensions: ").append(extensionAnswer).append("\r\n");
        }
        r.append("\r\n");
        in.position(headEnd);
        s.connection.write(r.toString().getBytes(StandardCharsets.ISO_8859_1));
        leaveFlight(s);
        e.metrics.upgrades.increment();
        s.open(u.handler() != null ? u.handler() : e.handler, u.attachment(), protocol, deflate);
    }

    /** Refuses with {@code status} and closes. */
    static void refuse(WsSession s, int status, String why) {
        countRefused(s, status, why);
        HttpResponse r = HttpResponse.refuse(status, why);
        respond(s, r, true);
    }

    private static void countRefused(WsSession s, int status, String why) {
        s.endpoint.metrics.refused.increment();
        s.endpoint.log.log(Level.DEBUG, () -> "websocket " + s.connection + ": refused with " + status + ": " + why);
    }

    /** Writes a response; closes after it, or waits for the next request (keep-alive). */
    static void respond(WsSession s, HttpResponse r, boolean close) {
        Connection c = s.connection;
        c.write(Http.encode(r, close));
        s.endpoint.metrics.httpResponses.increment();
        s.setFlag(WsSession.SERVED, true);
        leaveFlight(s);
        if (close) {
            s.setPhaseClosed();
            c.close();
        } else {
            c.setTimer(s.endpoint.config.handshakeTimeout()); // keep-alive: the next request has as long
        }
    }

    /**
     * A connection whose first byte is 0x00 speaks the side protocol: from now on the engine's
     * callbacks go to that handler, which owns the connection's attachment.
     */
    static void handOver(WsSession s, ByteBuffer in) {
        leaveFlight(s);
        s.connection.cancelTimer();
        s.setPhaseClosed();
        io.throng.core.Handler raw = s.endpoint.rawProtocol;
        s.connection.attach(null);
        raw.onOpen(s.connection);
        if (s.connection.isOpen() && in.hasRemaining()) {
            raw.onData(s.connection, in);
        }
    }

    /**
     * The handshake deadline passed, or the grace after an eviction did. A request begun and not
     * finished gets 408; a connection that sent nothing (a fresh one, or keep-alive between
     * requests) is closed without a word.
     */
    static void timedOut(WsSession s) {
        Endpoint e = s.endpoint;
        boolean partial = s.has(WsSession.PARTIAL) || s.pending != null;
        boolean evicted = e.handshakes.evicted(s);
        String why;
        if (evicted) {
            e.metrics.handshakesEvicted.increment();
            why = "no complete request, and " + e.config.maxHandshakesInFlight()
                    + " newer connections are being set up (max-handshakes-in-flight)";
        } else {
            why = "no complete request within " + e.config.handshakeTimeout().toMillis() + " ms";
            if (partial || !s.has(WsSession.SERVED)) {
                e.metrics.handshakeTimeouts.increment();
            }
        }
        if (evicted || partial || !s.has(WsSession.SERVED)) {
            e.log.log(Level.DEBUG, () -> "websocket " + s.connection + ": " + why
                    + (evicted ? " (evicted)" : " (handshake-timeout)"));
        }
        if (partial) {
            e.metrics.refused.increment();
            respond(s, HttpResponse.refuse(408, why), true);
        } else {
            s.setPhaseClosed();
            s.connection.close();
        }
    }
}
