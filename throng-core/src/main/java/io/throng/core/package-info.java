/**
 * The handler's view of the engine: {@link io.throng.core.Handler} (what the application does),
 * {@link io.throng.core.Connection} (what it can do to a connection, from any thread),
 * {@link io.throng.core.CloseReason} and {@link io.throng.core.ServerStats}. It depends on nothing;
 * the engine implements it and {@link io.throng.core.net} starts it. Callbacks of one connection
 * never overlap; which thread runs them is the model's choice.
 */
package io.throng.core;
