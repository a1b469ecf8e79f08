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

    /**
     * Every model on every transport, with both accept modes where there are several loops; io_uring
     * runs the reactor models and the worker pool. {@code -Dthrong.variants=io_uring} (a substring of the names) runs
     * some of them, while working on one.
     */
    static final List<Variant> ALL = Stream.of(TransportKind.NIO, TransportKind.EPOLL, TransportKind.IO_URING)
            .flatMap(Variant::modelsOn)
            .filter(v -> v.name().contains(System.getProperty("throng.variants", "")))
            .toList();

    private static Stream<Variant> modelsOn(TransportKind t) {
        String on = "/" + t.id();
        return Stream.of(
                new Variant("virtual-threads" + on, Model.VIRTUAL_THREADS, t, c -> c),
                new Variant("platform-threads" + on, Model.PLATFORM_THREADS, t, c -> c),
                new Variant("single-reactor" + on, Model.SINGLE_REACTOR, t, c -> c),
                new Variant("multi-reactor/reuseport" + on, Model.MULTI_REACTOR, t,
                        c -> c.withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)),
                new Variant("multi-reactor/acceptor" + on, Model.MULTI_REACTOR, t,
                        c -> c.withLoops(2).withAcceptMode(AcceptMode.ACCEPTOR)),
                new Variant("worker-pool" + on, Model.WORKER_POOL, t,
                        c -> c.withLoops(2).withWorkers(c.workers().withThreads(4))),
                new Variant("worker-pool/virtual-workers" + on, Model.WORKER_POOL, t,
                        c -> c.withLoops(1).withAcceptMode(AcceptMode.ACCEPTOR)
                                .withWorkers(c.workers().withThreads(8).withVirtualThreads(true))),
                new Variant("leader-follower" + on, Model.LEADER_FOLLOWER, t,
                        c -> c.withLoops(2).withWorkers(c.workers().withThreads(2))))
                .filter(v -> v.model() != Model.LEADER_FOLLOWER || t == TransportKind.EPOLL)
                .filter(v -> t != TransportKind.IO_URING || !v.model().threadPerConnection());
    }

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
