package io.throng.websocket.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import io.throng.websocket.centrifugo.HistoryOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One channel's history on a clock of its own: offsets, trimming by size and age, recovery's test, reads. */
class StreamTest {
    private static final HistoryOptions TEN_FOR_A_MINUTE = HistoryOptions.of(10, Duration.ofMinutes(1));

    private static byte[] data(int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<Long> offsets(List<Stream.Entry> entries) {
        return entries.stream().map(Stream.Entry::offset).toList();
    }

    @Test
    void offsetsStartAtOneAndTheEpochIsEightLetters() {
        Stream s = new Stream(TEN_FOR_A_MINUTE, 0);
        synchronized (s) {
            assertThat(s.top()).isZero();
            assertThat(s.append(data(1), 0)).isEqualTo(1);
            assertThat(s.append(data(2), 0)).isEqualTo(2);
        }
        assertThat(s.epoch).matches("[a-zA-Z]{8}");
        assertThat(new Stream(TEN_FOR_A_MINUTE, 0).epoch).as("a new stream, a new epoch").isNotEqualTo(s.epoch);
    }

    @Test
    void itKeepsTheNewestSizeAndNoneOlderThanTheTtl() {
        Stream s = new Stream(TEN_FOR_A_MINUTE, 0);
        synchronized (s) {
            for (int n = 1; n <= 25; n++) {
                s.append(data(n), n * 1000L);
            }
            assertThat(s.size()).isEqualTo(10);
            assertThat(offsets(s.read(-1, -1, false, 25_000))).containsExactly(16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L);
            // a minute after the 20th was stored, only 21-25 are young enough
            assertThat(offsets(s.read(-1, -1, false, 80_500))).containsExactly(21L, 22L, 23L, 24L, 25L);
            assertThat(s.top()).as("the position outlives the entries").isEqualTo(25);
        }
    }

    @Test
    void recoveryNeedsTheSameEpochAndEveryMissedPublicationKeptAndNotTooMany() {
        Stream s = new Stream(TEN_FOR_A_MINUTE, 0);
        synchronized (s) {
            for (int n = 1; n <= 15; n++) {
                s.append(data(n), 0); // 6-15 kept
            }
            Stream.Recovery r = s.recover(12, s.epoch, 300, 0);
            assertThat(r.recovered()).isTrue();
            assertThat(offsets(r.publications())).containsExactly(13L, 14L, 15L);
            assertThat(r.publications().getFirst().dataJson()).isEqualTo("{\"n\":13}");
            assertThat(s.recover(15, s.epoch, 300, 0)).isEqualTo(new Stream.Recovery(true, List.of()));
            assertThat(offsets(s.recover(5, s.epoch, 300, 0).publications())).as("6 is the oldest kept: from 5 works")
                    .hasSize(10);
            assertThat(s.recover(4, s.epoch, 300, 0)).as("5 was trimmed").isEqualTo(Stream.Recovery.FAILED);
            assertThat(s.recover(12, "another", 300, 0)).isEqualTo(Stream.Recovery.FAILED);
            assertThat(s.recover(16, s.epoch, 300, 0)).as("ahead of the top").isEqualTo(Stream.Recovery.FAILED);
            assertThat(s.recover(12, s.epoch, 2, 0)).as("3 missed, at most 2 brought").isEqualTo(Stream.Recovery.FAILED);
            assertThat(s.recover(12, s.epoch, 300, 61_000)).as("all expired").isEqualTo(Stream.Recovery.FAILED);
        }
    }

    @Test
    void readsGoForwardOrBackwardFromAnOffsetUpToALimit() {
        Stream s = new Stream(TEN_FOR_A_MINUTE, 0);
        synchronized (s) {
            for (int n = 1; n <= 8; n++) {
                s.append(data(n), 0);
            }
            assertThat(offsets(s.read(-1, 3, false, 0))).containsExactly(1L, 2L, 3L);
            assertThat(offsets(s.read(-1, 3, true, 0))).containsExactly(8L, 7L, 6L);
            assertThat(offsets(s.read(5, -1, false, 0))).containsExactly(6L, 7L, 8L);
            assertThat(offsets(s.read(5, 2, true, 0))).containsExactly(4L, 3L);
            assertThat(s.read(-1, 0, false, 0)).isEmpty();
        }
    }

    @Test
    void theSweepForgetsStreamsIdleForTheMetaTtlAndAForgottenOneIsMadeAnew() {
        Streams streams = new Streams();
        HistoryOptions options = TEN_FOR_A_MINUTE.withMetaTtl(Duration.ofMinutes(5));
        Stream a = streams.of("a", options, 0);
        synchronized (a) {
            a.append(data(1), 0);
        }
        Stream b = streams.of("b", options, 0);
        synchronized (b) {
            b.append(data(1), 200_000);
        }
        assertThat(streams.sweep(300_000)).isZero();
        assertThat(streams.sweep(300_001)).isEqualTo(1);
        assertThat(a.dead).isTrue();
        assertThat(streams.count()).isEqualTo(1);
        Stream again = streams.of("a", options, 300_002);
        assertThat(again).isNotSameAs(a);
        assertThat(again.epoch).isNotEqualTo(a.epoch);
        assertThat(again.top()).isZero();
    }

    @Test
    void optionsRefuseAHistoryWithoutATtlAndNonsense() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HistoryOptions.of(10, Duration.ZERO))
                .hasMessageContaining("needs a positive history ttl");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HistoryOptions.of(-1, Duration.ofSeconds(1)))
                .hasMessageContaining("within 0..1000000");
        assertThat(HistoryOptions.NONE.enabled()).isFalse();
    }
}
