package dev.switchboard.redis.internal;

import dev.switchboard.core.Transport;
import dev.switchboard.redis.RedisOptions;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.redisson.client.codec.ByteArrayCodec;
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
        c.setTcpKeepAlive(true);
        // Retrying later is what the gateway does anyway (next tick, next publish); Redisson retrying would only
        // hold memory and delay the health signal.
        int timeout = (int) o.timeout().toMillis();

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
            common(s, timeout);
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
            common(s, timeout);
            first = URI.create(o.sentinelAddresses().get(0));
        } else {
            URI u = URI.create(o.url());
            SingleServerConfig s = c.useSingleServer().setAddress(address(u)).setDatabase(database(u))
                    .setConnectionPoolSize(4).setConnectionMinimumIdleSize(1)
                    .setSubscriptionConnectionPoolSize(4).setSubscriptionConnectionMinimumIdleSize(1);
            common(s, timeout);
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

    private static void common(BaseConfig<?> s, int timeout) {
        s.setTimeout(timeout)
                .setConnectTimeout(timeout)
                .setRetryAttempts(0)
                .setSubscriptionTimeout(timeout)
                // Up to 2 s between reconnect attempts (Redisson's default grows to 10 s): Redis back means
                // the gateway back within about that.
                .setReconnectionDelay(new EqualJitterDelay(Duration.ofMillis(100), Duration.ofSeconds(2)))
                .setSubscriptionsPerConnection(16)
                .setClientName("switchboard")
                // Finds a half-open connection (no RST) within seconds rather than Redisson's 30 s.
                .setPingConnectionInterval(5_000);
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
