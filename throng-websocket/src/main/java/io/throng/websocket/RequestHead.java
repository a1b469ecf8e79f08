package io.throng.websocket;

import io.throng.websocket.codec.AcceptKey;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/1.1 request head parsed in place (RFC 9112 sections 3 and 5): the parser records where
 * the request line's parts are and reads only the headers a handshake needs; no header map, no
 * strings. It is also the {@link HttpRequest} view the application's hook gets, valid until
 * {@link #invalidate()}.
 *
 * <p>{@link #parse} returns 0 or the status to refuse the request with ({@link #problem()} says why).
 */
public final class RequestHead implements HttpRequest {
    private ByteBuffer buf;
    private final int start;
    private final int end;
    private final SocketAddress remote;

    private int methodStart;
    private int methodEnd;
    private int targetStart;
    private int targetEnd;
    private int minorVersion;
    private int hostCount;
    private boolean upgradeWebsocket;
    private boolean connectionUpgrade;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private int keyStart = -1;
    private int keyEnd;
    private int keyCount;
    private int versionStart = -1;
    private int versionEnd;
    private int versionCount;
    private boolean extensionsOffered;
    private String subprotocol;
    private long contentLength = -1;
    private boolean transferEncoding;
    private String problem;

    private RequestHead(ByteBuffer buf, int start, int end, SocketAddress remote) {
        this.buf = buf;
        this.start = start;
        this.end = end;
        this.remote = remote;
    }

    /**
     * Looks for the blank line that ends a head in {@code in} (from its position), starting the
     * search {@code from} bytes in: a slow sender costs a linear scan in all, not a rescan per read.
     * Returns the head's length including the blank line, or -1 if it has not all arrived.
     */
    public static int findEnd(ByteBuffer in, int from) {
        int p = in.position();
        int n = in.remaining();
        for (int i = Math.max(0, from); i < n; i++) {
            if (in.get(p + i) != '\n') {
                continue;
            }
            if (i + 1 < n && in.get(p + i + 1) == '\n') {
                return i + 2;
            }
            if (i + 2 < n && in.get(p + i + 1) == '\r' && in.get(p + i + 2) == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    /** Where the next {@link #findEnd} may start after a search of {@code remaining} bytes failed. */
    public static int resumeFrom(int remaining) {
        return Math.max(0, remaining - 2);
    }

    /**
     * Parses the head in {@code buf[start, end)}.
     *
     * @param subprotocols the server's subprotocols, to pick the client's first supported one
     */
    public static RequestHead parse(ByteBuffer buf, int start, int end, SocketAddress remote, List<String> subprotocols) {
        RequestHead h = new RequestHead(buf, start, end, remote);
        h.parseAll(subprotocols);
        return h;
    }

    private int status;

    /** 0 if the head is well formed, else the status to refuse it with (400, 505). */
    public int status() {
        return status;
    }

    public String problem() {
        return problem;
    }

    private void parseAll(List<String> subprotocols) {
        int p = start;
        while (p < end && (buf.get(p) == '\r' || buf.get(p) == '\n')) {
            p++; // empty lines before the request line are ignored (RFC 9112 section 2.2)
        }
        p = requestLine(p);
        if (p < 0) {
            return;
        }
        while (p < end) {
            int eol = lineEnd(p);
            int contentEnd = eol > p && buf.get(eol - 1) == '\r' ? eol - 1 : eol;
            if (contentEnd == p) {
                break; // the blank line
            }
            if (!header(p, contentEnd, subprotocols)) {
                return;
            }
            p = eol + 1;
        }
    }

    private int lineEnd(int p) {
        while (p < end && buf.get(p) != '\n') {
            p++;
        }
        return p;
    }

    private int requestLine(int p) {
        methodStart = p;
        while (p < end && Http.isTokenChar(buf.get(p))) {
            p++;
        }
        methodEnd = p;
        if (methodEnd == methodStart || p >= end || buf.get(p) != ' ') {
            return bad("a malformed request line (method)");
        }
        targetStart = ++p;
        while (p < end && buf.get(p) > ' ' && buf.get(p) != 0x7F) {
            p++;
        }
        targetEnd = p;
        if (targetEnd == targetStart || p >= end || buf.get(p) != ' ') {
            return bad("a malformed request line (target)");
        }
        p++;
        if (end - p < 8 || buf.get(p) != 'H' || buf.get(p + 1) != 'T' || buf.get(p + 2) != 'T' || buf.get(p + 3) != 'P'
                || buf.get(p + 4) != '/' || !digit(buf.get(p + 5)) || buf.get(p + 6) != '.' || !digit(buf.get(p + 7))) {
            return bad("a malformed request line (version)");
        }
        int major = buf.get(p + 5) - '0';
        minorVersion = buf.get(p + 7) - '0';
        p += 8;
        if (p < end && buf.get(p) == '\r') {
            p++;
        }
        if (p >= end || buf.get(p) != '\n') {
            return bad("a malformed request line (end)");
        }
        if (major != 1) {
            status = 505;
            problem = "HTTP/" + major + " is not supported; use HTTP/1.1";
            return -1;
        }
        return p + 1;
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    private int bad(String why) {
        status = 400;
        problem = why;
        return -1;
    }

    /** One header line, {@code buf[p, eol)} without its line break. */
    private boolean header(int p, int eol, List<String> subprotocols) {
        int b = buf.get(p);
        if (b == ' ' || b == '\t') {
            return bad("an obsolete folded header line") >= 0;
        }
        int nameStart = p;
        while (p < eol && Http.isTokenChar(buf.get(p))) {
            p++;
        }
        int nameEnd = p;
        if (nameEnd == nameStart || p >= eol || buf.get(p) != ':') {
            return bad("a malformed header line (no name, or space before the colon)") >= 0;
        }
        p++;
        for (int i = p; i < eol; i++) {
            if (!Http.isValueByte(buf.get(i))) {
                return bad("a control character in a header value") >= 0;
            }
        }
        int vs = p;
        int ve = eol;
        while (vs < ve && (buf.get(vs) == ' ' || buf.get(vs) == '\t')) {
            vs++;
        }
        while (ve > vs && (buf.get(ve - 1) == ' ' || buf.get(ve - 1) == '\t')) {
            ve--;
        }
        switch (nameEnd - nameStart) {
            case 4 -> {
                if (nameIs(nameStart, "host")) {
                    hostCount++;
                }
            }
            case 7 -> {
                if (nameIs(nameStart, "upgrade") && hasToken(vs, ve, "websocket")) {
                    upgradeWebsocket = true;
                }
            }
            case 10 -> {
                if (nameIs(nameStart, "connection")) {
                    connectionUpgrade |= hasToken(vs, ve, "upgrade");
                    connectionClose |= hasToken(vs, ve, "close");
                    connectionKeepAlive |= hasToken(vs, ve, "keep-alive");
                }
            }
            case 14 -> {
                if (nameIs(nameStart, "content-length")) {
                    return contentLength(vs, ve);
                }
            }
            case 17 -> {
                if (nameIs(nameStart, "sec-websocket-key")) {
                    keyCount++;
                    keyStart = vs;
                    keyEnd = ve;
                } else if (nameIs(nameStart, "transfer-encoding")) {
                    transferEncoding = true;
                }
            }
            case 21 -> {
                if (nameIs(nameStart, "sec-websocket-version")) {
                    versionCount++;
                    versionStart = vs;
                    versionEnd = ve;
                }
            }
            case 22 -> {
                if (nameIs(nameStart, "sec-websocket-protocol") && subprotocol == null) {
                    subprotocol = firstSupported(vs, ve, subprotocols);
                }
            }
            case 24 -> {
                if (nameIs(nameStart, "sec-websocket-extensions")) {
                    extensionsOffered = true;
                }
            }
            default -> {
                // not needed by the handshake: the hook can look it up
            }
        }
        return true;
    }

    private boolean contentLength(int vs, int ve) {
        if (vs == ve || ve - vs > 18) {
            return bad("an invalid Content-Length") >= 0;
        }
        long v = 0;
        for (int i = vs; i < ve; i++) {
            byte c = buf.get(i);
            if (!digit(c)) {
                return bad("an invalid Content-Length") >= 0;
            }
            v = v * 10 + (c - '0');
        }
        if (contentLength >= 0 && contentLength != v) {
            return bad("two different Content-Lengths") >= 0;
        }
        contentLength = v;
        return true;
    }

    /** Whether the name at {@code at} equals {@code lower} ignoring ASCII case (lengths already equal). */
    private boolean nameIs(int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int c = buf.get(at + i);
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the comma-separated list in {@code buf[vs, ve)} has {@code token} (any case). */
    private boolean hasToken(int vs, int ve, String token) {
        int p = vs;
        while (p < ve) {
            while (p < ve && (buf.get(p) == ' ' || buf.get(p) == '\t' || buf.get(p) == ',')) {
                p++;
            }
            int ts = p;
            while (p < ve && buf.get(p) != ',') {
                p++;
            }
            int te = p;
            while (te > ts && (buf.get(te - 1) == ' ' || buf.get(te - 1) == '\t')) {
                te--;
            }
            if (te - ts == token.length() && nameIs(ts, token)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The client's first subprotocol (in its order) that {@code supported} has, as the config's own
     * string. The list's elements are what lies between commas, without the spaces around them
     * (RFC 6455 section 4.1: 1#token), as {@link #offeredSubprotocols()} reads them: an element
     * with a space inside, such as {@code "a chat"}, is no protocol. (This used to split at spaces
     * too and chose {@code chat} from it, a protocol the client never offered; found by
     * HandshakeFuzzTest#requestHead.)
     */
    private String firstSupported(int vs, int ve, List<String> supported) {
        if (supported.isEmpty()) {
            return null;
        }
        int p = vs;
        while (p < ve) {
            while (p < ve && (buf.get(p) == ' ' || buf.get(p) == '\t' || buf.get(p) == ',')) {
                p++;
            }
            int ts = p;
            while (p < ve && buf.get(p) != ',') {
                p++;
            }
            int te = p;
            while (te > ts && (buf.get(te - 1) == ' ' || buf.get(te - 1) == '\t')) {
                te--;
            }
            for (String s : supported) {
                if (s.length() == te - ts && matches(ts, s)) {
                    return s;
                }
            }
        }
        return null;
    }

    private boolean matches(int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (buf.get(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ what the handshake checks

    public boolean isGet() {
        return methodEnd - methodStart == 3 && buf.get(methodStart) == 'G' && buf.get(methodStart + 1) == 'E'
                && buf.get(methodStart + 2) == 'T';
    }

    public boolean isHttp10() {
        return minorVersion == 0;
    }

    public int hostCount() {
        return hostCount;
    }

    public boolean connectionUpgrade() {
        return connectionUpgrade;
    }

    /** Whether the connection should close after the response (Connection: close, or HTTP/1.0 without keep-alive). */
    public boolean wantsClose() {
        return connectionClose || (minorVersion == 0 && !connectionKeepAlive);
    }

    public boolean hasTransferEncoding() {
        return transferEncoding;
    }

    public int keyCount() {
        return keyCount;
    }

    public boolean validKey() {
        return keyCount == 1 && AcceptKey.isValidKey(buf, keyStart, keyEnd);
    }

    public String acceptValue() {
        return AcceptKey.forKey(buf, keyStart, keyEnd);
    }

    public int versionCount() {
        return versionCount;
    }

    public boolean version13() {
        return versionCount == 1 && versionEnd - versionStart == 2 && buf.get(versionStart) == '1'
                && buf.get(versionStart + 1) == '3';
    }

    public boolean extensionsOffered() {
        return extensionsOffered;
    }

    /** Every Sec-WebSocket-Extensions value joined with commas (a copy, made only when compression is on). */
    public String extensions() {
        return String.join(", ", headers("sec-websocket-extensions"));
    }

    /** The head's length in bytes. */
    public int length() {
        return end - start;
    }

    /** Ends the view: the bytes belong to the engine again. */
    public void invalidate() {
        buf = null;
    }

    // ------------------------------------------------------------------ HttpRequest

    private ByteBuffer bytes() {
        ByteBuffer b = buf;
        if (b == null) {
            throw new IllegalStateException("the request view is valid only during the hook's call; copy what you keep");
        }
        return b;
    }

    private String string(int from, int to) {
        byte[] a = new byte[to - from];
        bytes().get(from, a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String method() {
        return string(methodStart, methodEnd);
    }

    @Override
    public String target() {
        return string(targetStart, targetEnd);
    }

    @Override
    public String path() {
        ByteBuffer b = bytes();
        int p = targetStart;
        if (targetEnd - p > 7 && b.get(p) != '/') {
            // absolute-form (http://host/path): skip the scheme and authority
            int slashes = 0;
            while (p < targetEnd && slashes < 3) {
                if (b.get(p) == '/') {
                    slashes++;
                }
                p++;
            }
            p = slashes == 3 ? p - 1 : targetEnd;
        }
        // Up to the query, as documented; a '#' is part of the path here (a request-target has no
        // fragment, RFC 9112 section 3.2). Cutting there made POST /pub/news#x publish to "news",
        // a channel the client did not name (found by PublishFuzzTest#httpPublish).
        int q = p;
        while (q < targetEnd && b.get(q) != '?') {
            q++;
        }
        return q == p ? "/" : string(p, q);
    }

    @Override
    public String queryParameter(String name) {
        String t = target();
        int q = t.indexOf('?');
        if (q < 0) {
            return null;
        }
        int hash = t.indexOf('#', q);
        for (String pair : t.substring(q + 1, hash < 0 ? t.length() : hash).split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            try {
                if (URLDecoder.decode(k, StandardCharsets.UTF_8).equals(name)) {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            } catch (IllegalArgumentException malformed) {
                return null; // a broken percent escape: treat the parameter as absent
            }
        }
        return null;
    }

    @Override
    public String version() {
        return minorVersion == 0 ? "HTTP/1.0" : "HTTP/1.1";
    }

    @Override
    public String header(String name) {
        List<String> all = headers(name);
        return all.isEmpty() ? null : all.get(0);
    }

    @Override
    public List<String> headers(String name) {
        ByteBuffer b = bytes();
        List<String> out = new ArrayList<>(1);
        int p = targetEnd;
        p = lineEnd(p) + 1; // past the request line
        while (p < end) {
            int eol = lineEnd(p);
            int contentEnd = eol > p && b.get(eol - 1) == '\r' ? eol - 1 : eol;
            if (contentEnd == p) {
                break;
            }
            int colon = p;
            while (colon < contentEnd && b.get(colon) != ':') {
                colon++;
            }
            if (colon - p == name.length() && equalsIgnoreCase(p, name)) {
                int vs = colon + 1;
                int ve = contentEnd;
                while (vs < ve && (b.get(vs) == ' ' || b.get(vs) == '\t')) {
                    vs++;
                }
                while (ve > vs && (b.get(ve - 1) == ' ' || b.get(ve - 1) == '\t')) {
                    ve--;
                }
                out.add(string(vs, ve));
            }
            p = eol + 1;
        }
        return out;
    }

    private boolean equalsIgnoreCase(int at, String name) {
        for (int i = 0; i < name.length(); i++) {
            int c = buf.get(at + i);
            int d = name.charAt(i);
            if (c != d && Character.toLowerCase(c) != Character.toLowerCase(d)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String cookie(String name) {
        for (String header : headers("cookie")) {
            for (String pair : header.split(";")) {
                String t = pair.strip();
                int eq = t.indexOf('=');
                if (eq > 0 && t.substring(0, eq).strip().equals(name)) {
                    String v = t.substring(eq + 1).strip();
                    return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
                }
            }
        }
        return null;
    }

    @Override
    public boolean isUpgrade() {
        return upgradeWebsocket;
    }

    @Override
    public List<String> offeredSubprotocols() {
        List<String> out = new ArrayList<>();
        for (String h : headers("sec-websocket-protocol")) {
            for (String p : h.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.strip());
                }
            }
        }
        return out;
    }

    @Override
    public String subprotocol() {
        return subprotocol;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String toString() {
        return buf == null ? "request (no longer valid)" : method() + " " + target() + " " + version();
    }
}
