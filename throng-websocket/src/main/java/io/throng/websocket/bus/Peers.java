package io.throng.websocket.bus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The other nodes on a shared broker (Redis, NATS), as this node hears them on the bus's control
 * channel ({@link #CHANNEL}), and whether a publish accepted now would reach every one of them.
 *
 * <p>Why: a 202 says "every node whose link is up gets it". After a broker restart each node
 * reconnects on its own back-off, so for up to {@link BusConfig#backoffMax()} one node's link is up
 * and another's not yet, and what the first accepts misses the second's subscribers without anyone
 * being told (the fault run of 2026-12-07: 11 publishes answered 202, missed by one node's 20
 * subscribers). So a node whose link comes (back) up refuses publishes until every node it knew has
 * announced itself on the new link, or has been silent so long that it is taken as gone.
 *
 * <p>Each node announces itself on the control channel: {@code hello <id>} when its link comes up
 * (after its subscriptions are in place at the broker: whoever hears it knows they are), {@code here
 * <id>} in answer to a hello and every {@link BusConfig#heartbeat()}, {@code bye <id>} when it
 * closes. A peer is in one of two states, derived from when it was last heard and when this node's
 * current link came up ({@link #linkUp}), so that a link coming up needs no pass over the table:
 *
 * <pre>
 *   state     when                                            a publish
 *   PRESENT   heard since this node's link came up             passes
 *   AWAITED   known, not heard since this node's link came up  is refused (503)
 *
 *   from       event                                          to
 *   (unknown)  hello or here heard                            PRESENT
 *   PRESENT    this node's link comes up again                AWAITED
 *   AWAITED    hello or here heard                            PRESENT
 *   either     bye heard                                      (forgotten)
 *   either     silent for {@link #gone} since it was last heard, or since the link came up if later
 *                                                             (forgotten)
 * </pre>
 *
 * <p>What it does not see: a peer whose own link alone breaks while the broker stays up goes on
 * being PRESENT until {@link #gone}; what is published meanwhile misses its subscribers (it knows:
 * its publishes are refused while its link is down). docs/push-bus.md says it.
 *
 * <p>Threads: {@link #heard} runs on the session's reader, {@link #waitingFor} on any publisher's
 * thread, {@link #linkUp} on the link thread; the table is concurrent, the times volatile.
 */
final class Peers {
    /** The control channel: '/' is outside the push channel alphabet, so no publisher reaches it. */
    static final String CHANNEL = "throng/nodes";

    /** Kinds of announcement. */
    enum Kind {
        HELLO, HERE, BYE;

        final String word = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final String self;
    private final long gone;
    private final Map<String, Long> lastHeard = new ConcurrentHashMap<>();
    /** When this node's current link came up (System.nanoTime()); before its first, no peer is known. */
    private volatile long upSince = System.nanoTime();

    /**
     * @param self      this node's id on the control channel (its own announcements are ignored)
     * @param goneNanos a peer silent this long is forgotten: longer than a peer may take to come back
     *                  after a broker restart (see {@link #goneAfter})
     */
    Peers(String self, long goneNanos) {
        this.self = self;
        this.gone = goneNanos;
    }

    /**
     * How long a silent peer is waited for: its back-off can reach {@code backoffMax} (a node that
     * retried through a long outage waits that long between attempts), plus its connect and its
     * subscribing, each within {@code timeout}; and no less than three announcements, so that one
     * late announcement on a busy node does not forget it.
     */
    static long goneAfter(BusConfig config) {
        return Math.max(3 * config.heartbeat().toNanos(), config.backoffMax().toNanos() + 2 * config.timeout().toNanos());
    }

    /** The link thread, before it connects: what is heard from now on is heard on the new link. */
    void linkUp(long now) {
        upSince = now;
    }

    /**
     * An announcement came in on the control channel; returns its kind if it is another node's
     * hello (which the link answers with a here), else null. Malformed ones are ignored: the channel
     * is the broker's, and any client of it could write there.
     */
    Kind heard(ByteBuffer payload, long now) {
        Announcement a = Announcement.parse(payload);
        if (a == null || a.node.equals(self)) {
            return null;
        }
        if (a.kind == Kind.BYE) {
            lastHeard.remove(a.node);
            return null;
        }
        lastHeard.put(a.node, now);
        return a.kind == Kind.HELLO ? Kind.HELLO : null;
    }

    /**
     * Null if a publish accepted now reaches every known peer's link; else why not, for the 503.
     * Forgets the peers silent for too long on the way (only while this node's link is up: its
     * caller checks that first, as a node whose link is down hears no one).
     */
    String waitingFor(long now) {
        if (lastHeard.isEmpty()) {
            return null;
        }
        long up = upSince;
        String waiting = null;
        int more = 0;
        for (Map.Entry<String, Long> e : lastHeard.entrySet()) {
            long heard = e.getValue();
            boolean present = heard - up >= 0;
            long silentSince = present ? heard : up;
            if (now - silentSince > gone) {
                lastHeard.remove(e.getKey(), heard); // unless heard again meanwhile
            } else if (!present) {
                if (waiting == null) {
                    waiting = e.getKey();
                } else {
                    more++;
                }
            }
        }
        if (waiting == null) {
            return null;
        }
        return String.format("node %s%s has not rejoined since this node's link came back %.1f s ago",
                waiting, more == 0 ? "" : " (and " + more + " more)", (now - up) / 1e9);
    }

    /** The other nodes known now (for the stats). */
    int count() {
        return lastHeard.size();
    }

    /** This node's announcement of {@code kind}, as sent on {@link #CHANNEL}. */
    byte[] announcement(Kind kind) {
        return (kind.word + " " + self).getBytes(StandardCharsets.UTF_8);
    }

    /** One parsed announcement: {@code <kind> <node>}, the node id 1-255 printable ASCII characters. */
    private record Announcement(Kind kind, String node) {
        static Announcement parse(ByteBuffer payload) {
            int n = payload.remaining();
            if (n < 5 || n > 6 + 255) {
                return null;
            }
            byte[] b = new byte[n];
            payload.duplicate().get(b);
            String text = new String(b, StandardCharsets.US_ASCII);
            int space = text.indexOf(' ');
            if (space < 0 || space == n - 1) {
                return null;
            }
            for (int i = space + 1; i < n; i++) {
                if (b[i] <= ' ' || b[i] > '~') {
                    return null;
                }
            }
            String word = text.substring(0, space);
            for (Kind k : Kind.values()) {
                if (k.word.equals(word)) {
                    return new Announcement(k, text.substring(space + 1));
                }
            }
            return null;
        }
    }
}
