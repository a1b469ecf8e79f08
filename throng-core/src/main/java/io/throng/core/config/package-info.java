/**
 * Configuration as one tree of immutable records, validated when built, with defaults
 * ({@link io.throng.core.config.ServerConfig#defaults()}) and {@code with*} copies. Code, the CLI
 * and YAML all build the same records.
 */
package io.throng.core.config;
