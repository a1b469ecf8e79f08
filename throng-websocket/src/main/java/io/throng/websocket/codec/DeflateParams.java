package io.throng.websocket.codec;

/**
 * What permessage-deflate negotiation agreed, from one endpoint's point of view.
 *
 * @param localNoContextTakeover our compressor must be reset after each message
 * @param peerNoContextTakeover  the peer resets its compressor, so our decompressor may be pooled
 * @param localMaxWindowBits     the window our compressor may use (15: no restriction)
 * @param responseHeader         (server) the Sec-WebSocket-Extensions value to answer with
 */
public record DeflateParams(boolean localNoContextTakeover, boolean peerNoContextTakeover, int localMaxWindowBits,
                            String responseHeader) {

    public DeflateParams {
        if (localMaxWindowBits < 8 || localMaxWindowBits > 15) {
            throw new IllegalArgumentException("window bits must be within 8..15, got " + localMaxWindowBits);
        }
    }

    /** Whether a message compressed by a fresh compressor with a 32 KiB window suits this connection. */
    public boolean acceptsSharedCompressedFrames() {
        return localNoContextTakeover && localMaxWindowBits == 15;
    }
}
