package io.throng.websocket.history;

import java.time.Duration;

/**
 * What bounds a channel's {@link Stream}: how many publications it keeps, for how long, and how
 * long its position (epoch and top offset) outlives its last publication. The push service's
 * Centrifugo history options are one; the prefork hub rebuilds one from a worker's frame.
 */
public interface StreamLimits {

    /** Publications kept at most (positive). */
    int size();

    /** How long a publication is kept (positive). */
    Duration ttl();

    /** How long a stream idle since its last publication is remembered (at least {@link #ttl()}). */
    Duration metaTtl();

    /** Limits as plain values, as the hub's frames carry them. */
    record Of(int size, Duration ttl, Duration metaTtl) implements StreamLimits {
    }
}
