/**
 * {@code throng rpc}: {@code serve} (a tRPC echo server) and {@code bench} (multiplexed versus
 * pooled clients, throng's server versus tRPC-Java's, each server in a child JVM). Commands run on
 * the main thread; bench callers are virtual threads bounded by the configured durations.
 */
package io.throng.cli.rpc;
