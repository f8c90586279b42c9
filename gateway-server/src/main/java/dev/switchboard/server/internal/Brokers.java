package dev.switchboard.server.internal;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.Transport;
import dev.switchboard.core.broker.LocalBroker;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.redis.RedissonBroker;
import dev.switchboard.server.ServerConfig;
import io.netty.channel.EventLoopGroup;
import java.util.List;

/** Creates the broker named by the {@code broker} option; a new backend adds its name and one case here. */
public final class Brokers {

    /** The in-process broker: one instance, no Redis. */
    public static final String LOCAL = "local";
    /** The Redis broker: many instances share broadcasts and presence. */
    public static final String REDIS = "redis";
    /** Every name the {@code broker} option accepts. */
    public static final List<String> NAMES = List.of(LOCAL, REDIS);

    private Brokers() {
    }

    /** Returns a new, unstarted broker for {@code config}, sharing the gateway's event loops. */
    public static Broker create(ServerConfig config, MetricRegistry metrics, EventLoopGroup workers, Transport transport) {
        return switch (config.broker()) {
            case LOCAL -> new LocalBroker();
            case REDIS -> RedissonBroker.builder(config.redis())
                    .instanceId(config.gateway().instanceId())
                    .metrics(metrics)
                    .eventLoopGroup(workers, transport)
                    .build();
            default -> throw new IllegalArgumentException("broker: " + config.broker() + " (expected: " + NAMES + ")");
        };
    }
}
