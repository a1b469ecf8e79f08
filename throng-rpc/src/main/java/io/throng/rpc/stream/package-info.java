/**
 * tRPC streams: {@link io.throng.rpc.stream.RpcStream} (what either end uses),
 * {@link io.throng.rpc.stream.StreamHandler} (a server's stream method) and
 * {@link io.throng.rpc.stream.StreamEndpoint} (the shared state with window-based flow control).
 * Frame events arrive on the connection's I/O thread and never block; application threads block
 * in send and receive. Each endpoint's state is guarded by its monitor.
 */
package io.throng.rpc.stream;
