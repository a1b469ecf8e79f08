package io.throng.rpc.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-call settings; a client's defaults are overridden call by call.
 *
 * @param timeout         the call fails with ret 101 if no response arrives within it; it is
 *                        also sent to the server (the request's {@code timeout}) as the deadline
 * @param transInfo       metadata passed to the server (and along its call chain)
 * @param attachment      raw bytes sent after the body (may be empty)
 * @param oneWay          send and expect no response: the call completes once the request is written
 * @param contentType     the body's serialization (0 protobuf, 2 json, 4 raw, ...)
 * @param contentEncoding the body's compression (0 none)
 * @param caller          our name, {@code trpc.app.server.service}
 * @param callee          the callee's name
 */
public record CallOptions(Duration timeout, Map<String, byte[]> transInfo, byte[] attachment, boolean oneWay,
                          int contentType, int contentEncoding, String caller, String callee) {

    /** tRPC-Go's default client timeout is none; we default to 1 s as tRPC-Java does, so no call hangs. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final CallOptions DEFAULT = new CallOptions(DEFAULT_TIMEOUT, Map.of(), new byte[0], false, 0, 0, "", "");

    public CallOptions {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (timeout.toMillis() > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("timeout must fit the protocol's uint32 milliseconds, got " + timeout);
        }
        transInfo = transInfo == null ? Map.of() : transInfo;
        attachment = attachment == null ? new byte[0] : attachment;
        caller = caller == null ? "" : caller;
        callee = callee == null ? "" : callee;
    }

    public CallOptions withTimeout(Duration v) {
        return new CallOptions(v, transInfo, attachment, oneWay, contentType, contentEncoding, caller, callee);
    }

    public CallOptions withTransInfo(Map<String, byte[]> v) {
        return new CallOptions(timeout, v, attachment, oneWay, contentType, contentEncoding, caller, callee);
    }

    /** Adds one metadata entry over the existing ones. */
    public CallOptions withTransInfo(String key, byte[] value) {
        Map<String, byte[]> m = new LinkedHashMap<>(transInfo);
        m.put(Objects.requireNonNull(key, "key"), value);
        return withTransInfo(m);
    }

    public CallOptions withAttachment(byte[] v) {
        return new CallOptions(timeout, transInfo, v, oneWay, contentType, contentEncoding, caller, callee);
    }

    public CallOptions withOneWay(boolean v) {
        return new CallOptions(timeout, transInfo, attachment, v, contentType, contentEncoding, caller, callee);
    }

    public CallOptions withContentType(int v) {
        return new CallOptions(timeout, transInfo, attachment, oneWay, v, contentEncoding, caller, callee);
    }

    public CallOptions withCaller(String v) {
        return new CallOptions(timeout, transInfo, attachment, oneWay, contentType, contentEncoding, v, callee);
    }

    public CallOptions withCallee(String v) {
        return new CallOptions(timeout, transInfo, attachment, oneWay, contentType, contentEncoding, caller, v);
    }
}
