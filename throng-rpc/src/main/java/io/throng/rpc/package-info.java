/**
 * throng-rpc: the tRPC wire protocol on the throng engine. {@code frame} encodes and decodes,
 * {@code server} routes requests to services, {@code client} holds the multiplexed and pooled
 * clients, {@code stream} the streaming calls, {@code config} the tRPC-Go-shaped configuration.
 * {@link io.throng.rpc.RpcException} is every layer's error: immutable, any thread.
 */
package io.throng.rpc;
