package io.throng.core.engine;

/**
 * A connection's state in one {@code int}: its <em>phase</em> (bits 0-2) and the flags of its read
 * side and of its models. Pure functions, so that the legal transitions are written down once and
 * tested table by table; the connection keeps the int and changes it under its lock.
 *
 * <h2>Phases</h2>
 * <pre>
 *   OPEN ──close()──▶ CLOSING ──queue drained, FIN sent──▶ LINGERING
 *     │                  │                                     │
 *     │                  └───────────────┬─────────────────────┘
 *     │   fail(): a limit, an I/O error, abort(), a handler's exception, shutdown's deadline
 *     ├────────────────────────▶ ABORTING ─────────────────────┐
 *     │                                                        ▼
 *     └──────── closeNow(): idle timeout, linger over, peer's FIN after ours ──▶ CLOSED
 * </pre>
 *
 * <table>
 *   <caption>Legal transitions (anything else is a bug, and an assertion error under -ea)</caption>
 *   <tr><th>from \ to</th><th>CLOSING</th><th>LINGERING</th><th>ABORTING</th><th>CLOSED</th></tr>
 *   <tr><td>OPEN</td><td>close()</td><td>-</td><td>fail()</td><td>closeNow()</td></tr>
 *   <tr><td>CLOSING</td><td>-</td><td>drained, FIN sent</td><td>fail()</td><td>closeNow()</td></tr>
 *   <tr><td>LINGERING</td><td>-</td><td>-</td><td>fail()</td><td>closeNow()</td></tr>
 *   <tr><td>ABORTING</td><td>-</td><td>-</td><td>-</td><td>closeNow()</td></tr>
 *   <tr><td>CLOSED</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>
 * </table>
 *
 * <p>What each phase means: OPEN reads, writes and runs callbacks. CLOSING takes no new writes
 * and delivers no more data; it writes what is queued. LINGERING has sent FIN and reads and drops
 * what the peer still sends, until its FIN or the linger deadline, so that closing with unread
 * bytes does not reset the connection and lose our last replies. ABORTING has a failure recorded
 * (any thread may record one) that the serial context carries out: it closes at once, dropping
 * what is queued. CLOSED is final: {@code onClose} has run or is running, and no buffer is held.
 *
 * <h2>Flags</h2>
 * <ul>
 *   <li>{@link #OPENED}: onOpen ran (it runs once, even if a close came first).</li>
 *   <li>{@link #INPUT_CLOSED}: the peer's FIN was read; {@link #PEER_CLOSED_FIRST} if that was
 *       before any close of ours (the close reason is then PEER_CLOSED). Implies nothing more is read.</li>
 *   <li>{@link #SUSPENDED}: the handler stopped reads; {@link #RESUMED}: they were resumed with
 *       bytes left over, which are handed over again without waiting for more. Never both.</li>
 *   <li>{@link #SHUTDOWN_REQUESTED}: the server is shutting down; close once what arrived is handled.</li>
 *   <li>{@link #CLAIMED}: a worker (worker pool) or a group thread (leader-follower) holds the
 *       connection and is the only one to run it; it is disarmed meanwhile.</li>
 *   <li>{@link #FLUSHER}: thread-per-connection: a flusher thread is writing (or about to) what
 *       other threads queued, so that they never wait for the socket.</li>
 *   <li>{@link #FOREIGN_FLUSH}: a thread outside the serial context is flushing (non-blocking
 *       sockets); {@link #FLUSH_AGAIN}: another asked meanwhile, so the flusher goes round again
 *       and the asker need not write itself. Replies finished at once by N threads leave in one
 *       gathering write instead of N system calls.</li>
 *   <li>{@link #RELEASE_DEFERRED}, {@link #RESET_DEFERRED}: closed during a write in flight; the
 *       writer releases the socket (with a reset) when the write ends, so that no later write of
 *       its can reach a connection that reused the descriptor number.</li>
 * </ul>
 * Writability (above the high water mark or not) is the write queue's own state.
 */
final class ConnectionState {
    static final int OPEN = 0;
    static final int CLOSING = 1;
    static final int LINGERING = 2;
    static final int ABORTING = 3;
    static final int CLOSED = 4;
    static final int PHASE = 0b111;

    static final int OPENED = 1 << 3;
    static final int INPUT_CLOSED = 1 << 4;
    static final int PEER_CLOSED_FIRST = 1 << 5;
    static final int SUSPENDED = 1 << 6;
    static final int RESUMED = 1 << 7;
    static final int SHUTDOWN_REQUESTED = 1 << 8;
    static final int CLAIMED = 1 << 9;
    static final int FLUSHER = 1 << 10;
    static final int RELEASE_DEFERRED = 1 << 11;
    static final int RESET_DEFERRED = 1 << 12;
    static final int FOREIGN_FLUSH = 1 << 13;
    static final int FLUSH_AGAIN = 1 << 14;

    private static final String[] PHASE_NAMES = {"OPEN", "CLOSING", "LINGERING", "ABORTING", "CLOSED"};

    /** LEGAL[from] has bit {@code to} set when from -> to is a legal transition. */
    private static final int[] LEGAL = {
        /* OPEN      */ bit(CLOSING) | bit(ABORTING) | bit(CLOSED),
        /* CLOSING   */ bit(LINGERING) | bit(ABORTING) | bit(CLOSED),
        /* LINGERING */ bit(ABORTING) | bit(CLOSED),
        /* ABORTING  */ bit(CLOSED),
        /* CLOSED    */ 0,
    };

    private ConnectionState() {
    }

    private static int bit(int phase) {
        return 1 << phase;
    }

    static int phase(int state) {
        return state & PHASE;
    }

    static boolean legal(int from, int to) {
        return from >= 0 && from < LEGAL.length && to >= 0 && to < LEGAL.length && (LEGAL[from] & bit(to)) != 0;
    }

    /** {@code state} moved to phase {@code to}; the move must be legal. */
    static int moveTo(int state, int to) {
        assert legal(phase(state), to) : "illegal transition " + describe(state) + " -> " + PHASE_NAMES[to];
        return (state & ~PHASE) | to;
    }

    /** OPEN: reads, writes, callbacks. */
    static boolean isOpen(int state) {
        return phase(state) == OPEN;
    }

    /** CLOSING or LINGERING: closing gracefully. */
    static boolean closingGracefully(int state) {
        int p = phase(state);
        return p == CLOSING || p == LINGERING;
    }

    static boolean isClosed(int state) {
        return phase(state) == CLOSED;
    }

    /** Whether the connection should read now: open and not suspended, or closing (discarding). */
    static boolean reads(int state) {
        int p = phase(state);
        if ((state & INPUT_CLOSED) != 0 || p == ABORTING || p == CLOSED) {
            return false;
        }
        return p != OPEN || (state & SUSPENDED) == 0;
    }

    /** The flag combinations that can never occur; checked by assertions and by the table test. */
    static boolean consistent(int state) {
        int p = phase(state);
        if (p > CLOSED) {
            return false;
        }
        if ((state & PEER_CLOSED_FIRST) != 0 && (state & INPUT_CLOSED) == 0) {
            return false;
        }
        if ((state & SUSPENDED) != 0 && (state & RESUMED) != 0) {
            return false;
        }
        if ((state & RESET_DEFERRED) != 0 && (state & RELEASE_DEFERRED) == 0) {
            return false;
        }
        if ((state & FLUSH_AGAIN) != 0 && (state & FOREIGN_FLUSH) == 0) {
            return false;
        }
        return (state & RELEASE_DEFERRED) == 0 || p == CLOSED;
    }

    static String phaseName(int state) {
        return PHASE_NAMES[phase(state)];
    }

    /** For assertion messages and dumps: "CLOSING+OPENED+INPUT_CLOSED". */
    static String describe(int state) {
        StringBuilder s = new StringBuilder(phase(state) < PHASE_NAMES.length ? PHASE_NAMES[phase(state)] : "?" + phase(state));
        String[] names = {"OPENED", "INPUT_CLOSED", "PEER_CLOSED_FIRST", "SUSPENDED", "RESUMED", "SHUTDOWN_REQUESTED",
            "CLAIMED", "FLUSHER", "RELEASE_DEFERRED", "RESET_DEFERRED", "FOREIGN_FLUSH", "FLUSH_AGAIN"};
        for (int i = 0; i < names.length; i++) {
            if ((state & (OPENED << i)) != 0) {
                s.append('+').append(names[i]);
            }
        }
        return s.toString();
    }
}
