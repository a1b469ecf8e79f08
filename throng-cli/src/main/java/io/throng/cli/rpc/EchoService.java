package io.throng.cli.rpc;

import io.throng.rpc.server.Execution;
import io.throng.rpc.server.RpcReply;
import io.throng.rpc.server.RpcService;

/** The echo service of {@code throng rpc serve}: method {@code Echo} returns the body unchanged, whatever its content type. */
final class EchoService {
    static final String DEFAULT_NAME = "trpc.throng.echo.Echo";

    private EchoService() {
    }

    static RpcService create(String name, Execution execution) {
        return RpcService.builder(name).unary("Echo", r -> RpcReply.of(r.body()), execution).build();
    }
}
