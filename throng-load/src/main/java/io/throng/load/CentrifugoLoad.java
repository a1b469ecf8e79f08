package io.throng.load;

import io.throng.websocket.push.Channels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The subscribers speak Centrifugo's client protocol (JSON, v2) instead of the raw endpoint's: each
 * connects to the URL (a {@code throng push --centrifugo} server's {@code /connection/websocket}),
 * sends {@code connect} with an HS256 token of its own and {@code subscribe} to its channel in one
 * frame, as the SDK does, and answers the server's {@code {}} pings.
 *
 * <p>The key is named, never carried: a file (its content, a final line break dropped, as the
 * server reads its own) or an environment variable. This record goes to the children of a
 * multi-process run as JSON on their command line, so it must not hold the key itself; each
 * process reads it. Neither: the subscribers connect without a token (a server that allows
 * anonymous connections).
 *
 * @param channel    the channel; with several, subscriber i takes {@code channel-(i mod K)}
 * @param secretFile the file holding the HMAC key, or null
 * @param secretEnv  the environment variable holding it, or null
 */
public record CentrifugoLoad(String channel, String secretFile, String secretEnv) {
    /** The SDKs' endpoint, and the URL path the CLI suggests. */
    public static final String ENDPOINT = "/connection/websocket";

    public CentrifugoLoad {
        Objects.requireNonNull(channel, "channel");
        if (secretFile != null && secretEnv != null) {
            throw new IllegalArgumentException("the Centrifugo key comes from a file or an environment variable: give one");
        }
        if (channel.startsWith("$")) {
            // a private channel needs a subscription token per subscriber, which the tool does not mint
            throw new IllegalArgumentException("a private channel ($...) needs subscription tokens: not supported here, got "
                    + channel);
        }
    }

    /** The HMAC key, or null when the subscribers connect without a token. Never logged. */
    byte[] secret() {
        if (secretFile != null) {
            try {
                byte[] b = Files.readAllBytes(Path.of(secretFile));
                int n = b.length;
                if (n > 0 && b[n - 1] == '\n') {
                    n--;
                    if (n > 0 && b[n - 1] == '\r') {
                        n--;
                    }
                }
                return Arrays.copyOf(b, n);
            } catch (IOException e) {
                throw new UncheckedIOException("the Centrifugo key file " + secretFile + ": " + e.getMessage(), e);
            }
        }
        if (secretEnv != null) {
            String v = System.getenv(secretEnv);
            if (v == null || v.isEmpty()) {
                throw new IllegalArgumentException("the Centrifugo key variable " + secretEnv + " is not set");
            }
            return v.getBytes(StandardCharsets.UTF_8);
        }
        return null;
    }

    /** Checks the channel names of {@code channels} channels (the first and the last). */
    void check(int channels) {
        for (int c : new int[] {0, channels - 1}) {
            String name = channelName(c, channels);
            if (!Channels.isValid(name)) {
                throw new IllegalArgumentException(Channels.problem(name));
            }
        }
    }

    /** The channel of index {@code c} out of {@code channels}. */
    String channelName(int c, int channels) {
        return channels == 1 ? channel : channel + "-" + c;
    }
}
