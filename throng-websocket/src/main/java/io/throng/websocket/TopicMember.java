package io.throng.websocket;

/**
 * The slot in which a session keeps the topics it is in (null, one name, or an array of names),
 * read and written by the registry under the session's monitor: no per-session set object.
 */
public interface TopicMember {

    Object topicSlot();

    void topicSlot(Object slot);

    /** The registry this connection's server unsubscribes it from when it closes (null if none). */
    Object topicRegistry();
}
