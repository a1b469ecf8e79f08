/**
 * The protocol machinery (not exported): request-head parsing in place, frame decoding, masking,
 * UTF-8 validation, permessage-deflate, and the per-connection session. A session's receive side
 * runs in its connection's serial context; its send side may run on any thread, under the
 * session's monitor.
 */
package io.throng.websocket.internal;
