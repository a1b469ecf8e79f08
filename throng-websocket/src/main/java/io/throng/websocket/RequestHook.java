package io.throng.websocket;

/**
 * Sees every request once its head has arrived and passed the handshake checks, and decides: upgrade
 * (with an attachment or a handler of its own), refuse with a status, answer it as plain HTTP, or
 * read its body. Runs in the connection's serial context; under the reactor models it must not
 * block.
 */
@FunctionalInterface
public interface RequestHook {

    RequestDecision onRequest(HttpRequest request);

    /**
     * Upgrades every WebSocket request; answers anything else as node's ws does: 405 for a method
     * other than GET, 426 Upgrade Required for a GET.
     */
    RequestHook UPGRADE_ALL = request -> {
        if (request.isUpgrade()) {
            return RequestDecision.upgrade();
        }
        if (!request.method().equals("GET")) {
            return new RequestDecision.Respond(HttpResponse.refuse(405, "method " + request.method()
                    + " not allowed: this is a WebSocket endpoint").withHeader("Allow", "GET"));
        }
        return new RequestDecision.Respond(HttpResponse.refuse(426, "this is a WebSocket endpoint: upgrade required")
                .withHeader("Upgrade", "websocket").withHeader("Sec-WebSocket-Version", "13"));
    };
}
