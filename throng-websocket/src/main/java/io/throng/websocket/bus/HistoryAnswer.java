package io.throng.websocket.bus;

import io.throng.websocket.history.Stream;
import java.util.List;

/**
 * A shared history's answer to a {@link HistoryQuery}: the stream's epoch and top offset, whether a
 * recovery succeeded, and the publications (their data as published), oldest first unless a
 * reversed read asked otherwise; or a failure (the link went down before the answer came).
 *
 * @param failure      why there is no answer, or null
 * @param epoch        the stream's epoch
 * @param top          the offset of its last publication (0 before any)
 * @param recovered    RECOVER: every publication after the client's offset is in {@code publications}
 * @param publications RECOVER and READ: the publications
 */
public record HistoryAnswer(String failure, String epoch, long top, boolean recovered, List<Stream.Entry> publications) {

    public HistoryAnswer {
        publications = List.copyOf(publications);
    }

    public static HistoryAnswer failed(String why) {
        return new HistoryAnswer(why, "", 0, false, List.of());
    }

    public boolean failed() {
        return failure != null;
    }
}
