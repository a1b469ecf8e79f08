package io.throng.rpc.server;

/**
 * A snapshot of a server's request counters (the engine's connection counters are in
 * {@link io.throng.core.ServerStats}).
 *
 * @param requests       unary requests received (one-way included)
 * @param oneWay         of which one-way
 * @param replied        replies written
 * @param errors         replies with a non-zero ret or func_ret
 * @param overloaded     requests refused with ret 22 at the in-flight limit
 * @param timedOut       requests answered with ret 21/24 because their handler overran the deadline
 * @param noRoute        requests for an unknown service or func (ret 11/12)
 * @param malformed      connections closed for a malformed frame
 * @param inFlight       requests being handled now
 * @param streams        streams opened
 */
public record RpcServerStats(long requests, long oneWay, long replied, long errors, long overloaded, long timedOut,
                             long noRoute, long malformed, int inFlight, long streams) {
}
