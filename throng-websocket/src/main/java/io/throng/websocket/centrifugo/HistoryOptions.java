package io.throng.websocket.centrifugo;

import java.time.Duration;
import java.util.Objects;

/**
 * History and recovery of a channel (Centrifugo's channel options of the same names): how many
 * publications a channel keeps and for how long, and who may read them.
 *
 * @param size                   publications kept per channel ({@code history_size}); 0: no history
 * @param ttl                    how long a publication is kept ({@code history_ttl}); positive when
 *                               size is
 * @param metaTtl                how long a channel's position (epoch and top offset) outlives its last
 *                               publication ({@code history_meta_ttl}); a channel forgotten gets a new
 *                               epoch, and a client's recovery from the old one fails (as it should)
 * @param forceRecovery          every subscription to a channel with history is recoverable, whether
 *                               the client asked or not ({@code force_recovery}); without it the client
 *                               asks ({@code recoverable: true}, the SDK's {@code recoverable} option)
 * @param allowHistory           a subscriber of a channel may read its history with the history
 *                               command ({@code allow_history_for_subscriber}); off: 103
 * @param recoveryMaxPublications the most publications one recovery may bring
 *                               ({@code client.recovery_max_publication_limit}); a client further
 *                               behind is told it could not be recovered
 */
public record HistoryOptions(int size, Duration ttl, Duration metaTtl, boolean forceRecovery, boolean allowHistory,
                             int recoveryMaxPublications) implements io.throng.websocket.history.StreamLimits {
    /** Centrifugo's default of {@code history_meta_ttl}: 30 days. */
    public static final Duration DEFAULT_META_TTL = Duration.ofDays(30);
    /** Centrifugo's default of {@code client.recovery_max_publication_limit}. */
    public static final int DEFAULT_RECOVERY_MAX = 300;
    /** Centrifugo's cap on a history command's limit ({@code client.history_max_publication_limit}). */
    public static final int HISTORY_MAX = 300;
    /** No history: the default, as in Centrifugo. */
    public static final HistoryOptions NONE = new HistoryOptions(0, Duration.ZERO, DEFAULT_META_TTL, false, false,
            DEFAULT_RECOVERY_MAX);

    public HistoryOptions {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(metaTtl, "metaTtl");
        if (size < 0 || size > 1_000_000) {
            throw new IllegalArgumentException("history size must be within 0..1000000 publications, got " + size);
        }
        if (size > 0 && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("a history of " + size + " publications needs a positive history ttl"
                    + " (how long a publication is kept)");
        }
        if (metaTtl.isNegative() || metaTtl.isZero()) {
            throw new IllegalArgumentException("history meta ttl must be positive");
        }
        if (size > 0 && metaTtl.compareTo(ttl) < 0) {
            throw new IllegalArgumentException("history meta ttl (" + metaTtl + ") is below the history ttl (" + ttl + ")");
        }
        if (recoveryMaxPublications < 1) {
            throw new IllegalArgumentException("recovery max publications must be at least 1, got " + recoveryMaxPublications);
        }
    }

    /** {@code size} publications for {@code ttl}, the other options at their defaults. */
    public static HistoryOptions of(int size, Duration ttl) {
        return new HistoryOptions(size, ttl, DEFAULT_META_TTL.compareTo(ttl) < 0 ? ttl : DEFAULT_META_TTL, false, false,
                DEFAULT_RECOVERY_MAX);
    }

    public boolean enabled() {
        return size > 0;
    }

    public HistoryOptions withForceRecovery(boolean v) {
        return new HistoryOptions(size, ttl, metaTtl, v, allowHistory, recoveryMaxPublications);
    }

    public HistoryOptions withAllowHistory(boolean v) {
        return new HistoryOptions(size, ttl, metaTtl, forceRecovery, v, recoveryMaxPublications);
    }

    public HistoryOptions withRecoveryMaxPublications(int n) {
        return new HistoryOptions(size, ttl, metaTtl, forceRecovery, allowHistory, n);
    }

    public HistoryOptions withMetaTtl(Duration d) {
        return new HistoryOptions(size, ttl, d, forceRecovery, allowHistory, recoveryMaxPublications);
    }
}
