package io.throng.cli;

import io.throng.core.Handler;
import io.throng.core.handler.EchoHandler;
import io.throng.core.handler.TimestampEchoHandler;
import io.throng.websocket.DeflateConfig;
import io.throng.websocket.EchoWebSocketHandler;
import io.throng.websocket.WebSocketProtocol;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The handlers {@code throng serve --handler} can run, by name. */
final class Handlers {
    private static final Map<String, Supplier<Handler>> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("echo", EchoHandler::new);
        BY_NAME.put("timestamp-echo", TimestampEchoHandler::new);
        // WebSocket echo at any path, messages up to 16 MiB (for conformance tools such as Autobahn)
        BY_NAME.put("ws-echo", () -> WebSocketProtocol.server(new EchoWebSocketHandler())
                .config(EchoWebSocketHandler.conformanceConfig()).build());
        // the same, offering permessage-deflate
        BY_NAME.put("ws-echo-deflate", () -> WebSocketProtocol.server(new EchoWebSocketHandler())
                .config(EchoWebSocketHandler.conformanceConfig().withDeflate(DeflateConfig.ENABLED)).build());
    }

    private Handlers() {
    }

    static Handler create(String name) {
        Supplier<Handler> s = BY_NAME.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown handler '" + name + "'; expected one of " + String.join(", ", BY_NAME.keySet()));
        }
        return s.get();
    }

    static String names() {
        return String.join(", ", BY_NAME.keySet());
    }
}
