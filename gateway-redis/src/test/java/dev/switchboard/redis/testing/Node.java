package dev.switchboard.redis.testing;

import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.Transport;
import dev.switchboard.core.testing.RunningGateway;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.redis.RedissonBroker;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * One gateway instance with its own {@link RedissonBroker}, on a free port, as a test's cluster member. By
 * default Redisson shares the gateway's event loops, as in the standalone server ({@code Brokers.create}), so
 * Redis pub/sub callbacks run inline on them; {@code sharedLoops=false} gives Redisson its own threads, as an
 * embedder that passes no group gets.
 */
public final class Node implements AutoCloseable {

    public final RedissonBroker broker;
    public final RunningGateway gw;
    private final EventLoopGroup loops;

    private Node(RedissonBroker broker, RunningGateway gw, EventLoopGroup loops) {
        this.broker = broker;
        this.gw = gw;
        this.loops = loops;
    }

    /** Starts instance {@code id} with a 100 ms presence interval, Redisson on the gateway's loops. */
    public static Node start(String id, RedisOptions options) throws Exception {
        return start(id, options, true);
    }

    public static Node start(String id, RedisOptions options, boolean sharedLoops) throws Exception {
        return start(id, options, Duration.ofMillis(100), (g, b) -> { }, sharedLoops);
    }

    public static Node start(String id, RedisOptions options, Duration presenceInterval,
                             BiConsumer<Gateway.Builder, RedissonBroker> customize) throws Exception {
        return start(id, options, presenceInterval, customize, true);
    }

    private static Node start(String id, RedisOptions options, Duration presenceInterval,
                              BiConsumer<Gateway.Builder, RedissonBroker> customize, boolean sharedLoops)
            throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        Transport transport = Transport.best();
        EventLoopGroup loops = sharedLoops ? transport.newGroup(2, "node-" + id + "-io") : null;
        RedissonBroker.Builder rb = RedissonBroker.builder(options).instanceId(id).metrics(metrics);
        if (loops != null) {
            rb.eventLoopGroup(loops, transport);
        }
        RedissonBroker broker = rb.build();
        Gateway.Builder b = Gateway.builder().metrics(metrics)
                .options(GatewayOptions.builder().presenceInterval(presenceInterval).instanceId(id).build())
                .broker(broker);
        customize.accept(b, broker);
        RunningGateway gw = RunningGateway.start(b.build(), s -> {
            if (loops != null) {
                s.workers(loops);
            }
        });
        return new Node(broker, gw, loops);
    }

    public Gateway gateway() {
        return gw.gateway();
    }

    public String url(String pathAndQuery) {
        return gw.url(pathAndQuery);
    }

    @Override
    public void close() throws Exception {
        try {
            gw.close();
        } finally {
            if (loops != null) {
                loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }
}
