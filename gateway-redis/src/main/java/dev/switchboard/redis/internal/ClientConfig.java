package dev.switchboard.redis.internal;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.nio.NioChannelOption;
import jdk.net.ExtendedSocketOptions;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.redisson.client.NettyHook;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.handler.CommandsQueuePubSub;
import org.redisson.client.handler.PingConnectionHandler;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.EqualJitterDelay;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.TransportMode;
import org.redisson.connection.ConnectionListener;

/**
 * Maps {@link RedisOptions} onto a Redisson {@link Config} tuned for a gateway: few threads, small pools,
 * fail fast instead of queueing (pub/sub is at most once, presence resyncs next tick), reconnect quickly.
 */
public final class ClientConfig {

    static final int KEEPALIVE_IDLE_SECONDS = 5;
    static final int KEEPALIVE_INTERVAL_SECONDS = 2;
    static final int KEEPALIVE_PROBES = 3;
    static final int USER_TIMEOUT_MILLIS = 10_000;

    private ClientConfig() {
    }

    /**
     * Returns the Redisson configuration.
     *
     * @param group event loops to share (the gateway's), or {@code null} for Redisson's own
     * @param transport the transport of {@code group}; Redisson must open channels of the matching kind
     */
    public static Config of(RedisOptions o, EventLoopGroup group, Transport transport, ConnectionListener listener) {
        Config c = new Config();
        // Bytes in, bytes out: never Java serialisation or Kryo (Redisson's default codec).
        c.setCodec(ByteArrayCodec.INSTANCE);
        c.setThreads(o.threads());
        c.setNettyThreads(o.threads());
        c.setTransportMode(transport == Transport.EPOLL ? TransportMode.EPOLL : TransportMode.NIO);
        if (group != null) {
            c.setEventLoopGroup(group);
        }
        c.setConnectionListener(listener);
        // Scripts go by EVALSHA, loaded once per node.
        c.setUseScriptCache(true);
        c.setTcpNoDelay(true);
        // Keepalive and the user timeout go on through the hook: Redisson 4.7.0's Config copy (Redisson.create
        // copies the Config) drops setTcpKeepAliveIdle/Interval/Count and setTcpUserTimeout (HalfOpenIT saw
        // sockets with the kernel's 2 h keepalive).
        c.setNettyHook(new ConnectionHook(transport));
        // Retrying later is what the gateway does anyway (next tick, next publish); Redisson retrying would only
        // hold memory and delay the health signal.
        int timeout = (int) o.timeout().toMillis();
        int ping = (int) o.pingInterval().toMillis();

        URI first;
        if (o.usesCluster()) {
            ClusterServersConfig s = c.useClusterServers();
            for (String node : o.clusterNodes()) {
                s.addNodeAddress(address(URI.create(node)));
            }
            s.setMasterConnectionPoolSize(4).setMasterConnectionMinimumIdleSize(1)
                    .setSlaveConnectionPoolSize(2).setSlaveConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(4).setSubscriptionConnectionMinimumIdleSize(1)
                    .setScanInterval(1_000);
            common(s, timeout, ping);
            first = URI.create(o.clusterNodes().get(0));
        } else if (o.usesSentinel()) {
            SentinelServersConfig s = c.useSentinelServers().setMasterName(o.sentinelMasterName());
            for (String node : o.sentinelAddresses()) {
                s.addSentinelAddress(address(URI.create(node)));
            }
            s.setMasterConnectionPoolSize(4).setMasterConnectionMinimumIdleSize(1)
                    .setSlaveConnectionPoolSize(2).setSlaveConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(4).setSubscriptionConnectionMinimumIdleSize(1)
                    .setCheckSentinelsList(false);
            URI u = URI.create(o.url());
            s.setDatabase(database(u));
            common(s, timeout, ping);
            first = URI.create(o.sentinelAddresses().get(0));
        } else {
            URI u = URI.create(o.url());
            // With the direct relay Redisson carries no pub/sub: no idle subscription connection held open for it.
            SingleServerConfig s = c.useSingleServer().setAddress(address(u)).setDatabase(database(u))
                    .setConnectionPoolSize(4).setConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(4)
                    .setSubscriptionConnectionMinimumIdleSize(o.usesDirectRelay() ? 0 : 1);
            common(s, timeout, ping);
            first = u;
        }
        String[] userInfo = userInfo(first);
        String user = o.username() != null ? o.username() : userInfo[0];
        String pass = o.password() != null ? o.password() : userInfo[1];
        if (user != null) {
            c.setUsername(user);
        }
        if (pass != null) {
            c.setPassword(pass);
        }
        return c;
    }

    private static void common(BaseConfig<?> s, int timeout, int ping) {
        s.setTimeout(timeout)
                .setConnectTimeout(timeout)
                .setRetryAttempts(0)
                .setSubscriptionTimeout(timeout)
                // Up to 2 s between reconnect attempts (Redisson's default grows to 10 s): Redis back means
                // the gateway back within about that.
                .setReconnectionDelay(new EqualJitterDelay(Duration.ofMillis(100), Duration.ofSeconds(2)))
                .setSubscriptionsPerConnection(16)
                .setClientName("switchboard")
                // Finds a half-open command connection (no RST) within seconds rather than Redisson's 30 s.
                // ConnectionHook takes it off the subscription connections.
                .setPingConnectionInterval(ping);
    }

    /**
     * Tunes Redisson's connections. On every connection: TCP keepalive after 5 s idle, 3 probes 2 s apart, so the
     * kernel drops a connection whose peer vanished without a word within about 11 s and Redisson reconnects (and
     * re-subscribes); with epoll, TCP_USER_TIMEOUT 10 s drops one whose sent data stays unacknowledged.
     *
     * <p>And it takes Redisson's {@link PingConnectionHandler} off subscription connections, leaving it on command
     * connections: Redisson 4.7.0 loses a pub/sub message now and then when a PING's reply and messages share the
     * subscribed connection (redisson#1497): about 1 in 10^5-10^6 messages with a 5 s ping, 516 of 186,536 with a
     * 10 ms ping (reconnects mixed in: a reply missing the next tick closes the connection), none with the ping off ({@code RedissonPingLossProbe}). {@code SubscriptionPingIT} fails if the
     * handler comes back (or Redisson renames it and this hook stops matching); keepalive finds a half-open
     * subscription connection instead ({@code HalfOpenIT} checks the sockets' timers).
     */
    static final class ConnectionHook implements NettyHook {
        private final Transport transport;

        ConnectionHook(Transport transport) {
            this.transport = transport;
        }

        @Override
        public void afterBoostrapInitialization(Bootstrap b) {
            b.option(ChannelOption.SO_KEEPALIVE, true);
            if (transport == Transport.EPOLL) {
                b.option(EpollChannelOption.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
                b.option(EpollChannelOption.TCP_KEEPINTVL, KEEPALIVE_INTERVAL_SECONDS);
                b.option(EpollChannelOption.TCP_KEEPCNT, KEEPALIVE_PROBES);
                b.option(EpollChannelOption.TCP_USER_TIMEOUT, USER_TIMEOUT_MILLIS);
            } else {
                b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), KEEPALIVE_IDLE_SECONDS);
                b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL), KEEPALIVE_INTERVAL_SECONDS);
                b.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), KEEPALIVE_PROBES);
            }
        }

        @Override
        public void afterChannelInitialization(Channel channel) {
            ChannelPipeline p = channel.pipeline();
            if (p.get(CommandsQueuePubSub.class) != null && p.get(PingConnectionHandler.class) != null) {
                p.remove(PingConnectionHandler.class);
            }
        }
    }

    /** Returns {@code scheme://host:port} without credentials or database, as Redisson wants it. */
    static String address(URI u) {
        return u.getScheme() + "://" + u.getHost() + ":" + u.getPort();
    }

    static int database(URI u) {
        String p = u.getPath();
        return p == null || p.length() <= 1 ? 0 : Integer.parseInt(p.substring(1));
    }

    /** Returns {user, password} from {@code redis://user:pass@host}; {@code redis://:pass@host} has no user. */
    static String[] userInfo(URI u) {
        String info = u.getRawUserInfo();
        if (info == null || info.isEmpty()) {
            return new String[2];
        }
        int colon = info.indexOf(':');
        String user = colon < 0 ? null : decode(info.substring(0, colon));
        String pass = decode(colon < 0 ? info : info.substring(colon + 1));
        return new String[] {user == null || user.isEmpty() ? null : user, pass};
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** Lists the node addresses, for the start-up log (no credentials). */
    public static List<String> describe(RedisOptions o) {
        if (o.usesCluster()) {
            return o.clusterNodes().stream().map(n -> address(URI.create(n))).toList();
        }
        if (o.usesSentinel()) {
            return o.sentinelAddresses().stream().map(n -> address(URI.create(n))).toList();
        }
        return List.of(address(URI.create(o.url())));
    }
}
