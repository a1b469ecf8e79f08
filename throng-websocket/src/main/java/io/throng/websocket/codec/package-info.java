/**
 * The WebSocket wire format, with no notion of sessions or handlers: frame headers and the
 * incremental frame decoder, masking, UTF-8 validation, the accept key, and permessage-deflate's
 * parameters and pooled codecs; and the JSON string escaping of the text the bus and the
 * Centrifugo protocol write by hand. Pure functions and single-owner objects; not exported.
 */
package io.throng.websocket.codec;
