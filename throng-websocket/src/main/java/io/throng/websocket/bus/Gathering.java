package io.throng.websocket.bus;

import java.util.List;
import java.util.function.Consumer;

/**
 * A bus that can put a question to every process on it and bring back their replies: through the
 * prefork hub, or across the nodes of a shared broker (Redis, NATS: {@link NodeGathering}). For
 * what one process cannot answer alone, such as a channel's presence across the workers or a
 * disconnect of a user wherever it is connected.
 */
public interface Gathering {

    /** Who is asked: the processes with subscribers of the channel, or every process on the bus. */
    enum Scope { CHANNEL, ALL }

    /** How this process answers a question (on the thread that delivers the bus's messages: keep it short). */
    @FunctionalInterface
    interface Responder {
        byte[] answer(String channel, byte[] question);
    }

    /**
     * The replies, one per process asked (in no particular order), or why there are none. A
     * process that dies or does not answer in time is left out ({@code missing} counts it).
     */
    record Gathered(String failure, List<byte[]> replies, int missing) {
        public Gathered {
            replies = List.copyOf(replies);
        }

        public static Gathered failed(String why) {
            return new Gathered(why, List.of(), 0);
        }

        public boolean failed() {
            return failure != null;
        }
    }

    /** Sets how this process answers (null: with nothing). */
    void answerWith(Responder responder);

    /**
     * Asks {@code question} of the processes {@code scope} names, this one included. Returns null
     * and calls {@code then} once later (on the thread that delivers the bus's messages, or with a
     * failure if the link goes down first), or returns why it cannot be asked now and never calls it.
     */
    String gather(String channel, Scope scope, byte[] question, Consumer<Gathered> then);
}
