/** The push service's buses to Redis (Jedis) and NATS (jnats), for nodes that share channels. */
module io.throng.bus {
    requires transitive io.throng.websocket;
    requires redis.clients.jedis;
    requires io.nats.jnats;

    exports io.throng.bus;
}
