package io.throng.rpc.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * A unary request as a handler sees it. The arrays are the handler's own (copied out of the read
 * buffer); the record is immutable otherwise.
 *
 * @param func            {@code /package.Service/Method}
 * @param caller          the caller's name, as it sent it
 * @param callee          the callee's name, as the caller sent it
 * @param body            the serialized request message
 * @param attachment      the raw attachment (empty if none)
 * @param transInfo       metadata passed along the call chain (never null)
 * @param contentType     the body's serialization
 * @param contentEncoding the body's compression
 * @param messageType     tRPC's message-type flag bits
 * @param oneWay          the caller expects no response
 * @param deadlineNanos   {@link System#nanoTime()} by which the reply is due, or 0 for none
 * @param remoteAddress   the peer
 */
public record RpcRequest(String func, String caller, String callee, byte[] body, byte[] attachment,
                         Map<String, byte[]> transInfo, int contentType, int contentEncoding, int messageType,
                         boolean oneWay, long deadlineNanos, SocketAddress remoteAddress) {

    /** The method name: what follows the last '/' of {@link #func}. */
    public String method() {
        return func.substring(func.lastIndexOf('/') + 1);
    }

    /** Time left before the deadline (negative once passed), or null when there is no deadline. */
    public Duration remaining() {
        return deadlineNanos == 0 ? null : Duration.ofNanos(deadlineNanos - System.nanoTime());
    }
}
