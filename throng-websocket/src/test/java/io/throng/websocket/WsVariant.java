package io.throng.websocket;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** A server configuration the WebSocket tests run under: a model on a transport. */
record WsVariant(String name, Model model, TransportKind transport, UnaryOperator<ServerConfig> tweak) {

    /** Every model on every transport it runs on. */
    static final List<WsVariant> ALL = Stream.of(TransportKind.NIO, TransportKind.EPOLL).flatMap(WsVariant::modelsOn).toList();

    /** The multi-reactor model on the default transport: where single-configuration tests run. */
    static final WsVariant MULTI = of("multi-reactor/epoll");
    static final WsVariant SINGLE = of("single-reactor/epoll");
    static final WsVariant POOL = of("worker-pool/epoll");

    private static Stream<WsVariant> modelsOn(TransportKind t) {
        String on = "/" + t.id();
        return Stream.of(
                new WsVariant("single-reactor" + on, Model.SINGLE_REACTOR, t, c -> c),
                new WsVariant("multi-reactor" + on, Model.MULTI_REACTOR, t, c -> c.withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)),
                new WsVariant("worker-pool" + on, Model.WORKER_POOL, t, c -> c.withLoops(2).withWorkers(c.workers().withThreads(4))),
                new WsVariant("virtual-threads" + on, Model.VIRTUAL_THREADS, t, c -> c),
                new WsVariant("platform-threads" + on, Model.PLATFORM_THREADS, t, c -> c),
                new WsVariant("leader-follower" + on, Model.LEADER_FOLLOWER, t,
                        c -> c.withLoops(2).withWorkers(c.workers().withThreads(2))))
                .filter(v -> v.model() != Model.LEADER_FOLLOWER || t == TransportKind.EPOLL); // epoll only
    }

    static WsVariant of(String name) {
        return ALL.stream().filter(v -> v.name.equals(name)).findFirst().orElseThrow();
    }

    ServerConfig config() {
        ServerConfig base = ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(model).withTransport(transport)
                .withShutdownTimeout(java.time.Duration.ofSeconds(5));
        // Echoing Autobahn's 16 MiB messages queues more than the engine's default 8 MiB cap.
        return tweak.apply(base.withLimits(base.limits().withMaxQueuedBytes(64L << 20)));
    }

    @Override
    public String toString() {
        return name;
    }
}
