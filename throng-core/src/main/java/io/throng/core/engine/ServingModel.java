package io.throng.core.engine;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A server model: which threads wait for readiness and which run the handler. Every model accepts
 * through {@link Listener} (one accept path, one {@link Admission}), serves
 * {@link EngineConnection}s, and shuts down in the same steps: stop accepting, drain, abort what
 * is left, stop.
 */
sealed interface ServingModel permits ThreadPerConnectionModel, ReactorModel, WorkerPoolModel, LeaderFollowerModel {

    /** Binds {@code bind} and starts serving; returns the bound address. */
    InetSocketAddress start(InetSocketAddress bind) throws IOException;

    /** Stops accepting; the connections go on. */
    void stopAccepting();

    /** Asks every connection to handle what it already received, write what is queued, and close. */
    void drain();

    /** Closes whatever is still open, at once. */
    void abort();

    /** Stops the model's threads (after drain or abort); gives back what they hold. */
    void stop() throws InterruptedException;

    /** Handler threads of a bounded pool, how many are busy, how many connections wait for one (0s if none). */
    Stats stats();

    /** How late its event loops run what is due; {@link LoopLag.Reading#NONE} for a model without loops. */
    default LoopLag.Reading loopLag() {
        return LoopLag.Reading.NONE;
    }

    /**
     * The model's parts for a dump (its loops or threads and their connections), each connection
     * counted and at most {@code firstN} of each part described; a part that does not answer
     * within {@code timeout} says so.
     */
    java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout);

    record Stats(int threads, int busy, int queued) {
        static final Stats NONE = new Stats(0, 0, 0);
    }
}
