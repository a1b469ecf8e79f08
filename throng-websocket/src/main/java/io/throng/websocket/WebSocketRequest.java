package io.throng.websocket;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * Where and how a client connects.
 *
 * @param address      the server's address
 * @param host         the Host header's value
 * @param path         the request-target, e.g. {@code /sub/news}
 * @param subprotocols the subprotocols to offer, in order of preference
 * @param headers      extra headers as name, value pairs (a Cookie, an Origin, ...)
 * @param localAddress the address to connect from (e.g. 127.0.0.7:0, to spread many connections
 *                     over source addresses), or null
 */
public record WebSocketRequest(InetSocketAddress address, String host, String path, List<String> subprotocols,
                               List<String> headers, InetSocketAddress localAddress) {

    public WebSocketRequest {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(host, "host");
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with '/', got " + path);
        }
        subprotocols = List.copyOf(subprotocols);
        headers = List.copyOf(headers);
        if (headers.size() % 2 != 0) {
            throw new IllegalArgumentException("headers are name, value pairs; got " + headers.size() + " strings");
        }
        for (String s : headers) {
            if (s.indexOf('\r') >= 0 || s.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("a header name or value holds a line break: " + s);
            }
        }
    }

    /** A request for {@code path} at {@code address}. */
    public static WebSocketRequest to(InetSocketAddress address, String path) {
        return new WebSocketRequest(address, address.getHostString() + ":" + address.getPort(), path, List.of(),
                List.of(), null);
    }

    /**
     * A request for a {@code ws://host:port/path} or {@code wss://} URI. A {@code wss://} one goes
     * through a client started with TLS ({@code ClientConfig.withTls}): the scheme only sets the
     * default port, the client's configuration decides whether it speaks TLS.
     */
    public static WebSocketRequest to(URI uri) {
        boolean secure = "wss".equalsIgnoreCase(uri.getScheme());
        if (!secure && !"ws".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("only ws:// and wss:// URIs are supported, got " + uri);
        }
        int port = uri.getPort() < 0 ? (secure ? 443 : 80) : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        return to(new InetSocketAddress(uri.getHost(), port), path);
    }

    public WebSocketRequest withSubprotocols(List<String> v) {
        return new WebSocketRequest(address, host, path, v, headers, localAddress);
    }

    public WebSocketRequest withHeader(String name, String value) {
        List<String> h = new java.util.ArrayList<>(headers);
        h.add(name);
        h.add(value);
        return new WebSocketRequest(address, host, path, subprotocols, h, localAddress);
    }

    public WebSocketRequest withLocalAddress(InetSocketAddress v) {
        return new WebSocketRequest(address, host, path, subprotocols, headers, v);
    }
}
