/**
 * tRPC clients: {@link io.throng.rpc.client.MultiplexedClient} (many calls per connection,
 * matched by {@code request_id}) and {@link io.throng.rpc.client.PooledClient} (one call per
 * connection), both with per-call timeouts and cancellation, on the engine's client loops.
 *
 * <p>Threads: calls start on any thread and never block; frames are decoded on each connection's
 * I/O thread, which completes the calls' futures (dependents must not block). Deadlines fire on
 * the shared deadline thread. Per-connection state is attached to the engine connection.
 */
package io.throng.rpc.client;
