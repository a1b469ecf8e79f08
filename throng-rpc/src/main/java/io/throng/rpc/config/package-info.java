/**
 * tRPC-Go-shaped configuration: YAML ({@code server.service[]}, {@code client.service[]},
 * {@code transport}, {@code conn_type}, {@code multiplexed.*}) read into records that code builds
 * the same way, and {@link io.throng.rpc.config.TransportChoice}, the seam mapping transport names
 * to engine transports with a logged fallback. Immutable values; any thread.
 */
package io.throng.rpc.config;
