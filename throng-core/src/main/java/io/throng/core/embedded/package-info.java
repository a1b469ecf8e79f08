/**
 * {@link io.throng.core.embedded.EmbeddedConnection}: the engine without a socket, for testing
 * protocol handlers in memory. Single-threaded: the test's thread drives it.
 */
package io.throng.core.embedded;
