package io.throng.rpc.config;

import io.throng.rpc.server.RpcServer;
import io.throng.rpc.server.RpcService;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The servers a configuration's {@code server.service[]} entries describe, one per entry, each
 * serving the services registered under that entry's name (tRPC-Go binds implementations to the
 * configured name the same way).
 */
public final class RpcServerGroup implements AutoCloseable {
    private final List<RpcServer> servers;

    private RpcServerGroup(List<RpcServer> servers) {
        this.servers = List.copyOf(servers);
    }

    /**
     * @param implementations configured service name to the services served there
     */
    public static RpcServerGroup start(List<ServiceSettings> entries, Map<String, List<RpcService>> implementations)
            throws IOException {
        List<RpcServer> started = new ArrayList<>();
        try {
            for (ServiceSettings s : entries) {
                List<RpcService> impl = implementations.get(s.name());
                if (impl == null || impl.isEmpty()) {
                    throw new IllegalArgumentException("no implementation registered for configured service " + s.name()
                            + " (registered: " + implementations.keySet() + ")");
                }
                s.transport().logFallback("service " + s.name());
                started.add(RpcServer.start(s.options(), impl));
            }
        } catch (IOException | RuntimeException e) {
            for (RpcServer r : started) {
                r.shutdown(Duration.ofSeconds(1));
            }
            throw e;
        }
        return new RpcServerGroup(started);
    }

    public List<RpcServer> servers() {
        return servers;
    }

    @Override
    public void close() {
        for (RpcServer s : servers) {
            s.close();
        }
    }
}
