package io.throng.websocket.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The membership table's rules on a clock of its own (BrokerBusTest runs them on real brokers). */
class PeersTest {
    private static final long S = 1_000_000_000L;
    private static final long GONE = 9 * S;

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPeerHeardSinceTheLinkCameUpIsPresentAndOneFromBeforeIsAwaited() {
        Peers p = new Peers("me/1/a", GONE);
        long t = 1_000 * S;
        p.linkUp(t);
        assertThat(p.waitingFor(t)).as("no peer known: nothing to wait for").isNull();
        assertThat(p.heard(text("hello b/2/f"), t + S)).isEqualTo(Peers.Kind.HELLO);
        assertThat(p.heard(text("here c/3/e"), t + S)).as("a here needs no answer").isNull();
        assertThat(p.count()).isEqualTo(2);
        assertThat(p.waitingFor(t + 2 * S)).isNull();

        p.linkUp(t + 5 * S); // this node's link failed and came back
        assertThat(p.waitingFor(t + 5 * S)).contains("has not rejoined").contains("(and 1 more)");
        p.heard(text("here b/2/f"), t + 6 * S);
        assertThat(p.waitingFor(t + 6 * S)).contains("node c/3/e has not rejoined").doesNotContain("more");
        p.heard(text("hello c/3/e"), t + 7 * S);
        assertThat(p.waitingFor(t + 7 * S)).isNull();
    }

    @Test
    void anAwaitedPeerIsForgottenOnceSilentForGoneAfterTheLinkCameUp() {
        Peers p = new Peers("me", GONE);
        long t = 50 * S;
        p.linkUp(t);
        p.heard(text("here b"), t);
        p.linkUp(t + 100 * S); // a long outage: b's last word is old, and yet it is waited for
        assertThat(p.waitingFor(t + 100 * S)).contains("node b has not rejoined");
        assertThat(p.waitingFor(t + 100 * S + GONE)).as("still within gone").isNotNull();
        assertThat(p.waitingFor(t + 100 * S + GONE + 1)).as("gone: it went down with the broker and never came back").isNull();
        assertThat(p.count()).isZero();
    }

    @Test
    void aPresentPeerSilentForGoneIsForgottenAndByeForgetsAtOnce() {
        Peers p = new Peers("me", GONE);
        long t = -7 * S; // System.nanoTime() may be negative
        p.linkUp(t);
        p.heard(text("here b"), t + S);
        p.heard(text("here c"), t + S);
        assertThat(p.waitingFor(t + S + GONE)).isNull();
        assertThat(p.count()).isEqualTo(2);
        p.heard(text("bye c"), t + 2 * S);
        assertThat(p.count()).isEqualTo(1);
        p.waitingFor(t + S + GONE + 1);
        assertThat(p.count()).isZero();
    }

    @Test
    void itsOwnAndMalformedAnnouncementsAreIgnored() {
        Peers p = new Peers("me/1/a", GONE);
        p.linkUp(0);
        for (String bad : new String[] {"hello me/1/a", "hello", "hello ", "howdy b", "hello b c", "hello b\n", "", "HELLO b",
                "hello " + "x".repeat(256)}) {
            assertThat(p.heard(text(bad), S)).as(bad).isNull();
        }
        assertThat(p.count()).isZero();
        assertThat(p.heard(text("hello " + "x".repeat(255)), S)).isEqualTo(Peers.Kind.HELLO);
        assertThat(p.announcement(Peers.Kind.HERE)).isEqualTo("here me/1/a".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void goneOutlastsTheSlowestRejoinAndThreeAnnouncements() {
        BusConfig defaults = BusConfig.parse("redis://127.0.0.1:6379");
        assertThat(Peers.goneAfter(defaults)).as("5 s back-off + 2 x 2 s timeout").isEqualTo(9 * S);
        assertThat(Peers.goneAfter(defaults.withHeartbeat(Duration.ofSeconds(5)))).isEqualTo(15 * S);
    }
}
