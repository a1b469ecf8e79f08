package io.throng.websocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * A plain HTTP response (a refused upgrade, or an answer to a request that is not an upgrade).
 *
 * @param status      the status code, 200-599
 * @param contentType the body's media type, or null without a body
 * @param headers     extra headers as name, value pairs (Content-Length, Content-Type and
 *                    Connection are written by the server)
 * @param body        the body (may be empty)
 * @param close       close the connection after the response (a refused upgrade always does)
 */
public record HttpResponse(int status, String contentType, List<String> headers, byte[] body, boolean close) {

    public HttpResponse {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be within 200..599, got " + status);
        }
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        if (headers.size() % 2 != 0) {
            throw new IllegalArgumentException("headers are name, value pairs; got " + headers.size() + " strings");
        }
        for (String h : headers) {
            if (h.indexOf('\r') >= 0 || h.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a header name or value holds a line break: " + h);
            }
        }
        headers = List.copyOf(headers);
    }

    /** A text/plain response whose body is {@code message} and a line break; the connection stays open. */
    public static HttpResponse text(int status, String message) {
        return new HttpResponse(status, "text/plain; charset=utf-8", List.of(),
                (message + "\n").getBytes(StandardCharsets.UTF_8), false);
    }

    /** A refusal: {@code status} with {@code message}, then the connection closes. */
    public static HttpResponse refuse(int status, String message) {
        return text(status, message).closing();
    }

    public static HttpResponse of(int status, String contentType, byte[] body) {
        return new HttpResponse(status, contentType, List.of(), body, false);
    }

    /** This response with the connection closed after it. */
    public HttpResponse closing() {
        return new HttpResponse(status, contentType, headers, body, true);
    }

    /** This response with one more header. */
    public HttpResponse withHeader(String name, String value) {
        List<String> h = new java.util.ArrayList<>(headers);
        h.add(name);
        h.add(value);
        return new HttpResponse(status, contentType, h, body, close);
    }
}
