package io.throng.core.transport;

/**
 * What a transport needs to make the thread-per-connection models' threads wait on sockets: the
 * epoll transport parks a virtual thread on a set of its own (a blocking native call would pin its
 * carrier), as the JDK's poller does; the NIO transport's blocking channels need nothing.
 */
public interface Parker {
    void start();

    void stop();

    /** A parker for transports whose blocking sockets wait by themselves. */
    Parker NONE = new Parker() {
        @Override
        public void start() {
        }

        @Override
        public void stop() {
        }
    };
}
