package io.throng.testsuite;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.core.config.TransportKind;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** One server configuration the contract suite runs against: a model, a transport and its options. */
record Variant(String name, Model model, TransportKind transport, UnaryOperator<ServerConfig> tweak) {

    /** Every model, with both accept modes where there are several loops. */
    static final List<Variant> ALL = List.of(
            new Variant("virtual-threads", Model.VIRTUAL_THREADS, TransportKind.NIO, c -> c),
            new Variant("platform-threads", Model.PLATFORM_THREADS, TransportKind.NIO, c -> c),
            new Variant("single-reactor", Model.SINGLE_REACTOR, TransportKind.NIO, c -> c),
            new Variant("multi-reactor/reuseport", Model.MULTI_REACTOR, TransportKind.NIO,
                    c -> c.withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)),
            new Variant("multi-reactor/acceptor", Model.MULTI_REACTOR, TransportKind.NIO,
                    c -> c.withLoops(2).withAcceptMode(AcceptMode.ACCEPTOR)),
            new Variant("worker-pool", Model.WORKER_POOL, TransportKind.NIO,
                    c -> c.withLoops(2).withWorkers(c.workers().withThreads(4))),
            new Variant("worker-pool/virtual-workers", Model.WORKER_POOL, TransportKind.NIO,
                    c -> c.withLoops(1).withAcceptMode(AcceptMode.ACCEPTOR)
                            .withWorkers(c.workers().withThreads(8).withVirtualThreads(true))));

    static Stream<Variant> all() {
        return ALL.stream();
    }

    /** A config for this variant on a free loopback port. */
    ServerConfig config() {
        return tweak.apply(ServerConfig.defaults().withHost("127.0.0.1").withPort(0).withModel(model).withTransport(transport));
    }

    boolean threadPerConnection() {
        return model.threadPerConnection();
    }

    @Override
    public String toString() {
        return name;
    }
}
