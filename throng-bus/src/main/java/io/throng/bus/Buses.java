package io.throng.bus;

import io.throng.websocket.bus.Bus;
import io.throng.websocket.bus.BusConfig;
import io.throng.websocket.bus.HubBroker;
import io.throng.websocket.bus.LocalBus;
import io.throng.websocket.bus.LocalSubscribers;
import io.throng.websocket.bus.RelayBus;

/** Opens the bus a {@link BusConfig} names, around one node's subscribers. */
public final class Buses {
    private Buses() {
    }

    /**
     * The bus of {@code config}: the in-process one (embedded), a relay through the prefork hub
     * (embedded with a hub socket), or a relay through Redis or NATS. Relays connect in the
     * background and refuse publishes until they are up.
     *
     * @param maxMessageBytes the largest message the node takes (the hub's frames are checked against it)
     */
    public static Bus open(BusConfig config, LocalSubscribers local, int maxMessageBytes) {
        return switch (config.kind()) {
            case EMBEDDED -> config.hub() == null ? new LocalBus(local)
                    : RelayBus.start(new HubBroker(config.hub(), maxMessageBytes), local, config);
            case REDIS -> RelayBus.start(new RedisBroker(config), local, config);
            case NATS -> RelayBus.start(new NatsBroker(config), local, config);
        };
    }
}
