package io.throng.core.transport;

/** Where a poller hands what is ready: the attachment of each registration, with what it is ready for. */
@FunctionalInterface
public interface ReadySink {
    /**
     * {@code attachment} is ready for {@code ready} ({@link Interest} bits). Runs on the polling
     * thread, inside {@link Poller#poll}.
     */
    void ready(Object attachment, int ready);
}
