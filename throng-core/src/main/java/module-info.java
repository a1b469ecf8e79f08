/** throng's engine: buffers, connections, server models and transports. No dependencies. */
module io.throng.core {
    requires jdk.jfr;
    exports io.throng.core;
    exports io.throng.core.buffer;
    exports io.throng.core.config;
    exports io.throng.core.handler;
    exports io.throng.core.net;
    exports io.throng.core.embedded;
    exports io.throng.core.tls;
}
