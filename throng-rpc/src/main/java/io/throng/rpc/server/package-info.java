/**
 * The tRPC server: services registered by name, requests routed on {@code func}, handled
 * concurrently (a virtual thread each, or inline on the I/O thread for non-blocking methods),
 * answered in completion order, bounded by an in-flight limit (ret 22 past it) and by deadlines
 * (the caller's timeout, ret 24; the service's, ret 21).
 *
 * <p>Threads: each connection's frames are decoded on its I/O thread (its serial context in the
 * engine); handlers run on workers; replies may be sent from any thread. Per-connection state lives
 * in {@code ServerConnection}, attached to the engine connection.
 */
package io.throng.rpc.server;
