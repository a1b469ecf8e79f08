package io.throng.websocket;

import java.nio.charset.StandardCharsets;

/** HTTP/1.1 character classes (RFC 9110 section 5.6.2) and response heads. */
public final class Http {
    private static final boolean[] TOKEN = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private Http() {
    }

    public static boolean isTokenChar(int c) {
        return c >= 0 && c < 128 && TOKEN[c];
    }

    /** A byte allowed in a header value: HTAB, SP, visible ASCII, or obs-text (0x80-0xFF). */
    public static boolean isValueByte(int b) {
        b &= 0xFF;
        return b == '\t' || (b >= 0x20 && b != 0x7F);
    }

    public static String reason(int status) {
        return switch (status) {
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 426 -> "Upgrade Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
        };
    }

    /** The whole response (head and body) as bytes. */
    public static byte[] encode(HttpResponse r, boolean close) {
        StringBuilder head = new StringBuilder(128);
        head.append("HTTP/1.1 ").append(r.status()).append(' ').append(reason(r.status())).append("\r\n");
        for (int i = 0; i < r.headers().size(); i += 2) {
            head.append(r.headers().get(i)).append(": ").append(r.headers().get(i + 1)).append("\r\n");
        }
        if (r.contentType() != null) {
            head.append("Content-Type: ").append(r.contentType()).append("\r\n");
        }
        head.append("Content-Length: ").append(r.body().length).append("\r\n");
        if (close) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + r.body().length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(r.body(), 0, all, h.length, r.body().length);
        return all;
    }
}
