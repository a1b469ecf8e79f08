package io.throng.rpc;

import io.throng.core.config.AcceptMode;
import io.throng.core.config.Model;
import io.throng.core.config.ServerConfig;
import io.throng.rpc.server.Execution;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcServerOptions;
import io.throng.rpc.server.RpcService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** The services and server variants the tests run. */
public final class TestServices {
    public static final String SERVICE = "trpc.throng.test.Probe";
    public static final AtomicInteger NOTIFIED = new AtomicInteger();
    public static final AtomicInteger INTERRUPTED = new AtomicInteger();

    private TestServices() {
    }

    public static String func(String method) {
        return "/" + SERVICE + "/" + method;
    }

    /**
     * Echo (inline), Echo2 (worker), Sleep ("ms:tag" -> tag after ms), Fail (func_ret 42),
     * Limited (ret 23), Meta (app-key's value; sets app-reply), Notify (counts), Attach (echoes the attachment).
     */
    public static RpcService probe() {
        return RpcService.builder(SERVICE)
                .unary("Echo", r -> RpcReply.of(r.body()), Execution.INLINE)
                .unary("Echo2", r -> RpcReply.of(r.body()))
                .unary("Sleep", r -> {
                    String[] p = new String(r.body(), StandardCharsets.UTF_8).split(":", 2);
                    try {
                        Thread.sleep(Long.parseLong(p[0]));
                    } catch (InterruptedException e) {
                        INTERRUPTED.incrementAndGet();
                        throw e;
                    }
                    return RpcReply.of((p.length > 1 ? p[1] : "").getBytes(StandardCharsets.UTF_8));
                })
                .unary("Fail", r -> {
                    throw RpcException.business(42, "fail on purpose");
                })
                .unary("Limited", r -> {
                    throw new RpcException(23, "limited on purpose");
                })
                .unary("Meta", r -> {
                    byte[] v = r.transInfo().getOrDefault("app-key", new byte[0]);
                    return RpcReply.of(v).withTransInfo(Map.of("app-reply", "pong".getBytes(StandardCharsets.UTF_8)));
                })
                .unary("Notify", r -> {
                    NOTIFIED.incrementAndGet();
                    return RpcReply.of(null);
                })
                .unary("Attach", r -> RpcReply.of(r.body()).withAttachment(r.attachment()))
                .build();
    }

    /** One server model configuration. */
    public record Variant(String name, UnaryOperator<ServerConfig> tweak) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static final List<Variant> MODELS = List.of(
            new Variant("virtual-threads", c -> c.withModel(Model.VIRTUAL_THREADS)),
            new Variant("platform-threads", c -> c.withModel(Model.PLATFORM_THREADS)),
            new Variant("single-reactor", c -> c.withModel(Model.SINGLE_REACTOR)),
            new Variant("multi-reactor/reuseport", c -> c.withModel(Model.MULTI_REACTOR).withLoops(2).withAcceptMode(AcceptMode.REUSEPORT)),
            new Variant("multi-reactor/acceptor", c -> c.withModel(Model.MULTI_REACTOR).withLoops(2).withAcceptMode(AcceptMode.ACCEPTOR)),
            new Variant("worker-pool", c -> c.withModel(Model.WORKER_POOL).withLoops(2).withWorkers(c.workers().withThreads(4))),
            // the clients of this variant run on io_uring too (RoundTripTest)
            new Variant("multi-reactor/io_uring", c -> c.withModel(Model.MULTI_REACTOR).withLoops(2)
                    .withTransport(io.throng.core.config.TransportKind.IO_URING)));

    public static Stream<Variant> models() {
        return MODELS.stream();
    }

    public static RpcServerOptions options(Variant v) {
        return RpcServerOptions.defaults().withEngine(v.tweak().apply(ServerConfig.defaults().withHost("127.0.0.1").withPort(0)));
    }

    public static RpcServer start(Variant v) throws IOException {
        return RpcServer.start(options(v), probe());
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
