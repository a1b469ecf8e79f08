package io.throng.websocket.bus;

import io.throng.websocket.history.StreamLimits;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * What {@link RelayBus} needs from a message broker: a way to open one session (a connection, or a
 * pair of them), which it drives from its link thread and drops at the first failure. Reconnection,
 * back-off, re-subscription, the relay queue and the counters are RelayBus's, the same for every
 * broker; an implementation only speaks its broker's protocol.
 */
public interface Broker {

    /** For logs, JSON and errors: {@code redis://127.0.0.1:6379}. */
    String name();

    /** Why {@code channel} cannot be a channel on this broker, or null (see {@link Bus#channelProblem}). */
    default String channelProblem(String channel) {
        return null;
    }

    /**
     * True if other nodes, each with a link of its own, share this broker (Redis, NATS): the relay
     * then keeps track of them on a control channel ({@code Peers}) and refuses publishes while a
     * known node has not rejoined. False for the prefork hub, which lives and dies with its workers.
     */
    default boolean sharedByNodes() {
        return false;
    }

    /**
     * True if the broker keeps channel history for all its nodes ({@link SharedHistory}): its
     * session takes {@link Message#store() stored} publishes and {@link Message#request() requests}
     * that are {@link HistoryQuery history queries}.
     * The prefork hub, Redis and NATS (in JetStream) do.
     */
    default boolean keepsHistory() {
        return false;
    }

    /**
     * True if the broker can put a question to every process on it and bring back their replies
     * ({@link Gathering}): its session takes {@link Message#request() requests} that are {@link Ask}
     * and {@link Tell}. The prefork hub can; Redis and NATS do not, and {@link RelayBus} gathers
     * across their nodes itself ({@link NodeGathering}, over plain publishes).
     */
    default boolean gathers() {
        return false;
    }

    /**
     * Connects (within the configured timeout) and returns the session, ready to subscribe and
     * publish. Messages of subscribed channels go to {@code inbound}, in the broker's order, from
     * the session's own reader thread.
     */
    Session connect(Inbound inbound) throws IOException;

    /**
     * One message to send: the channel, a private copy of the payload, and the receipt its
     * publisher may wait on (null for the bus's own control messages and queries), which the relay
     * settles. On a broker that {@link #keepsHistory() keeps history}, a publish to be stored
     * carries its channel's {@code store} limits, and a request (a history query, a question to
     * gather replies to, a reply to one) is a {@code request} numbered {@code requestId}, with no
     * payload, instead of a publish.
     */
    record Message(String channel, byte[] payload, Receipt receipt, StreamLimits store, long requestId, Request request) {
        public Message(String channel, byte[] payload) {
            this(channel, payload, null, null, 0, null);
        }

        public Message(String channel, byte[] payload, Receipt receipt) {
            this(channel, payload, receipt, null, 0, null);
        }
    }

    /** What a message may carry instead of a publish (brokers that {@link #keepsHistory() keep history}). */
    sealed interface Request permits HistoryQuery, Ask, Tell {
    }

    /** A question to gather every process's reply to. */
    record Ask(Gathering.Scope scope, byte[] question) implements Request {
    }

    /** This process's reply to the question numbered {@code requestId} (the broker's number). */
    record Tell(byte[] reply) implements Request {
    }

    /** Where a session delivers; its methods are called from the session's reader thread. */
    interface Inbound {

        /** A message of a subscribed channel; {@code payload} is valid during the call. */
        void message(String channel, ByteBuffer payload);

        /** A stored message with its place in the channel's history (brokers that {@link #keepsHistory() keep it}). */
        default void messageAt(String channel, ByteBuffer payload, long offset, String epoch) {
            message(channel, payload);
        }

        /** The answer to the query numbered {@code queryId} (brokers that keep history). */
        default void answer(long queryId, HistoryAnswer answer) {
        }

        /** A question another process gathers replies to ({@link Gathering}); {@code askId} numbers the reply. */
        default void ask(String channel, long askId, byte[] question) {
        }

        /** The replies gathered for the question numbered {@code gatherId}. */
        default void gathered(long gatherId, Gathering.Gathered gathered) {
        }

        /** The session broke (the broker closed it, a read failed): the link reconnects. */
        void failed(Throwable cause);
    }

    /** One live connection to the broker. Called from one thread (the link's), except {@link #close}. */
    interface Session extends AutoCloseable {

        /**
         * Subscribes to more channels (none of them subscribed already) and returns once the broker
         * has them in place: a message published by anyone after the return reaches this session.
         */
        void subscribe(List<String> channels) throws IOException;

        /** Unsubscribes from channels subscribed before. */
        void unsubscribe(List<String> channels) throws IOException;

        /**
         * Publishes the batch in order and returns once the broker has taken it: Redis and NATS
         * acknowledge it, the prefork hub once written. An exception means the session is broken
         * and the batch's fate unknown (it is counted as dropped). A broker that refuses one message
         * alone and goes on may say so itself: the publish's receipt dropped, the query answered as
         * failed.
         */
        void publish(List<Message> batch) throws IOException;

        /** Called when the link has been idle for a heartbeat: checks the broker still answers. */
        void heartbeat() throws IOException;

        /** Closes the connection(s); the reader stops soon after. */
        @Override
        void close();
    }
}
