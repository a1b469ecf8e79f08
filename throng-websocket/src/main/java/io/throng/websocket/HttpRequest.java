package io.throng.websocket;

import java.net.SocketAddress;
import java.util.List;

/**
 * An HTTP request head as the application's {@link RequestHook} sees it: a view over the bytes the
 * connection received, valid only during the hook's call. Nothing is copied until asked for: each
 * method that returns a String makes that one string, so the hook copies exactly what it keeps (a
 * cookie to authenticate, the path, a query parameter). After the call every method throws.
 */
public interface HttpRequest {

    /** The method, e.g. GET. */
    String method();

    /** The request-target as sent, e.g. {@code /sub/news?since=10}. */
    String target();

    /** The path part of the target, before any {@code ?}, not percent-decoded. */
    String path();

    /** The first value of query parameter {@code name}, percent-decoded as UTF-8, or null. */
    String queryParameter(String name);

    /** "HTTP/1.1" or "HTTP/1.0". */
    String version();

    /** The first value of header {@code name} (any case), trimmed, or null. Bytes are read as ISO-8859-1. */
    String header(String name);

    /** Every value of header {@code name}, in order. */
    List<String> headers(String name);

    /** The value of cookie {@code name} from the Cookie headers, or null. */
    String cookie(String name);

    /** True for a WebSocket upgrade (Upgrade: websocket); its handshake headers were already checked. */
    boolean isUpgrade();

    /** The subprotocols the client offered, in its order of preference. */
    List<String> offeredSubprotocols();

    /** The subprotocol the server will answer with (the first offered that the config supports), or null. */
    String subprotocol();

    /** The declared Content-Length, or -1 without one. */
    long contentLength();

    SocketAddress remoteAddress();
}
