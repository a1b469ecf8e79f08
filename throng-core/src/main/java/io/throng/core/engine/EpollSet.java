package io.throng.core.engine;

/** An epoll set that connections are registered in: an event loop's or a leader-follower group's. */
interface EpollSet {
    /** The epoll descriptor. */
    int epfd();

    /** {@code fd} is being closed by {@code owner}; forget it if it is still owner's. Any thread. */
    void forget(int fd, Object owner);
}
