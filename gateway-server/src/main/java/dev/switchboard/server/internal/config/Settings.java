package dev.switchboard.server.internal.config;

import static dev.switchboard.server.internal.config.Setting.bool;
import static dev.switchboard.server.internal.config.Setting.choice;
import static dev.switchboard.server.internal.config.Setting.duration;
import static dev.switchboard.server.internal.config.Setting.integer;
import static dev.switchboard.server.internal.config.Setting.list;
import static dev.switchboard.server.internal.config.Setting.secret;
import static dev.switchboard.server.internal.config.Setting.text;

import dev.switchboard.redis.RedisOptions;
import dev.switchboard.server.AuthMode;
import dev.switchboard.server.ServerConfig;
import dev.switchboard.server.internal.Brokers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key, in the order {@code --help} lists them. Defaults are read from a default
 * {@link ServerConfig} (and so from {@code GatewayOptions}), never written twice.
 */
final class Settings {

    static final ServerConfig DEFAULTS = ServerConfig.builder().build();

    /** The key of the configuration file's path; read before everything else, so it is a flag or variable only. */
    static final String CONFIG = "config";

    static final List<Setting> ALL = List.of(
            Setting.loaderOnly(CONFIG, "YAML file to read first; default ./switchboard.yaml when it exists"),
            text("host", "address the WebSocket port binds to", ServerConfig::host, ServerConfig.Builder::host),
            integer("port", "WebSocket port; 0 picks a free one", ServerConfig::port, ServerConfig.Builder::port),
            text("admin.host", "address the admin port (metrics, health, publish API) binds to",
                    ServerConfig::adminHost, ServerConfig.Builder::adminHost),
            integer("admin.port", "admin port; 0 picks a free one", ServerConfig::adminPort,
                    ServerConfig.Builder::adminPort),
            secret("admin.api-key", "key POST /api/publish requires; none refuses every call",
                    ServerConfig.Builder::adminApiKey),
            list("paths", "WebSocket paths, comma-separated", c -> c.gateway().paths(),
                    (b, v) -> b.gateway().paths(v)),
            list("allowed-origins", "allowed Origin values (https://app.example.com, *.example.com); empty allows any",
                    c -> c.gateway().allowedOrigins(), (b, v) -> b.gateway().allowedOrigins(v)),
            list("trusted-proxies", "proxies (IPs, CIDR blocks) whose X-Forwarded-For is believed",
                    c -> c.gateway().trustedProxies(), (b, v) -> b.gateway().trustedProxies(v)),
            integer("max-connections", "most WebSocket connections held at once", c -> c.gateway().maxConnections(),
                    (b, v) -> b.gateway().maxConnections(v)),
            integer("max-connections-per-ip", "most connections one client address may hold",
                    c -> c.gateway().maxConnectionsPerIp(), (b, v) -> b.gateway().maxConnectionsPerIp(v)),
            duration("handshake-timeout", "time a connection has to complete the upgrade",
                    c -> c.gateway().handshakeTimeout(), (b, v) -> b.gateway().handshakeTimeout(v)),
            integer("max-frame-size", "largest accepted message in bytes; larger ones close with 1009",
                    c -> c.gateway().maxFrameSize(), (b, v) -> b.gateway().maxFrameSize(v)),
            integer("rate-limit.per-second", "messages a connection may send per second, sustained",
                    c -> c.gateway().rateLimitPerSecond(), (b, v) -> b.gateway().rateLimitPerSecond(v)),
            integer("rate-limit.burst", "messages a connection may send in a burst",
                    c -> c.gateway().rateLimitBurst(), (b, v) -> b.gateway().rateLimitBurst(v)),
            integer("rate-limit.strikes", "messages over the limit answered with errors before closing with 1008",
                    c -> c.gateway().rateLimitStrikes(), (b, v) -> b.gateway().rateLimitStrikes(v)),
            duration("ping-interval", "silence after which the server pings a client",
                    c -> c.gateway().pingInterval(), (b, v) -> b.gateway().pingInterval(v)),
            duration("idle-timeout", "silence after which a client is closed; > ping-interval",
                    c -> c.gateway().idleTimeout(), (b, v) -> b.gateway().idleTimeout(v)),
            duration("presence-interval", "least time between two state (presence) broadcasts",
                    c -> c.gateway().presenceInterval(), (b, v) -> b.gateway().presenceInterval(v)),
            integer("write-buffer.low", "bytes queued to a client below which it is writable again",
                    c -> c.gateway().writeBufferLowWaterMark(), ServerConfig.Builder::writeBufferLow),
            integer("write-buffer.high", "bytes queued to a client above which broadcasts to it are dropped",
                    c -> c.gateway().writeBufferHighWaterMark(), ServerConfig.Builder::writeBufferHigh),
            integer("slow-consumer.max-drops", "messages dropped for a stalled client before closing it with 1013",
                    c -> c.gateway().slowConsumerMaxDrops(), (b, v) -> b.gateway().slowConsumerMaxDrops(v)),
            duration("controller-timeout", "time a controller module may take before the client gets a timeout",
                    c -> c.gateway().controllerTimeout(), (b, v) -> b.gateway().controllerTimeout(v)),
            text("client-publish", "glob of rooms clients may publish to (chat.*); empty turns client publish off",
                    c -> c.gateway().clientPublishPattern(),
                    (b, v) -> b.gateway().clientPublishPattern(v.isEmpty() ? null : v)),
            integer("max-rooms", "rooms one connection may join", c -> c.gateway().maxRoomsPerConnection(),
                    (b, v) -> b.gateway().maxRoomsPerConnection(v)),
            // Each start picks a new random id, so help shows no value for it.
            text("instance-id", "this instance's id, unique in a cluster; empty picks a random one",
                    c -> "(random)", (b, v) -> b.gateway().instanceId(v.isEmpty() ? null : v)),
            integer("workers", "I/O threads; 0 is Netty's default (twice the cores)", ServerConfig::workers,
                    ServerConfig.Builder::workers),
            duration("drain", "window over which clients are closed (1001) at shutdown", ServerConfig::drain,
                    ServerConfig.Builder::drain),
            choice("auth.mode", "who may connect: anonymous (everyone), jwt (an HS256 token), redis (token looked up in"
                    + " Redis) or http (the app answers at app.connect-url)", AuthMode.class,
                    ServerConfig::authMode, ServerConfig.Builder::authMode),
            secret("auth.jwt.secret", "HS256 secret for auth.mode=jwt, >= 32 bytes", ServerConfig.Builder::jwtSecret),
            duration("auth.jwt.clock-skew", "allowance for the exp and nbf checks", ServerConfig::jwtClockSkew,
                    ServerConfig.Builder::jwtClockSkew),
            text("broker", "how instances share messages and presence: " + String.join(", ", Brokers.NAMES),
                    ServerConfig::broker, ServerConfig.Builder::broker),
            text("redis.url", "Redis server for broker=redis (redis://[user:pass@]host:port[/db], rediss:// for TLS)",
                    c -> c.redis().url(), (b, v) -> b.redis().url(v)),
            text("redis.sentinel.master", "Sentinel master name (with redis.sentinel.addresses)",
                    c -> c.redis().sentinelMasterName(), ServerConfig.Builder::redisSentinelMaster),
            list("redis.sentinel.addresses", "Sentinel addresses redis://host:port, comma-separated; set to use Sentinel",
                    c -> c.redis().sentinelAddresses(), ServerConfig.Builder::redisSentinelAddresses),
            list("redis.cluster.nodes", "Redis Cluster node addresses redis://host:port, comma-separated; set to use a cluster",
                    c -> c.redis().clusterNodes(), (b, v) -> b.redis().clusterNodes(v)),
            text("redis.username", "Redis ACL user name", c -> c.redis().username(), (b, v) -> b.redis().username(v)),
            secret("redis.password", "Redis password", (b, v) -> b.redis().password(v)),
            list("redis.channels", "app channels: each is subscribed and its messages go to every client on that channel",
                    c -> c.redis().channels(), (b, v) -> b.redis().channels(v)),
            text("redis.publish-channel", "structured channel ({channel, message, user_id?, room?})",
                    c -> c.redis().publishChannel(), (b, v) -> b.redis().publishChannel(v)),
            text("redis.key-prefix", "prefix of every Redis key and channel the gateway owns",
                    c -> c.redis().keyPrefix(), (b, v) -> b.redis().keyPrefix(v)),
            choice("redis.relay", "what carries pub/sub: auto (direct for one redis:// server, else redisson), direct"
                    + " (two plain connections on the I/O threads) or redisson (Sentinel, Cluster, TLS)",
                    RedisOptions.Relay.class, c -> c.redis().relay(), (b, v) -> b.redis().relay(v)),
            duration("redis.presence-ttl", "how long a silent instance still counts in presence (kill -9 bound)",
                    c -> c.redis().presenceTtl(), (b, v) -> b.redis().presenceTtl(v)),
            secret("app.secret", "signs every request to the app (HMAC-SHA256), >= 32 bytes",
                    ServerConfig.Builder::appSecret),
            text("app.connect-url", "URL auth.mode=http posts {token, user_id, fingerprint, ip, origin} to",
                    ServerConfig::appConnectUrl, ServerConfig.Builder::appConnectUrl),
            text("app.backend", "base URL controller calls go to when no in-process module handles them; empty: off",
                    ServerConfig::appBackend, ServerConfig.Builder::appBackend),
            text("app.url-template", "URL of a forwarded controller call", ServerConfig::appUrlTemplate,
                    ServerConfig.Builder::appUrlTemplate),
            text("app.default-action", "action of controller calls that name none", ServerConfig::appDefaultAction,
                    ServerConfig.Builder::appDefaultAction),
            duration("app.timeout", "time a request to the app may take", ServerConfig::appTimeout,
                    ServerConfig.Builder::appTimeout),
            text("app.webhook-url", "URL lifecycle events (connect, disconnect, subscribe, unsubscribe) go to; empty: off",
                    ServerConfig::appWebhookUrl, ServerConfig.Builder::appWebhookUrl),
            bool("echo-module", "register the diagnostic controller module echo (for end-to-end tests)",
                    ServerConfig::echoModule, ServerConfig.Builder::echoModule));

    private static final Map<String, Setting> BY_KEY = new LinkedHashMap<>();
    private static final Map<String, Setting> BY_ENV = new LinkedHashMap<>();

    static {
        for (Setting s : ALL) {
            BY_KEY.put(s.key(), s);
            BY_ENV.put(s.envName(), s);
        }
    }

    private Settings() {
    }

    /** Returns the setting of {@code key}, or {@code null}. */
    static Setting byKey(String key) {
        return BY_KEY.get(key);
    }

    /** Returns the setting of the environment variable {@code name}, or {@code null}. */
    static Setting byEnv(String name) {
        return BY_ENV.get(name);
    }
}
