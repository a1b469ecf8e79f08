/**
 * Off-heap memory for bytes in flight: a pool of size-classed chunks carved from slabs, with
 * lock-free per-thread caches in front. The pool is thread-safe; a cache belongs to one thread.
 */
package io.throng.core.buffer;
