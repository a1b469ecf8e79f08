/**
 * Handlers shipped with the engine: {@code echo} and the seed's {@code timestamp-echo}. Both are
 * stateless, never block, and so run under every model.
 */
package io.throng.core.handler;
