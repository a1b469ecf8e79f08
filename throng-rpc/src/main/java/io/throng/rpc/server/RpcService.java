package io.throng.rpc.server;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import io.throng.rpc.stream.StreamHandler;

/**
 * A named service and its methods. Its methods are reached at {@code /<name>/<method>}, the
 * {@code func} tRPC routes on, e.g. {@code /trpc.throng.echo.Echo/Echo}.
 *
 * @param name    the service name ({@code package.Service})
 * @param methods method name to handler and execution
 * @param timeout the longest a handler may take (answered with ret 21 past it); zero for no limit
 *                beyond the caller's own timeout
 */
public record RpcService(String name, Map<String, Method> methods, Duration timeout) {

    /** One method: a unary handler and where it runs, or a stream handler (on its own virtual thread). */
    public record Method(UnaryHandler unary, StreamHandler stream, Execution execution) {
        public Method {
            Objects.requireNonNull(execution, "execution");
            if ((unary == null) == (stream == null)) {
                throw new IllegalArgumentException("a method has exactly one of a unary and a stream handler");
            }
        }
    }

    public RpcService {
        if (name == null || name.isBlank() || name.indexOf('/') >= 0) {
            throw new IllegalArgumentException("service name must be non-blank without '/', got '" + name + "'");
        }
        methods = Map.copyOf(methods);
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("service " + name + " has no methods");
        }
        for (String m : methods.keySet()) {
            if (m.isBlank() || m.indexOf('/') >= 0) {
                throw new IllegalArgumentException("method name must be non-blank without '/', got '" + m + "' in " + name);
            }
        }
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be zero or positive, got " + timeout);
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String func(String method) {
        return "/" + name + "/" + method;
    }

    public RpcService withTimeout(Duration v) {
        return new RpcService(name, methods, v);
    }

    public static final class Builder {
        private final String name;
        private final Map<String, Method> methods = new LinkedHashMap<>();
        private Duration timeout = Duration.ZERO;

        private Builder(String name) {
            this.name = name;
        }

        /** A method whose handler may block: it runs on a virtual thread per request. */
        public Builder unary(String method, UnaryHandler handler) {
            return unary(method, handler, Execution.WORKER);
        }

        public Builder unary(String method, UnaryHandler handler, Execution execution) {
            return add(method, new Method(handler, null, execution));
        }

        /** A stream method (client, server or bidirectional streaming): its handler runs on a virtual thread. */
        public Builder stream(String method, StreamHandler handler) {
            return add(method, new Method(null, handler, Execution.WORKER));
        }

        private Builder add(String method, Method m) {
            if (methods.putIfAbsent(method, m) != null) {
                throw new IllegalArgumentException("method " + method + " registered twice in " + name);
            }
            return this;
        }

        public Builder timeout(Duration v) {
            this.timeout = v;
            return this;
        }

        public RpcService build() {
            return new RpcService(name, methods, timeout);
        }
    }
}
