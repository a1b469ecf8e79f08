/**
 * Logging the engine's layers share (not exported): a rate-limited logger, so that a flood of bad
 * peers cannot flood the log. Its own package so that the engine and the TLS layer, which the
 * engine starts, can both use it without depending on each other.
 */
package io.throng.core.log;
