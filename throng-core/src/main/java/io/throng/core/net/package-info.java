/**
 * Starting the engine: a {@link io.throng.core.net.Server} (a listening port under one model) and
 * a {@link io.throng.core.net.Client} (outgoing connections on the client's loops), both serving
 * connections with one {@link io.throng.core.Handler}. Thread-safe; the threads they start are the
 * engine's.
 */
package io.throng.core.net;
