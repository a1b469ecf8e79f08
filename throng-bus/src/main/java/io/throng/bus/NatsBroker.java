package io.throng.bus;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.Dispatcher;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.throng.websocket.bus.Broker;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.HistoryAnswer;
import io.throng.websocket.bus.HistoryQuery;
import io.throng.websocket.bus.RelayBus;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * NATS as the push service's bus, through jnats. A session is one connection with jnats's own
 * reconnection turned off: {@link RelayBus} reconnects, with the same back-off and re-subscription
 * as for every bus, and refuses publishes meanwhile (jnats would buffer them and lose them
 * silently if the server stayed away). A batch of publishes is followed by a flush, a PING the
 * server answers after it has processed them.
 *
 * <p>A channel is a subject as it is ({@code news.sport} is two tokens, so a NATS client may
 * subscribe to {@code news.>}); channels with empty tokens ({@code .a}, {@code a..b}) are refused
 * on this bus. Any NATS client reaches the subscribers with {@code PUB <channel>}.
 *
 * <p>Channel history ({@link #keepsHistory()}): kept for every node in JetStream ({@link
 * NatsHistory}), if the server has it; a stored publication travels on {@code throng.h.<key>.<channel>}
 * and reaches the nodes, numbered, on {@code throng.l.<key>.<channel>} (so those prefixes are not
 * channels). Without JetStream the bus works as without history: the start says so once, stored
 * publishes go out as plain ones (no offset), a subscribe is positioned at offset 0 and never
 * recovered, and the history is empty.
 */
public final class NatsBroker implements Broker {
    private static final System.Logger LOG = System.getLogger("io.throng.bus");

    private final BusConfig config;
    private final String name;
    /** The warning that the server has no JetStream is logged once, not at every reconnection. */
    private final java.util.concurrent.atomic.AtomicBoolean toldNoJetStream = new java.util.concurrent.atomic.AtomicBoolean();
    /** Without JetStream: the epoch answered, this node's own (a client that moves to another node is not recovered either). */
    private final String noHistoryEpoch = NatsHistory.newEpoch();

    public NatsBroker(BusConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (config.kind() != BusConfig.Kind.NATS) {
            throw new IllegalArgumentException("not a NATS bus: " + config.url());
        }
        this.name = config.url();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String channelProblem(String channel) {
        if (channel.startsWith(".") || channel.endsWith(".") || channel.contains("..")) {
            return "channel '" + channel + "' is not a NATS subject (a dot at an end, or two in a row); the bus is " + name;
        }
        if (channel.startsWith(NatsHistory.STORED) || channel.startsWith(NatsHistory.LIVE) || channel.startsWith("_throng.")) {
            return "channel '" + channel + "' is under a prefix the bus keeps for the channels' history; the bus is " + name;
        }
        return null;
    }

    /**
     * Yes: the channels' history is kept in JetStream for every node (if the server has no
     * JetStream, there is none: nothing is numbered or recovered; the start says so).
     */
    @Override
    public boolean keepsHistory() {
        return true;
    }

    @Override
    public boolean sharedByNodes() {
        return true;
    }

    @Override
    public Session connect(Inbound inbound) throws IOException {
        NatsSession session = new NatsSession(inbound);
        Options options = new Options.Builder()
                .server(name)
                .noReconnect()
                .connectionTimeout(config.timeout())
                .pingInterval(config.heartbeat())
                .maxPingsOut(2)
                .connectionName("throng-push " + RelayBus.NODE)
                .connectionListener(session)
                .errorListener(session)
                .build();
        try {
            session.connection = Nats.connect(options);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + name, e);
        } catch (IOException e) {
            throw new IOException(RedisBroker.message(e), e);
        }
        if (session.connection.getServerInfo().isJetStreamAvailable()) {
            try {
                session.history = new NatsHistory(name, session.connection, inbound, config.timeout());
            } catch (IOException | RuntimeException e) {
                session.close();
                throw e;
            }
        } else if (toldNoJetStream.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "bus " + name + ": the NATS server has no JetStream (start it with -js): channel history"
                    + " (Centrifugo namespaces with history) cannot be kept; their publications are delivered without"
                    + " offsets, no subscribe is recovered and the history command finds nothing; the bus works otherwise");
        }
        NatsHistory history = session.history;
        session.dispatcher = session.connection.createDispatcher(m -> {
            if (history == null || !history.handles(m)) {
                inbound.message(m.getSubject(), ByteBuffer.wrap(m.getData() == null ? new byte[0] : m.getData()));
            }
        });
        if (history != null) {
            session.dispatcher.subscribe(history.inbox + "*");
        }
        return session;
    }

    private final class NatsSession implements Session, ConnectionListener, ErrorListener {
        private final Inbound inbound;
        volatile Connection connection;
        volatile Dispatcher dispatcher;
        /** The JetStream history, or null when the server has none. */
        volatile NatsHistory history;
        private volatile boolean closing;

        NatsSession(Inbound inbound) {
            this.inbound = inbound;
        }

        // ------------------------------------------------ jnats's threads

        @Override
        public void connectionEvent(Connection conn, Events type) {
            if (!closing && (type == Events.DISCONNECTED || type == Events.CLOSED)) {
                inbound.failed(new IOException("the NATS connection was lost (" + type.name().toLowerCase(java.util.Locale.ROOT) + ")"));
            }
        }

        @Override
        public void errorOccurred(Connection conn, String error) {
            LOG.log(Level.DEBUG, () -> "bus " + name + ": the server reported: " + error);
        }

        @Override
        public void exceptionOccurred(Connection conn, Exception exp) {
            LOG.log(Level.DEBUG, () -> "bus " + name + ": " + exp);
        }

        @Override
        public void slowConsumerDetected(Connection conn, Consumer consumer) {
            LOG.log(Level.WARNING, "bus " + name + ": this node reads too slowly; jnats dropped messages");
        }

        // ------------------------------------------------ the link thread

        @Override
        public void subscribe(List<String> channels) throws IOException {
            try {
                for (String c : channels) {
                    dispatcher.subscribe(c);
                    if (history != null) {
                        dispatcher.subscribe(NatsHistory.liveSubscription(c));
                    }
                }
                flush();
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void unsubscribe(List<String> channels) throws IOException {
            try {
                for (String c : channels) {
                    dispatcher.unsubscribe(c);
                    if (history != null) {
                        dispatcher.unsubscribe(NatsHistory.liveSubscription(c));
                    }
                }
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void publish(List<Message> batch) throws IOException {
            try {
                for (Message m : batch) {
                    switch (m.request()) {
                        case null -> {
                            if (m.store() != null && history != null) {
                                String refused = history.store(m);
                                if (refused != null && m.receipt() != null) {
                                    m.receipt().dropped(refused);
                                }
                            } else {
                                connection.publish(m.channel(), m.payload());
                            }
                        }
                        case HistoryQuery q -> {
                            if (history != null) {
                                history.query(m.channel(), m.requestId(), q);
                            } else {
                                // no history: a position with nothing before it, and no recovery (the client reloads)
                                inbound.answer(m.requestId(), new HistoryAnswer(null, noHistoryEpoch, 0, false, List.of()));
                            }
                        }
                        default -> throw new IllegalArgumentException("NATS cannot gather replies");
                    }
                }
            } catch (IllegalStateException | IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
            flush();
        }

        @Override
        public void heartbeat() throws IOException {
            flush();
        }

        /** PING, and the server's PONG: everything before it has been processed. */
        private void flush() throws IOException {
            Duration timeout = config.timeout();
            Connection.Status status = connection.getStatus();
            if (status != Connection.Status.CONNECTED) {
                // jnats would wait out the timeout on a connection it already knows is gone
                throw new IOException("the NATS connection is " + status.name().toLowerCase(java.util.Locale.ROOT));
            }
            try {
                connection.flush(timeout);
            } catch (TimeoutException e) {
                throw new IOException("NATS did not answer a flush within " + timeout.toMillis() + " ms", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } catch (IllegalStateException e) {
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            closing = true;
            NatsHistory h = history;
            if (h != null) {
                h.close();
            }
            Connection c = connection;
            if (c != null) {
                try {
                    c.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException ignored) {
                    // broken already
                }
            }
        }
    }
}
