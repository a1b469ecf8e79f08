/**
 * The transport seam: what the engine's models use to wait for sockets and move their bytes, and
 * nothing else. {@link io.throng.core.transport.Transport} opens {@link io.throng.core.transport.Poller}s
 * (readiness sets), {@link io.throng.core.transport.ListenSocket}s and client sockets;
 * a {@link io.throng.core.transport.TransportSocket} reads, gathers writes, shuts down and closes.
 * Implemented by the JDK's NIO (portable), by Linux epoll through FFM, and in memory (for
 * {@code io.throng.core.embedded}). Not exported.
 *
 * <p>Thread rules. A poller is waited on by the thread that owns it (or, for a shared one-shot
 * poller, by several threads at once); {@code wakeup} is safe from any thread. A socket's reads
 * and writes are made by whichever thread the engine's model lets (one at a time); its
 * {@code close}, {@code shutdownToWake} and interest changes are safe from any thread and never
 * reach a descriptor number once it is released (the kernel reuses numbers at once).
 */
package io.throng.core.transport;
