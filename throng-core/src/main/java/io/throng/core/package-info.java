/**
 * The engine's public face: {@link io.throng.core.Handler} (what the application does),
 * {@link io.throng.core.Connection} (what it can do to a connection, from any thread),
 * {@link io.throng.core.Server} and {@link io.throng.core.Client}. Callbacks of one connection
 * never overlap; which thread runs them is the model's choice.
 */
package io.throng.core;
