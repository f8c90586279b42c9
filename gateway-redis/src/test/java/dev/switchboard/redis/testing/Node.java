package dev.switchboard.redis.testing;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.redis.RedissonBroker;
import java.time.Duration;
import java.util.function.BiConsumer;

/** One gateway instance with its own {@link RedissonBroker}, on a free port, as a test's cluster member. */
public final class Node implements AutoCloseable {

    public final RedissonBroker broker;
    public final RunningGateway gw;

    private Node(RedissonBroker broker, RunningGateway gw) {
        this.broker = broker;
        this.gw = gw;
    }

    /** Starts instance {@code id} with a 100 ms presence interval. */
    public static Node start(String id, RedisOptions options) throws Exception {
        return start(id, options, Duration.ofMillis(100), (g, b) -> { });
    }

    public static Node start(String id, RedisOptions options, Duration presenceInterval,
                             BiConsumer<Gateway.Builder, RedissonBroker> customize) throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        RedissonBroker broker = RedissonBroker.builder(options).instanceId(id).metrics(metrics).build();
        Gateway.Builder b = Gateway.builder().metrics(metrics)
                .options(GatewayOptions.builder().presenceInterval(presenceInterval).instanceId(id).build())
                .broker(broker);
        customize.accept(b, broker);
        return new Node(broker, RunningGateway.start(b.build()));
    }

    public Gateway gateway() {
        return gw.gateway();
    }

    public String url(String pathAndQuery) {
        return gw.url(pathAndQuery);
    }

    @Override
    public void close() throws Exception {
        gw.close();
    }
}
