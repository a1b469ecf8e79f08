package io.throng.load;

import io.throng.websocket.push.Channels;
import java.util.Locale;
import java.util.Objects;

/**
 * The WebSocket part of a load run (modes ws-hold and ws-broadcast).
 *
 * @param path                   the request path of the subscribers, e.g. {@code /sub/load}. With
 *                               {@code channels > 1}, subscriber i asks for the path with
 *                               {@code -(i mod channels)} appended to its last segment:
 *                               {@code /sub/load-0}, {@code /sub/load-1}, ...
 * @param channels               channels the subscribers are spread over, round-robin
 * @param messages               ws-broadcast: broadcasts measured
 * @param warmupMessages         ws-broadcast: broadcasts published first and checked, but left out
 *                               of the latency figures (the first ones run while the JIT compiles)
 * @param messageBytes           ws-broadcast: payload size of each message
 * @param intervalSeconds        ws-broadcast: time from the start of one broadcast to the next
 *                               (0: the next starts when the last publish call returned)
 * @param publishVia             ws-broadcast: the push server's binary publish protocol or HTTP POST
 * @param deliveryTimeoutSeconds ws-broadcast: how long after the last publish to wait for deliveries
 *                               still missing; what has not arrived by then is missed
 * @param publisher              whether this process publishes (false in the children of a
 *                               multi-process run, whose parent publishes)
 * @param holdSeconds            ws-broadcast: how long the subscribers hold and ping before the first
 *                               broadcast. 0: the broadcasts start at once, with the pings going on
 *                               through them. Above 0: the hold's pings are drained and judged first,
 *                               and no pings are sent during the broadcasts, so that each is measured
 *                               alone (a scale run's broadcast to a million saturates the machine)
 * @param centrifugo             the subscribers speak Centrifugo's client protocol on {@code path} (the
 *                               channel and the token key are there), or null: the raw endpoint,
 *                               the channel in the path. With it, a broadcast's payload is a JSON
 *                               string (the protocol carries data as JSON), two bytes of quotes
 *                               more than the raw one's minimum
 */
public record WsOptions(String path, int channels, int messages, int warmupMessages, int messageBytes,
                        double intervalSeconds, PublishVia publishVia, double deliveryTimeoutSeconds,
                        boolean publisher, double holdSeconds, CentrifugoLoad centrifugo) {

    /** At most this many broadcasts in one run (half an hour at one a second): each keeps a 21 KiB histogram until the report. */
    public static final int MAX_MESSAGES = 2_000;
    /** The largest payload: the push server's default max-message is 1 MiB. */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;

    /** How a broadcast is handed to the push server. */
    public enum PublishVia {
        /** The push server's binary publish protocol: one open TCP connection, no HTTP head per message. */
        BINARY,
        /** {@code POST /pub/<channel>}, one request per channel and broadcast (HTTP/1.1, kept alive). */
        HTTP;

        public static PublishVia parse(String s) {
            for (PublishVia v : values()) {
                if (v.name().equalsIgnoreCase(s)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown publish path '" + s + "'; expected binary or http");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public WsOptions {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(publishVia, "publishVia");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("the WebSocket path must start with '/', got " + path);
        }
        if (channels < 1 || channels > 1_000_000) {
            throw new IllegalArgumentException("channels must be within 1..1,000,000, got " + channels);
        }
        if (messages < 1 || messages > MAX_MESSAGES) {
            throw new IllegalArgumentException("messages must be within 1.." + MAX_MESSAGES + ", got " + messages);
        }
        if (warmupMessages < 0 || warmupMessages + messages > MAX_MESSAGES) {
            throw new IllegalArgumentException("warm-up and measured messages must be at most " + MAX_MESSAGES
                    + " together, got " + warmupMessages + " + " + messages);
        }
        int min = BroadcastPayload.MIN_BYTES + (centrifugo != null ? 2 : 0);
        if (messageBytes < min || messageBytes > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("message size must be within " + min + ".."
                    + MAX_MESSAGE_BYTES + " bytes (the payload carries a " + BroadcastPayload.MIN_BYTES
                    + "-byte stamp" + (centrifugo != null ? ", in a JSON string's quotes" : "") + "), got " + messageBytes);
        }
        if (intervalSeconds < 0 || deliveryTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("interval must be >= 0 and delivery timeout > 0");
        }
        if (holdSeconds < 0) {
            throw new IllegalArgumentException("the hold before the broadcasts must be >= 0 seconds, got " + holdSeconds);
        }
    }

    public static WsOptions defaults() {
        return new WsOptions("/sub/load", 1, 10, 2, 64, 1.0, PublishVia.BINARY, 10, true, 0, null);
    }

    /** Broadcasts published in all: warm-up and measured. */
    public int rounds() {
        return warmupMessages + messages;
    }

    /** The path subscriber {@code index} asks for (Centrifugo: the endpoint, the same for all). */
    public String pathFor(int index) {
        if (channels == 1 || centrifugo != null) {
            return path;
        }
        int q = path.indexOf('?');
        String suffix = "-" + Math.floorMod(index, channels);
        return q < 0 ? path + suffix : path.substring(0, q) + suffix + path.substring(q);
    }

    /** The channel index of subscriber {@code index}. */
    public int channelOf(int index) {
        return Math.floorMod(index, channels);
    }

    /** The push channel of channel index {@code channel}: the path's last segment of {@link #pathFor}, or Centrifugo's. */
    public String channelName(int channel) {
        if (centrifugo != null) {
            return centrifugo.channelName(channel, channels);
        }
        String p = pathFor(channel);
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /** Checks that the path names push channels ({@code /sub/<channel>}), as ws-broadcast publishes to them. */
    void requirePushChannels() {
        if (centrifugo != null) {
            centrifugo.check(channels);
            return;
        }
        if (!path.startsWith("/sub/")) {
            throw new IllegalArgumentException("ws-broadcast publishes to the push server's channels: the URL's path must be "
                    + "/sub/<channel>, got " + path);
        }
        for (int c : new int[] {0, channels - 1}) {
            String name = channelName(c);
            if (!Channels.isValid(name)) {
                throw new IllegalArgumentException(Channels.problem(name));
            }
        }
    }

    public WsOptions withPath(String v) {
        return new WsOptions(v, channels, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withChannels(int v) {
        return new WsOptions(path, v, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withMessages(int measured, int warmup) {
        return new WsOptions(path, channels, measured, warmup, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withMessageBytes(int v) {
        return new WsOptions(path, channels, messages, warmupMessages, v, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withInterval(double seconds) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, seconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withPublishVia(PublishVia v) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, intervalSeconds, v,
                deliveryTimeoutSeconds, publisher, holdSeconds, centrifugo);
    }

    public WsOptions withDeliveryTimeout(double seconds) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                seconds, publisher, holdSeconds, centrifugo);
    }

    WsOptions withPublisher(boolean v) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, v, holdSeconds, centrifugo);
    }

    /** The subscribers speak Centrifugo's protocol ({@code c}), or the raw endpoint's (null). */
    public WsOptions withCentrifugo(CentrifugoLoad c) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, holdSeconds, c);
    }

    /** Holds (pinging) this long before the first broadcast; see {@code holdSeconds}. */
    public WsOptions withHoldFirst(double seconds) {
        return new WsOptions(path, channels, messages, warmupMessages, messageBytes, intervalSeconds, publishVia,
                deliveryTimeoutSeconds, publisher, seconds, centrifugo);
    }
}
