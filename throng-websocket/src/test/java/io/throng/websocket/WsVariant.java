package io.throng.websocket;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import java.util.List;
import java.util.function.UnaryOperator;

/** A server model the WebSocket tests run under (only the NIO transport exists so far). */
record WsVariant(String name, Model model, UnaryOperator<ServerConfig> tweak) {

    static final List<WsVariant> ALL = List.of(
            new WsVariant("single-reactor", Model.SINGLE_REACTOR, c -> c),
            new WsVariant("multi-reactor", Model.MULTI_REACTOR, c -> c.withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)),
            new WsVariant("worker-pool", Model.WORKER_POOL, c -> c.withLoops(2).withWorkers(c.workers().withThreads(4))),
            new WsVariant("virtual-threads", Model.VIRTUAL_THREADS, c -> c),
            new WsVariant("platform-threads", Model.PLATFORM_THREADS, c -> c));

    ServerConfig config() {
        ServerConfig base = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(model)
                .withShutdownTimeout(java.time.Duration.ofSeconds(5));
        // Echoing Autobahn's 16 MiB messages queues more than the engine's default 8 MiB cap.
        return tweak.apply(base.withLimits(base.limits().withMaxQueuedBytes(64L << 20)));
    }

    @Override
    public String toString() {
        return name;
    }
}
