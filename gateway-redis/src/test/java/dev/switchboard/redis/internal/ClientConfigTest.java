package dev.switchboard.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.EpollChannelOption;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.Test;
import jdk.net.ExtendedSocketOptions;
import org.redisson.client.RedisClientConfig;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.handler.CommandsQueue;
import org.redisson.client.handler.CommandsQueuePubSub;
import org.redisson.client.handler.PingConnectionHandler;
import org.redisson.config.Config;

class ClientConfigTest {

    @Test
    void urlPartsMapOntoRedisson() {
        URI u = URI.create("rediss://app:p%40ss@redis.example:6380/3");
        assertThat(ClientConfig.address(u)).isEqualTo("rediss://redis.example:6380");
        assertThat(ClientConfig.database(u)).isEqualTo(3);
        assertThat(ClientConfig.userInfo(u)).containsExactly("app", "p@ss");
        assertThat(ClientConfig.userInfo(URI.create("redis://:pw@h:1"))).containsExactly(null, "pw");
        assertThat(ClientConfig.userInfo(URI.create("redis://h:1"))).containsExactly(null, null);
    }

    @Test
    void usesBytesNeverJavaSerializationOrKryo() {
        Config c = ClientConfig.of(RedisOptions.builder().url("redis://:pw@h:1/2").build(), null, Transport.NIO, null);
        assertThat(c.getCodec()).isSameAs(ByteArrayCodec.INSTANCE);
        assertThat(c.getPassword()).isEqualTo("pw");
        assertThat(c.getThreads()).isEqualTo(2);
    }

    @Test
    void commandConnectionsArePingedAtTheConfiguredInterval() {
        Config c = ClientConfig.of(RedisOptions.builder().pingInterval(Duration.ofSeconds(3)).build(), null, Transport.NIO, null);
        assertThat(c.useSingleServer().getPingConnectionInterval()).isEqualTo(3_000);
        assertThat(c.getNettyHook()).isInstanceOf(ClientConfig.ConnectionHook.class);
        Config off = ClientConfig.of(RedisOptions.builder().pingInterval(Duration.ZERO).build(), null, Transport.NIO, null);
        assertThat(off.useSingleServer().getPingConnectionInterval()).isZero();
    }

    @Test
    void everyConnectionGetsAFiveSecondKeepaliveOnEitherTransport() {
        Bootstrap epoll = new Bootstrap();
        new ClientConfig.ConnectionHook(Transport.EPOLL).afterBoostrapInitialization(epoll);
        assertThat(epoll.config().options()).containsEntry(ChannelOption.SO_KEEPALIVE, true)
                .containsEntry(EpollChannelOption.TCP_KEEPIDLE, 5).containsEntry(EpollChannelOption.TCP_KEEPINTVL, 2)
                .containsEntry(EpollChannelOption.TCP_KEEPCNT, 3).containsEntry(EpollChannelOption.TCP_USER_TIMEOUT, 10_000);
        Bootstrap nio = new Bootstrap();
        new ClientConfig.ConnectionHook(Transport.NIO).afterBoostrapInitialization(nio);
        // NioChannelOption.of makes a new key each time: compare by name.
        Map<String, Object> byName = new HashMap<>();
        nio.config().options().forEach((k, v) -> byName.put(k.name(), v));
        assertThat(byName).containsEntry("SO_KEEPALIVE", true).containsEntry(ExtendedSocketOptions.TCP_KEEPIDLE.name(), 5)
                .containsEntry(ExtendedSocketOptions.TCP_KEEPINTERVAL.name(), 2)
                .containsEntry(ExtendedSocketOptions.TCP_KEEPCOUNT.name(), 3);
    }

    @Test
    void thePingComesOffSubscriptionConnectionsOnly() {
        PingConnectionHandler ping = new PingConnectionHandler(new RedisClientConfig());
        EmbeddedChannel subscription = new EmbeddedChannel();
        subscription.pipeline().addLast(new CommandsQueuePubSub(), ping);
        EmbeddedChannel commands = new EmbeddedChannel();
        commands.pipeline().addLast(new CommandsQueue(), ping);
        ClientConfig.ConnectionHook hook = new ClientConfig.ConnectionHook(Transport.NIO);
        hook.afterChannelInitialization(subscription);
        hook.afterChannelInitialization(commands);
        assertThat(subscription.pipeline().get(PingConnectionHandler.class)).isNull();
        assertThat(subscription.pipeline().get(CommandsQueuePubSub.class)).isNotNull();
        assertThat(commands.pipeline().get(PingConnectionHandler.class)).isSameAs(ping);
        // Redisson's queues expect a connection; take them off before the channels close.
        subscription.pipeline().remove(CommandsQueuePubSub.class);
        commands.pipeline().remove(CommandsQueue.class);
        subscription.finishAndReleaseAll();
        commands.finishAndReleaseAll();
    }

    @Test
    void withTheDirectRelayNoSubscriptionConnectionIsKeptIdle() {
        Config direct = ClientConfig.of(RedisOptions.builder().url("redis://h:1").build(), null, Transport.NIO, null);
        assertThat(direct.useSingleServer().getSubscriptionConnectionMinimumIdleSize()).isZero();
        Config topics = ClientConfig.of(RedisOptions.builder().url("redis://h:1").relay(RedisOptions.Relay.REDISSON).build(),
                null, Transport.NIO, null);
        assertThat(topics.useSingleServer().getSubscriptionConnectionMinimumIdleSize()).isEqualTo(1);
    }

    @Test
    void clusterAndSentinel() {
        Config cluster = ClientConfig.of(RedisOptions.builder().clusterNodes(List.of("redis://a:7000", "redis://b:7001"))
                .build(), null, Transport.NIO, null);
        assertThat(cluster.isClusterConfig()).isTrue();
        Config sentinel = ClientConfig.of(RedisOptions.builder().sentinel("mymaster", List.of("redis://s:26379")).build(),
                null, Transport.NIO, null);
        assertThat(sentinel.isSentinelConfig()).isTrue();
    }
}
