package io.throng.websocket;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Who listens to what, and the fan-out. A topic is a concurrent set of connections; a publish walks
 * it and hands every subscriber <em>the same frame</em> ({@link WebSocket#send(PreparedMessage)}:
 * framed once, written from one buffer to every socket, copied only for a subscriber whose socket
 * does not take it at once). Each subscriber's slow-subscriber policy applies; the counts come back
 * in the {@link PublishResult}.
 *
 * <p>Topics above {@value #PARALLEL_THRESHOLD} subscribers are walked in parallel on the common
 * fork-join pool (at 100,000 subscribers one thread would spend ~0.3 s in write calls alone).
 * A publish never blocks on a subscriber: sockets are non-blocking, and under the thread models
 * the fan-out leaves the flush to a virtual thread.
 *
 * <p>Connections are unsubscribed from everything when they close. Any thread.
 */
public final class TopicRegistry {
    /** Subscribers above which a publish is split across the common pool. */
    public static final int PARALLEL_THRESHOLD = 1024;

    private final ConcurrentHashMap<String, Members> topics = new ConcurrentHashMap<>();
    private final TopicListener listener;
    private final AtomicLong subscriptions = new AtomicLong();
    private final LongAdder publishes = new LongAdder();

    /**
     * A topic's subscribers, with its name: the one String that every member's topic slot holds, so
     * that a subscription costs no copy of the name (~48 B for a short one: every upgrade parses its
     * own copy from the request).
     */
    private static final class Members extends ConcurrentHashMap<WebSocket, Boolean> {
        final String name;

        Members(String name) {
            this.name = name;
        }
    }

    public TopicRegistry() {
        this(new TopicListener() {});
    }

    public TopicRegistry(TopicListener listener) {
        this.listener = listener;
    }

    /**
     * Subscribes {@code ws} to {@code topic}. Returns false if it already was, or if it is not
     * open (a connection closing meanwhile is never left behind in a topic).
     */
    public boolean subscribe(String topic, WebSocket ws) {
        if (!(ws instanceof TopicMember member)) {
            throw new IllegalArgumentException("not a throng WebSocket: " + ws);
        }
        if (member.topicRegistry() != this) {
            // its server would not unsubscribe it on close, and the registry would keep it forever
            throw new IllegalArgumentException(ws + " belongs to a server built without this registry;"
                    + " give the registry to WebSocketProtocol.Builder.topics(...)");
        }
        if (!ws.isOpen()) {
            return false;
        }
        boolean[] created = {false};
        boolean[] added = {false};
        String[] shared = {topic};
        topics.compute(topic, (name, members) -> {
            if (members == null) {
                members = new Members(name);
                created[0] = true;
            }
            added[0] = members.putIfAbsent(ws, Boolean.TRUE) == null;
            shared[0] = members.name;
            return members;
        });
        if (!added[0]) {
            return false;
        }
        subscriptions.incrementAndGet();
        synchronized (member) {
            member.topicSlot(addTo(member.topicSlot(), shared[0]));
        }
        if (created[0]) {
            listener.firstSubscriber(topic);
        }
        if (!ws.isOpen()) {
            unsubscribe(topic, ws); // closed while we were adding: its unsubscribe-all may have missed us
            return false;
        }
        return true;
    }

    /** Removes {@code ws} from {@code topic}; false if it was not there. */
    public boolean unsubscribe(String topic, WebSocket ws) {
        if (!(ws instanceof TopicMember member)) {
            return false;
        }
        if (!removeMember(topic, ws)) {
            return false;
        }
        synchronized (member) {
            member.topicSlot(removeFrom(member.topicSlot(), topic));
        }
        return true;
    }

    /** Removes {@code ws} from every topic it is in (done for every connection when it closes). */
    public void unsubscribeAll(WebSocket ws) {
        if (!(ws instanceof TopicMember member)) {
            return;
        }
        Object slot;
        synchronized (member) {
            slot = member.topicSlot();
            member.topicSlot(null);
        }
        if (slot instanceof String one) {
            removeMember(one, ws);
        } else if (slot instanceof String[] many) {
            for (String t : many) {
                removeMember(t, ws);
            }
        }
    }

    private boolean removeMember(String topic, WebSocket ws) {
        boolean[] removed = {false};
        boolean[] emptied = {false};
        topics.computeIfPresent(topic, (name, members) -> {
            removed[0] = members.remove(ws) != null;
            emptied[0] = members.isEmpty();
            return emptied[0] ? null : members;
        });
        if (removed[0]) {
            subscriptions.decrementAndGet();
        }
        if (emptied[0]) {
            listener.lastSubscriberLeft(topic);
        }
        return removed[0];
    }

    private static Object addTo(Object slot, String topic) {
        if (slot == null) {
            return topic;
        }
        if (slot instanceof String one) {
            return one.equals(topic) ? one : new String[] {one, topic};
        }
        String[] many = (String[]) slot;
        for (String t : many) {
            if (t.equals(topic)) {
                return many;
            }
        }
        String[] grown = Arrays.copyOf(many, many.length + 1);
        grown[many.length] = topic;
        return grown;
    }

    private static Object removeFrom(Object slot, String topic) {
        if (slot instanceof String one) {
            return one.equals(topic) ? null : one;
        }
        if (!(slot instanceof String[] many)) {
            return null;
        }
        List<String> left = new ArrayList<>(many.length);
        for (String t : many) {
            if (!t.equals(topic)) {
                left.add(t);
            }
        }
        return left.isEmpty() ? null : left.size() == 1 ? left.get(0) : left.toArray(String[]::new);
    }

    /** Sends {@code message} to every subscriber of {@code topic}. Never blocks on a slow one. */
    public PublishResult publish(String topic, PreparedMessage message) {
        publishes.increment();
        return deliver(topic, message);
    }

    /**
     * As {@link #publish}, not counted as a publish: for a second framing of one publish (the
     * push service sends a channel's Centrifugo subscribers the same message in another envelope).
     */
    public PublishResult deliver(String topic, PreparedMessage message) {
        Members members = topics.get(topic);
        if (members == null) {
            return PublishResult.NO_SUBSCRIBERS;
        }
        AtomicInteger delivered = new AtomicInteger();
        AtomicInteger dropped = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger walked = new AtomicInteger();
        members.forEachKey(PARALLEL_THRESHOLD, ws -> {
            walked.incrementAndGet();
            switch (ws.send(message)) {
                case SENT -> delivered.incrementAndGet();
                case DROPPED -> dropped.incrementAndGet();
                case CLOSED_SLOW -> closed.incrementAndGet();
                case NOT_OPEN -> {
                    // closing: its unsubscribe is on the way
                }
            }
        });
        return new PublishResult(walked.get(), delivered.get(), dropped.get(), closed.get());
    }

    /**
     * Calls {@code action} for every subscriber of {@code topic} (weakly consistent, as a publish
     * walk: those joining meanwhile may be missed), in parallel above {@value #PARALLEL_THRESHOLD}.
     */
    public void forEachSubscriber(String topic, java.util.function.Consumer<WebSocket> action) {
        Members members = topics.get(topic);
        if (members != null) {
            members.forEachKey(PARALLEL_THRESHOLD, action);
        }
    }

    /** Subscribers of {@code topic} now. */
    public int subscribers(String topic) {
        Members members = topics.get(topic);
        return members == null ? 0 : members.size();
    }

    /** The topics {@code ws} is in. */
    public List<String> topicsOf(WebSocket ws) {
        if (!(ws instanceof TopicMember member)) {
            return List.of();
        }
        Object slot;
        synchronized (member) {
            slot = member.topicSlot();
        }
        return slot == null ? List.of() : slot instanceof String one ? List.of(one) : List.of((String[]) slot);
    }

    /** The names of the topics with at least one subscriber now (a snapshot). */
    public List<String> topicNames() {
        return new ArrayList<>(topics.keySet());
    }

    /** Topics with at least one subscriber. */
    public int topicCount() {
        return topics.size();
    }

    /** (topic, subscriber) pairs. */
    public long subscriptionCount() {
        return subscriptions.get();
    }

    /** Publishes since start. */
    public long publishes() {
        return publishes.sum();
    }
}
