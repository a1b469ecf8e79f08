package io.throng.websocket;

/**
 * permessage-deflate (RFC 7692). Off by default: compression costs CPU on every message and, with
 * context takeover, about 300 KiB of zlib state per connection (a 256 KiB compressor and a 44 KiB
 * decompressor at zlib's default memLevel), which is what Netty users hit (netty/netty#13083).
 *
 * <p>On a server the two takeover switches say what the server <em>imposes</em> in its answer
 * (RFC 7692 lets a server add {@code client_no_context_takeover} even when not offered); on a
 * client they say what the client <em>offers</em>. With both on (the default), a connection keeps
 * no zlib state between messages: each message borrows a codec from a pool shared by all
 * connections, so idle compressed connections cost nothing extra.
 *
 * @param enabled                 negotiate permessage-deflate when the peer offers (server) or offer it (client)
 * @param serverNoContextTakeover the server resets its compressor after every message
 * @param clientNoContextTakeover the client resets its compressor after every message
 * @param serverMaxWindowBits     server: the largest window our compressor uses (8-15); client: the
 *                                server_max_window_bits to request (15: do not request)
 * @param level                   compression level 0-9 (zlib's; 6 is its default balance)
 * @param minCompressBytes        messages shorter than this are sent uncompressed (RFC 7692 lets
 *                                each message choose): compressing 20 bytes costs a deflate call
 *                                to save nothing
 */
public record DeflateConfig(boolean enabled, boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                            int serverMaxWindowBits, int level, int minCompressBytes) {

    public static final DeflateConfig DISABLED = new DeflateConfig(false, true, true, 15, 6, 64);
    public static final DeflateConfig ENABLED = DISABLED.withEnabled(true);

    public DeflateConfig {
        if (serverMaxWindowBits < 8 || serverMaxWindowBits > 15) {
            throw new IllegalArgumentException("serverMaxWindowBits must be within 8..15, got " + serverMaxWindowBits);
        }
        if (level < 0 || level > 9) {
            throw new IllegalArgumentException("compression level must be within 0..9, got " + level);
        }
        if (minCompressBytes < 0) {
            throw new IllegalArgumentException("minCompressBytes must be >= 0, got " + minCompressBytes);
        }
    }

    public DeflateConfig withEnabled(boolean v) {
        return new DeflateConfig(v, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, level, minCompressBytes);
    }

    public DeflateConfig withServerNoContextTakeover(boolean v) {
        return new DeflateConfig(enabled, v, clientNoContextTakeover, serverMaxWindowBits, level, minCompressBytes);
    }

    public DeflateConfig withClientNoContextTakeover(boolean v) {
        return new DeflateConfig(enabled, serverNoContextTakeover, v, serverMaxWindowBits, level, minCompressBytes);
    }

    public DeflateConfig withServerMaxWindowBits(int v) {
        return new DeflateConfig(enabled, serverNoContextTakeover, clientNoContextTakeover, v, level, minCompressBytes);
    }

    public DeflateConfig withLevel(int v) {
        return new DeflateConfig(enabled, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, v, minCompressBytes);
    }

    public DeflateConfig withMinCompressBytes(int v) {
        return new DeflateConfig(enabled, serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, level, v);
    }
}
