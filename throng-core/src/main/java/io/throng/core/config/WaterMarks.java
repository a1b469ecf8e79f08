package io.throng.core.config;

/**
 * Queued-byte thresholds of one connection. Crossing {@code high} makes it unwritable; falling to
 * {@code low} makes it writable again. The defaults, 32 KiB and 64 KiB, are Netty's: a few
 * socket-buffer-fulls, small enough that 100,000 stalled peers cost at most 6.4 GB.
 */
public record WaterMarks(int low, int high) {

    public static final WaterMarks DEFAULT = new WaterMarks(32 * 1024, 64 * 1024);

    public WaterMarks {
        if (low < 0 || high < 1 || low > high) {
            throw new IllegalArgumentException(
                    "water marks need 0 <= low <= high and high >= 1, got low " + low + ", high " + high);
        }
    }
}
