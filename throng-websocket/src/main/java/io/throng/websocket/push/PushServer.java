package io.throng.websocket.push;

import io.throng.websocket.WebSocket;
import io.throng.core.config.ServerConfig;
import io.throng.websocket.HttpRequest;
import io.throng.websocket.HttpResponse;
import io.throng.websocket.PreparedMessage;
import io.throng.websocket.RequestDecision;
import io.throng.websocket.WebSocketConfig;
import io.throng.websocket.WebSocketProtocol;
import io.throng.websocket.WebSocketServer;
import io.throng.websocket.WebSocketStats;
import io.throng.websocket.bus.Bus;
import io.throng.websocket.centrifugo.ApiKey;
import io.throng.websocket.centrifugo.CentrifugoApi;
import io.throng.websocket.centrifugo.CentrifugoConfig;
import io.throng.websocket.centrifugo.CentrifugoHandler;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.bus.LocalSubscribers;
import io.throng.websocket.bus.PublishOutcome;
import io.throng.websocket.codec.Utf8;
import io.throng.websocket.PublishResult;
import io.throng.websocket.TopicListener;
import io.throng.websocket.TopicRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The notification service, on one port:
 * <ul>
 *   <li>{@code GET /}: a page that subscribes to a channel, shows notifications live, and publishes;</li>
 *   <li>WebSocket {@code /sub/<channel>} (or {@code /sub}): a subscriber, see {@link PushHandler};</li>
 *   <li>{@code POST /pub/<channel>}: publishes the body (with the key in {@code X-API-Key} when the
 *       Centrifugo protocol has an API key) (a text frame if it is UTF-8, else binary)
 *       through the {@link Bus}: 200 with the counts as JSON when the bus is this process (the fan-out
 *       is done), 202 when a broker relays it (every node fans it out when the broker hands it back),
 *       503 when the bus cannot take it now (down, or its relay queue full);</li>
 *   <li>{@code GET /stats}: the counters as JSON;</li>
 *   <li>a connection starting with byte 0x00: the binary {@link PublishProtocol};</li>
 *   <li>{@code POST /api/<method>}, with a Centrifugo API key: Centrifugo's server HTTP API ({@link CentrifugoApi});</li>
 *   <li>WebSocket {@code /connection/websocket}, when started with a {@link CentrifugoConfig}:
 *       Centrifugo's client protocol ({@link CentrifugoHandler}), for its official SDKs. Its
 *       subscribers get every publish of a channel, from any of the paths above or from a client,
 *       as the raw subscribers do, in Centrifugo's envelope;</li>
 *   <li>{@code GET /centrifugo}, with the same: a page that runs Centrifugo's JavaScript SDK against
 *       it ({@link CentrifugoPage}).</li>
 * </ul>
 */
public final class PushServer implements AutoCloseable {
    private final WebSocketServer server;
    private final TopicRegistry topics;
    private final Bus bus;
    private final PublishProtocol publishProtocol;
    private final CentrifugoHandler centrifugo;

    /** Where binary-protocol publishes run: a virtual thread each, at most one per publisher connection. */
    private final ExecutorService publishing;

    private PushServer(WebSocketServer server, TopicRegistry topics, Bus bus, PublishProtocol publishProtocol,
                       ExecutorService publishing, CentrifugoHandler centrifugo) {
        this.server = server;
        this.centrifugo = centrifugo;
        this.topics = topics;
        this.bus = bus;
        this.publishProtocol = publishProtocol;
        this.publishing = publishing;
    }

    /** Starts with the in-process bus. */
    public static PushServer start(ServerConfig config, WebSocketConfig wsConfig) throws IOException {
        return start(config, wsConfig, LocalBus::new);
    }

    /**
     * Starts with the bus {@code busFactory} makes around this server's subscribers; the server
     * closes it when it stops (and closes it at once if the server cannot start).
     */
    public static PushServer start(ServerConfig config, WebSocketConfig wsConfig,
                                   Function<LocalSubscribers, Bus> busFactory) throws IOException {
        return start(config, wsConfig, busFactory, null);
    }

    /**
     * As {@link #start(ServerConfig, WebSocketConfig, Function)}, also serving Centrifugo's client
     * protocol on {@code /connection/websocket} with {@code centrifugoConfig} (null: not served).
     */
    public static PushServer start(ServerConfig config, WebSocketConfig wsConfig, Function<LocalSubscribers, Bus> busFactory,
                                   CentrifugoConfig centrifugoConfig) throws IOException {
        return start(config, wsConfig, busFactory, centrifugoConfig, centrifugoConfig == null ? null : CentrifugoPage.fromCdn());
    }

    /**
     * As {@link #start(ServerConfig, WebSocketConfig, Function, CentrifugoConfig)}, with the SDK page
     * {@code centrifugoPage} at {@code /centrifugo} (null: not served; it is served only with the protocol).
     */
    public static PushServer start(ServerConfig config, WebSocketConfig wsConfig, Function<LocalSubscribers, Bus> busFactory,
                                   CentrifugoConfig centrifugoConfig, CentrifugoPage centrifugoPage) throws IOException {
        BusHolder busHolder = new BusHolder();
        TopicRegistry topics = new TopicRegistry(busHolder);
        CentrifugoHolder centrifugoHolder = new CentrifugoHolder();
        Bus bus = busFactory.apply(new RegistrySubscribers(topics, centrifugoHolder));
        busHolder.bus = bus;
        ExecutorService publishing = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("throng-publish-", 0).factory());
        CentrifugoHandler centrifugo = null;
        try {
            PublishProtocol publish = new PublishProtocol(bus, wsConfig.maxMessageBytes(), publishing,
                    centrifugoConfig == null ? ApiKey.NONE : centrifugoConfig.apiKey());
            Holder holder = new Holder();
            if (centrifugoConfig != null) {
                centrifugo = new CentrifugoHandler(centrifugoConfig, topics, bus, channel -> problem(channel, bus));
                centrifugoHolder.handler = centrifugo;
            }
            WebSocketProtocol protocol = protocol(wsConfig, topics, bus, publish, publishing, () -> holder.server, centrifugo,
                    centrifugo == null ? null : centrifugoPage);
            PushServer push = new PushServer(WebSocketServer.start(config, protocol), topics, bus, publish, publishing, centrifugo);
            holder.server = push;
            return push;
        } catch (IOException | RuntimeException e) {
            if (centrifugo != null) {
                centrifugo.close();
            }
            publishing.shutdown();
            bus.close();
            throw e;
        }
    }

    /**
     * What the service speaks on its port, apart from the socket: {@link #start} serves it, and the
     * fuzz tests drive it in memory. {@code publishing} runs the publishes (null: where they are read).
     */
    static WebSocketProtocol protocol(WebSocketConfig wsConfig, TopicRegistry topics, Bus bus, PublishProtocol publish,
                                      ExecutorService publishing, Supplier<PushServer> self) {
        return protocol(wsConfig, topics, bus, publish, publishing, self, null, null);
    }

    static WebSocketProtocol protocol(WebSocketConfig wsConfig, TopicRegistry topics, Bus bus, PublishProtocol publish,
                                      ExecutorService publishing, Supplier<PushServer> self, CentrifugoHandler centrifugo,
                                      CentrifugoPage centrifugoPage) {
        byte[] page = page();
        CentrifugoApi api = centrifugo == null ? null : new CentrifugoApi(centrifugo, bus, wsConfig.maxMessageBytes(), publishing);
        return WebSocketProtocol.server(new PushHandler(topics, bus))
                .config(wsConfig)
                .topics(topics)
                .rawProtocol(publish)
                .hook(request -> route(request, bus, wsConfig.maxMessageBytes(), page, self, publishing, centrifugo, api, centrifugoPage))
                .build();
    }

    /**
     * The bus channel a registry topic stands for: the channel itself (raw subscribers), the
     * channel after '#' (Centrifugo subscribers), or null for the Centrifugo sessions topic.
     */
    static String busChannel(String topic) {
        if (topic.isEmpty() || topic.charAt(0) == '!') {
            return null;
        }
        return topic.charAt(0) == CentrifugoHandler.TOPIC_PREFIX ? topic.substring(1) : topic;
    }

    /**
     * Tells the bus when a channel gets its first subscriber here and loses its last. A channel has
     * two topics (raw and Centrifugo subscribers); the bus takes both calls as hints and asks
     * {@link LocalSubscribers#hasSubscribers}, which counts both.
     */
    private static final class BusHolder implements TopicListener {
        volatile Bus bus;

        @Override
        public void firstSubscriber(String topic) {
            Bus b = bus;
            String channel = busChannel(topic);
            if (b != null && channel != null) {
                b.subscribe(channel);
            }
        }

        @Override
        public void lastSubscriberLeft(String topic) {
            Bus b = bus;
            String channel = busChannel(topic);
            if (b != null && channel != null) {
                b.unsubscribe(channel);
            }
        }
    }

    /** This server's subscribers as the bus sees them: a channel's raw and Centrifugo subscribers. */
    private record RegistrySubscribers(TopicRegistry topics, CentrifugoHolder centrifugo) implements LocalSubscribers {
        @Override
        public PublishResult deliver(String channel, ByteBuffer payload) {
            PublishResult r = topics.publish(channel, Utf8.isValid(payload) ? PreparedMessage.text(payload) : PreparedMessage.binary(payload));
            CentrifugoHandler c = centrifugo.handler;
            return c == null ? r : r.plus(c.deliver(channel, payload));
        }

        @Override
        public PublishResult deliverAt(String channel, ByteBuffer payload, long offset, String epoch) {
            PublishResult r = topics.publish(channel, Utf8.isValid(payload) ? PreparedMessage.text(payload) : PreparedMessage.binary(payload));
            CentrifugoHandler c = centrifugo.handler;
            return c == null ? r : r.plus(c.deliverAt(channel, payload, offset, epoch));
        }

        @Override
        public boolean hasSubscribers(String channel) {
            CentrifugoHandler c = centrifugo.handler;
            return topics.subscribers(channel) > 0 || topics.subscribers(CentrifugoHandler.topic(channel)) > 0
                    || (c != null && c.subscribing(channel));
        }

        @Override
        public List<String> channels() {
            LinkedHashSet<String> channels = new LinkedHashSet<>();
            for (String topic : topics.topicNames()) {
                String channel = busChannel(topic);
                if (channel != null) {
                    channels.add(channel);
                }
            }
            return List.copyOf(channels);
        }
    }

    /** Lets the bus's deliveries reach the Centrifugo handler, made after the bus (null: no Centrifugo protocol). */
    private static final class CentrifugoHolder {
        volatile CentrifugoHandler handler;
    }

    /** Lets the hook reach the server it belongs to (for /stats) once it exists. */
    private static final class Holder {
        volatile PushServer server;
    }

    private static RequestDecision route(HttpRequest request, Bus bus, int maxBody, byte[] page, Supplier<PushServer> self,
                                         ExecutorService publishing, CentrifugoHandler centrifugo, CentrifugoApi api,
                                         CentrifugoPage centrifugoPage) {
        String path = request.path();
        if (request.isUpgrade() && path.equals(CENTRIFUGO_PATH)) {
            return centrifugoUpgrade(request, centrifugo);
        }
        if (request.isUpgrade()) {
            if (path.equals("/sub") || path.equals("/sub/")) {
                return RequestDecision.upgrade();
            }
            if (path.startsWith("/sub/")) {
                String channel = path.substring(5);
                if (Channels.isPrivate(channel)) {
                    return RequestDecision.refuse(403, "channel " + channel + " is private: subscribe through the Centrifugo"
                            + " protocol (" + CENTRIFUGO_PATH + ") with a subscription token");
                }
                String problem = problem(channel, bus);
                return problem == null ? RequestDecision.upgrade(channel) : RequestDecision.refuse(400, problem);
            }
            return RequestDecision.refuse(404, "no WebSocket endpoint at " + path + "; subscribe at /sub/<channel>");
        }
        String method = request.method();
        if (CentrifugoApi.isApiPath(path)) {
            return api == null ? RequestDecision.respond(HttpResponse.text(404, "the Centrifugo server API is off on this"
                    + " server (throng push --centrifugo with an API key)")) : api.decide(request);
        }
        if (path.startsWith("/pub/")) {
            if (!method.equals("POST")) {
                return RequestDecision.respond(HttpResponse.refuse(405, "publish with POST").withHeader("Allow", "POST"));
            }
            if (api != null && !api.authorized(request)) {
                // with an API key set, publishing over HTTP needs it (issue 21), as the binary protocol does
                return RequestDecision.respond(CentrifugoApi.unauthorized(request));
            }
            String channel = path.substring(5);
            String problem = problem(channel, bus);
            if (problem != null) {
                return RequestDecision.refuse(400, problem);
            }
            // On the executor the answer waits for the broker's confirmation: a 202 is never a
            // message the link then dropped (without one, the handler runs on the loop: no waiting).
            return new RequestDecision.ReadBody(maxBody, body -> answer(channel, publishing == null ? bus.publish(channel, body)
                    : PublishOutcome.confirmed(bus.publish(channel, body))), publishing);
        }
        if (!method.equals("GET")) {
            return RequestDecision.respond(HttpResponse.refuse(405, "method " + method + " not allowed here")
                    .withHeader("Allow", "GET"));
        }
        if (CentrifugoPage.owns(path)) {
            return RequestDecision.respond(centrifugoPage != null ? centrifugoPage.respond(path)
                    : HttpResponse.text(404, "the Centrifugo page is served with the Centrifugo protocol (throng push --centrifugo)"));
        }
        return switch (path) {
            case "/", "/index.html" -> RequestDecision.respond(HttpResponse.of(200, "text/html; charset=utf-8", page)
                    .withHeader("Cache-Control", "no-store"));
            case "/stats" -> RequestDecision.respond(HttpResponse.of(200, "application/json",
                    statsJson(self.get()).getBytes(StandardCharsets.UTF_8)));
            default -> RequestDecision.respond(HttpResponse.text(404, "not found: " + path
                    + " (the page is at /, subscribers at /sub/<channel>, publishers POST to /pub/<channel>)"));
        };
    }

    /** Where Centrifugo's SDKs connect by default. */
    public static final String CENTRIFUGO_PATH = "/connection/websocket";

    private static RequestDecision centrifugoUpgrade(HttpRequest request, CentrifugoHandler centrifugo) {
        if (centrifugo == null) {
            return RequestDecision.refuse(404, "the Centrifugo protocol is off on this server (throng push --centrifugo)");
        }
        String origin = request.header("Origin");
        if (!centrifugo.config().originAllowed(origin)) {
            return RequestDecision.refuse(403, "origin " + origin + " is not allowed (centrifugo allowed-origins)");
        }
        if (request.offeredSubprotocols().contains("centrifuge-protobuf") || "protobuf".equals(request.queryParameter("format"))
                || "protobuf".equals(request.queryParameter("cf_protocol"))) {
            return RequestDecision.refuse(400, "the Protobuf format of the Centrifugo protocol is not supported yet: use JSON");
        }
        if (!centrifugo.admitUpgrade()) {
            // the SDKs retry a failed upgrade with their back-off (a stale close after admitting would be final)
            return RequestDecision.respond(HttpResponse.refuse(503, "too many connections are waiting for their connect"
                    + " (" + centrifugo.pendingConnects() + " waiting, the limit now " + centrifugo.pendingLimit()
                    + " from this process's rate; max-pending-connects " + centrifugo.config().maxPendingConnects() + "): retry later")
                    .withHeader("Retry-After", "1"));
        }
        return RequestDecision.upgrade(centrifugo, null);
    }

    /** Why {@code channel} cannot be used here (not a channel name, or not one this bus can carry), or null. */
    static String problem(String channel, Bus bus) {
        if (!Channels.isValid(channel)) {
            return Channels.problem(channel);
        }
        return bus.channelProblem(channel);
    }

    /** {@code POST /pub}'s answer: 200 fanned out here, 202 accepted by the broker, 503 refused. */
    private static HttpResponse answer(String channel, PublishOutcome outcome) {
        byte[] json = (outcome.toJson(channel) + "\n").getBytes(StandardCharsets.UTF_8);
        return switch (outcome) {
            case PublishOutcome.Delivered d -> HttpResponse.of(200, "application/json", json);
            case PublishOutcome.Accepted a -> HttpResponse.of(202, "application/json", json);
            case PublishOutcome.Refused r -> HttpResponse.of(503, "application/json", json).withHeader("Retry-After", "1");
        };
    }

    private static String statsJson(PushServer s) {
        if (s == null) {
            return "{}\n";
        }
        WebSocketStats w = s.stats();
        return "{\"connections\":" + s.server.engineStats().connections() + ",\"websockets\":" + w.open()
                + ",\"topics\":" + w.topics() + ",\"subscriptions\":" + w.subscriptions() + ",\"published\":"
                + s.topics.publishes() + ",\"delivered\":" + w.deliveries() + ",\"dropped\":" + w.dropped()
                + ",\"slowCloses\":" + w.slowCloses() + ",\"bus\":" + s.bus.stats().toJson()
                + (s.centrifugo == null ? "" : ",\"centrifugo\":" + s.centrifugo.statsJson()) + "}\n";
    }

    private static byte[] page() {
        try (InputStream in = PushServer.class.getResourceAsStream("push.html")) {
            if (in == null) {
                throw new IllegalStateException("push.html is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes as {@code POST /pub/<channel>} does. */
    public PublishOutcome publish(String channel, ByteBuffer body) {
        String problem = problem(channel, bus);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return bus.publish(channel, body);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    public TopicRegistry topics() {
        return topics;
    }

    public Bus bus() {
        return bus;
    }

    public WebSocketServer webSocketServer() {
        return server;
    }

    /** WebSocket counters, with the registry's publish count. */
    public WebSocketStats stats() {
        WebSocketStats s = server.stats();
        return new WebSocketStats(s.open(), s.handshakesInFlight(), s.upgrades(), s.refused(), s.handshakeTimeouts(),
                s.overloaded(), s.handshakesEvicted(), s.httpResponses(), s.messagesIn(), s.messagesOut(), s.pingsSent(), s.pongsReceived(),
                s.protocolErrors(), s.invalidPayloads(), s.tooBig(), s.handlerErrors(), s.idleCloses(), s.closeTimeouts(),
                topics.publishes(), s.deliveries(), s.dropped(), s.slowCloses(), s.subscriptions(), s.topics());
    }

    /** The Centrifugo protocol's handler, or null when it is off. */
    public CentrifugoHandler centrifugo() {
        return centrifugo;
    }

    /** Messages published with the binary protocol. */
    public long binaryPublishes() {
        return publishProtocol.published();
    }

    public boolean shutdown(Duration timeout) {
        if (centrifugo != null) {
            centrifugo.close(); // 3001 "shutdown": the SDKs reconnect (to another node, or to this one restarted)
        }
        boolean clean = server.shutdown(timeout);
        publishing.shutdown(); // what is still running answers connections that are closed now
        bus.close();
        return clean;
    }

    @Override
    public void close() {
        shutdown(server.engine().config().shutdownTimeout());
    }
}
