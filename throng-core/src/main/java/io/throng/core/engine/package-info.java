/**
 * The engine's machinery (not exported): connections, event loops, the worker pool, the
 * thread-per-connection runtime, timers. A connection's callbacks run in its serial context (its
 * loop, the worker holding it, or its own thread); its write queue is guarded by its monitor, so
 * any thread may write. Loops are spoken to only through their task queue and task stack.
 */
package io.throng.core.engine;
