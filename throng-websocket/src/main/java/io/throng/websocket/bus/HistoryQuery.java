package io.throng.websocket.bus;

import io.throng.websocket.history.StreamLimits;
import java.util.Objects;

/**
 * A question to a shared history ({@link SharedHistory}) about one channel.
 *
 * @param mode    what is asked
 * @param limits  the channel's limits, which make its stream if it has none yet
 * @param offset  RECOVER: the client's last offset; READ: only publications after it (before it
 *                when reversed), or -1 for all
 * @param epoch   RECOVER: the client's epoch (it must match)
 * @param limit   RECOVER: the most publications a recovery may bring; READ: the most to return
 *                (negative: all kept)
 * @param reverse READ: newest first
 */
public record HistoryQuery(Mode mode, StreamLimits limits, long offset, String epoch, int limit, boolean reverse)
        implements Broker.Request {

    public enum Mode {
        /** The stream's epoch and top offset, for a subscribe that wants its position; the asker subscribes. */
        POSITION,
        /** What a client at offset/epoch missed, with the position; the asker subscribes. */
        RECOVER,
        /** The history command: publications and the position. */
        READ
    }

    public HistoryQuery {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(limits, "limits");
        epoch = epoch == null ? "" : epoch;
    }

    /** Whether the asker will subscribe to the channel with the answer: the publications after it then reach it. */
    public boolean subscribes() {
        return mode != Mode.READ;
    }
}
