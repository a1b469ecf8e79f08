/**
 * The tRPC wire format: the 16-byte frame header, the unary request and response headers
 * (protobuf, encoded by hand), whole unary frames and the framework return codes.
 *
 * <p>Everything here is a pure function of its arguments or an immutable value: safe from any
 * thread. Decoders read a buffer at absolute indexes and never move its position; the caller
 * consumes the frame once it has acted on it.
 */
package io.throng.rpc.frame;
