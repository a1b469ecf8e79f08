package io.throng.rpc.server;

import io.throng.rpc.frame.RetCode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a request's {@code func} to its method: one hash lookup on the full string. A miss tells
 * "no such service" (ret 11) from "no such func" (ret 12) by the service part of the name.
 * Immutable once built; any thread.
 */
final class Router {

    /** A resolved method, with the service's own timeout in nanoseconds (0: none). */
    record Route(String func, RpcService.Method method, long serviceTimeoutNanos) {
    }

    private final Map<String, Route> byFunc = new HashMap<>();
    private final Set<String> services = new HashSet<>();

    Router(List<RpcService> list) {
        for (RpcService s : list) {
            if (!services.add(s.name())) {
                throw new IllegalArgumentException("service " + s.name() + " registered twice");
            }
            for (Map.Entry<String, RpcService.Method> m : s.methods().entrySet()) {
                String func = s.func(m.getKey());
                byFunc.put(func, new Route(func, m.getValue(), s.timeout().toNanos()));
            }
        }
    }

    /** The route for {@code func}, or null (see {@link #missCode}). */
    Route find(String func) {
        return byFunc.get(func);
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
