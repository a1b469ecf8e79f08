package io.throng.rpc.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.throng.rpc.frame.RetCode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a request's {@code func} to its method: one hash lookup on the full string. A miss tells
 * "no such service" (ret 11) from "no such func" (ret 12) by the service part of the name.
 * Its routes are fixed once built; their call meters are set once, by {@link #bindMeters}, from
 * any thread, and read by the threads that dispatch requests (volatile). Any thread.
 */
final class Router {

    /** A resolved method, with the service's own timeout in nanoseconds (0: none). */
    static final class Route {
        private final String func;
        private final String service;
        private final String methodName;
        private final RpcService.Method method;
        private final long serviceTimeoutNanos;
        /**
         * This method's call meters, or null while none are bound: resolved once here so that a
         * call reaches its counter and timer through the route it was routed by, with no lookup.
         */
        private volatile CallMeters meters;

        Route(String service, String methodName, RpcService.Method method, long serviceTimeoutNanos) {
            this.func = "/" + service + "/" + methodName;
            this.service = service;
            this.methodName = methodName;
            this.method = method;
            this.serviceTimeoutNanos = serviceTimeoutNanos;
        }

        String func() {
            return func;
        }

        RpcService.Method method() {
            return method;
        }

        long serviceTimeoutNanos() {
            return serviceTimeoutNanos;
        }

        /** The call meters, or null when the server has none bound. */
        CallMeters meters() {
            return meters;
        }
    }

    private final Map<String, Route> byFunc = new HashMap<>();
    private final Set<String> services = new HashSet<>();
    /** The one series every request for an unknown service or func counts under, or null while unbound. */
    private volatile CallMeters unknown;

    Router(List<RpcService> list) {
        for (RpcService s : list) {
            if (!services.add(s.name())) {
                throw new IllegalArgumentException("service " + s.name() + " registered twice");
            }
            for (Map.Entry<String, RpcService.Method> m : s.methods().entrySet()) {
                byFunc.put(s.func(m.getKey()), new Route(s.name(), m.getKey(), m.getValue(), s.timeout().toNanos()));
            }
        }
    }

    /** The route for {@code func}, or null (see {@link #missCode}). */
    Route find(String func) {
        return byFunc.get(func);
    }

    /** The series of requests for unknown routes, or null when no meters are bound. */
    CallMeters unknownMeters() {
        return unknown;
    }

    /**
     * Creates every unary method's call meters, and the unknown routes' series, in {@code registry}
     * with {@code tags} added. Once per router: a second registry would split one call's counts
     * between two (bind a composite registry instead).
     */
    synchronized void bindMeters(MeterRegistry registry, Tags tags) {
        if (unknown != null) {
            throw new IllegalStateException("this server's call meters are bound already");
        }
        for (Route r : byFunc.values()) {
            if (r.method.unary() != null) {
                r.meters = CallMeters.of(registry, tags, r.service, r.methodName);
            }
        }
        unknown = CallMeters.unknownRoutes(registry, tags);
    }

    int missCode(String func) {
        return services.contains(serviceOf(func)) ? RetCode.SERVER_NO_FUNC : RetCode.SERVER_NO_SERVICE;
    }

    String missMessage(String func) {
        return missCode(func) == RetCode.SERVER_NO_FUNC
                ? "no such func: " + func
                : "no such service: '" + serviceOf(func) + "' (func " + func + ")";
    }

    Set<String> serviceNames() {
        return Set.copyOf(services);
    }

    static String serviceOf(String func) {
        int last = func.lastIndexOf('/');
        return last > 1 && func.charAt(0) == '/' ? func.substring(1, last) : "";
    }
}
