package io.throng.core.engine;

import io.throng.core.config.AcceptMode;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Single reactor (one loop accepts, does all I/O and runs every handler) and multi-reactor (N
 * loops, each owning its connections; accept by SO_REUSEPORT per loop or one acceptor loop). The
 * loop that owns a connection reads it, runs its handler and writes it: handlers must not block.
 */
final class ReactorModel implements ServingModel {
    private final LoopGroup loops;
    private final AcceptMode acceptMode;

    ReactorModel(Engine engine, int loopCount, AcceptMode acceptMode) throws IOException {
        this.loops = new LoopGroup(engine, loopCount, "throng-loop", null, false);
        this.acceptMode = acceptMode;
    }

    @Override
    public InetSocketAddress start(InetSocketAddress bind) throws IOException {
        loops.start();
        return loops.listen(bind, acceptMode);
    }

    @Override
    public void stopAccepting() {
        loops.stopAccepting();
    }

    @Override
    public void drain() {
        loops.drain();
    }

    @Override
    public void abort() {
        loops.abort();
    }

    @Override
    public void stop() throws InterruptedException {
        loops.stop();
    }

    @Override
    public Stats stats() {
        return Stats.NONE;
    }

    @Override
    public LoopLag.Reading loopLag() {
        return loops.lag();
    }

    @Override
    public java.util.List<io.throng.core.Dump> dump(int firstN, java.time.Duration timeout) {
        return loops.dump(firstN, timeout);
    }
}
