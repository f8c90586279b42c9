package dev.switchboard.server;

import dev.switchboard.core.GatewayOptions;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.server.internal.Brokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable settings of a standalone {@link Switchboard}: the gateway's {@link GatewayOptions} plus what only
 * a server has (ports, admin API, authentication mode, broker, drain window). Validation messages name the
 * configuration keys ({@code admin.port}, {@code auth.jwt.secret}) because that is what an operator typed.
 */
public final class ServerConfig {

    /**
     * The cross-field checks {@link GatewayOptions.Builder#build()} and its water-mark setter make, by the
     * core name in their messages; everything else is checked per key as the value is set.
     */
    private static final Map<String, String> CORE_KEYS = Map.of(
            "idleTimeout", "idle-timeout",
            "writeBufferLowWaterMark", "write-buffer.low",
            "writeBufferHighWaterMark", "write-buffer.high");

    private final GatewayOptions gateway;
    private final String host;
    private final int port;
    private final String adminHost;
    private final int adminPort;
    private final String adminApiKey;
    private final int workers;
    private final Duration drain;
    private final AuthMode authMode;
    private final String jwtSecret;
    private final Duration jwtClockSkew;
    private final String broker;
    private final boolean echoModule;
    private final RedisOptions redis;
    private final String appSecret;
    private final String appConnectUrl;
    private final String appBackend;
    private final String appUrlTemplate;
    private final String appDefaultAction;
    private final Duration appTimeout;
    private final String appWebhookUrl;

    private ServerConfig(Builder b, GatewayOptions gateway, RedisOptions redis) {
        this.gateway = gateway;
        this.redis = redis;
        appSecret = b.appSecret;
        appConnectUrl = b.appConnectUrl;
        appBackend = b.appBackend;
        appUrlTemplate = b.appUrlTemplate;
        appDefaultAction = b.appDefaultAction;
        appTimeout = b.appTimeout;
        appWebhookUrl = b.appWebhookUrl;
        host = b.host;
        port = b.port;
        adminHost = b.adminHost;
        adminPort = b.adminPort;
        adminApiKey = b.adminApiKey;
        workers = b.workers;
        drain = b.drain;
        authMode = b.authMode;
        jwtSecret = b.jwtSecret;
        jwtClockSkew = b.jwtClockSkew;
        broker = b.broker;
        echoModule = b.echoModule;
    }

    /** Returns a builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public GatewayOptions gateway() { return gateway; }
    public String host() { return host; }
    public int port() { return port; }
    public String adminHost() { return adminHost; }
    public int adminPort() { return adminPort; }
    /** Returns the admin API key, or {@code null} when none is set (the publish API then refuses everyone). */
    public String adminApiKey() { return adminApiKey; }
    public int workers() { return workers; }
    public Duration drain() { return drain; }
    public AuthMode authMode() { return authMode; }
    /** Returns the JWT secret (used when {@link #authMode()} is {@link AuthMode#JWT}), or {@code null}. */
    public String jwtSecret() { return jwtSecret; }
    public Duration jwtClockSkew() { return jwtClockSkew; }
    public String broker() { return broker; }
    public boolean echoModule() { return echoModule; }
    /** Returns the Redis settings (used when {@link #broker()} is {@code redis}). */
    public RedisOptions redis() { return redis; }
    /** Returns the secret that signs every request to the application, or {@code null}. */
    public String appSecret() { return appSecret; }
    /** Returns the URL {@link AuthMode#HTTP} asks who a token belongs to, or {@code null}. */
    public String appConnectUrl() { return appConnectUrl; }
    /** Returns the base URL controller calls are forwarded to, or {@code null} (forwarding off). */
    public String appBackend() { return appBackend; }
    public String appUrlTemplate() { return appUrlTemplate; }
    public String appDefaultAction() { return appDefaultAction; }
    public Duration appTimeout() { return appTimeout; }
    /** Returns the URL lifecycle webhooks go to, or {@code null} (webhooks off). */
    public String appWebhookUrl() { return appWebhookUrl; }

    /** Tells whether anything talks to the application over HTTP. */
    public boolean usesApp() {
        return authMode == AuthMode.HTTP || appBackend != null || appWebhookUrl != null;
    }

    @Override
    public String toString() {
        // Secrets stay out: this string may reach a log.
        return "ServerConfig{public=" + host + ':' + port + ", admin=" + adminHost + ':' + adminPort
                + ", apiKey=" + (adminApiKey == null ? "none" : "set") + ", auth=" + authMode + ", broker=" + broker
                + ", workers=" + workers + ", drain=" + drain + ", " + gateway + '}';
    }

    /** Collects settings; each setter validates at once and names the configuration key. */
    public static final class Builder {
        private final GatewayOptions.Builder gateway;
        private final GatewayOptions gatewayDefaults = GatewayOptions.defaults();
        private Integer writeBufferLow;
        private Integer writeBufferHigh;
        private String host = "0.0.0.0";
        private int port = 8085;
        private String adminHost = "127.0.0.1";
        private int adminPort = 8086;
        private String adminApiKey;
        private int workers;
        private Duration drain = Duration.ofSeconds(10);
        private AuthMode authMode = AuthMode.ANONYMOUS;
        private String jwtSecret;
        private Duration jwtClockSkew = Duration.ofSeconds(30);
        private String broker = Brokers.LOCAL;
        private boolean echoModule;
        private final RedisOptions.Builder redis;
        private String appSecret;
        private String appConnectUrl;
        private String appBackend;
        private String appUrlTemplate = "{backend}/{module}/{action}";
        private String appDefaultAction = "ws";
        private Duration appTimeout = Duration.ofSeconds(5);
        private String appWebhookUrl;
        private String redisSentinelMaster;
        private List<String> redisSentinelAddresses = List.of();

        private Builder() {
            gateway = GatewayOptions.builder();
            redis = RedisOptions.builder();
        }

        private Builder(ServerConfig c) {
            gateway = c.gateway.toBuilder();
            redis = c.redis.toBuilder();
            appSecret = c.appSecret;
            appConnectUrl = c.appConnectUrl;
            appBackend = c.appBackend;
            appUrlTemplate = c.appUrlTemplate;
            appDefaultAction = c.appDefaultAction;
            appTimeout = c.appTimeout;
            appWebhookUrl = c.appWebhookUrl;
            host = c.host;
            port = c.port;
            adminHost = c.adminHost;
            adminPort = c.adminPort;
            adminApiKey = c.adminApiKey;
            workers = c.workers;
            drain = c.drain;
            authMode = c.authMode;
            jwtSecret = c.jwtSecret;
            jwtClockSkew = c.jwtClockSkew;
            broker = c.broker;
            echoModule = c.echoModule;
        }

        /** Returns the Redis options being built, to set them in place. */
        public RedisOptions.Builder redis() {
            return redis;
        }

        /** Sets the Sentinel master name (with {@link #redisSentinelAddresses}); default none. */
        public Builder redisSentinelMaster(String name) {
            redisSentinelMaster = name == null || name.isEmpty() ? null : name;
            return this;
        }

        /** Sets the Sentinel addresses (host:port); non-empty switches Redis to Sentinel mode. Default none. */
        public Builder redisSentinelAddresses(List<String> addresses) {
            redisSentinelAddresses = List.copyOf(addresses);
            return this;
        }

        /** Sets the secret (>= 32 bytes) that signs every request to the application; required when any app.* URL is set. */
        public Builder appSecret(String secret) {
            appSecret = secret("app.secret", secret, ">= 32 bytes");
            return this;
        }

        /** Sets the URL that auth.mode=http posts {token, user_id, fingerprint, ip, origin} to; default none. */
        public Builder appConnectUrl(String url) {
            appConnectUrl = httpUrl("app.connect-url", url);
            return this;
        }

        /** Sets the base URL controller calls for modules without an in-process handler go to; default none (off). */
        public Builder appBackend(String url) {
            appBackend = httpUrl("app.backend", url);
            return this;
        }

        /** Sets the URL template of forwarded controller calls; default {@code {backend}/{module}/{action}}. */
        public Builder appUrlTemplate(String template) {
            require(template != null && template.contains("{module}"), "app.url-template", template,
                    "a template with {module}, such as {backend}/{module}/{action}");
            appUrlTemplate = template;
            return this;
        }

        /** Sets the action of controller calls that name none; default {@code ws}. */
        public Builder appDefaultAction(String action) {
            require(action != null && action.matches("[A-Za-z][A-Za-z0-9_-]{0,63}"), "app.default-action", action,
                    "a name such as ws (PHP frameworks hide methods starting with _)");
            appDefaultAction = action;
            return this;
        }

        /** Sets how long a request to the application may take; default 5 s. */
        public Builder appTimeout(Duration d) {
            Objects.requireNonNull(d, "app.timeout");
            require(!d.isNegative() && !d.isZero(), "app.timeout", d, "> 0");
            appTimeout = d;
            return this;
        }

        /** Sets the URL lifecycle events (connect, disconnect, subscribe, unsubscribe) are posted to; default none (off). */
        public Builder appWebhookUrl(String url) {
            appWebhookUrl = httpUrl("app.webhook-url", url);
            return this;
        }

        private static String httpUrl(String key, String url) {
            if (url == null || url.isEmpty()) {
                return null;
            }
            require(url.startsWith("http://") || url.startsWith("https://"), key, url, "an http:// or https:// URL");
            try {
                java.net.URI.create(url);
            } catch (IllegalArgumentException e) {
                require(false, key, url, "a valid URL");
            }
            return url;
        }

        /** Returns the gateway options being built, to set them in place. */
        public GatewayOptions.Builder gateway() {
            return gateway;
        }

        /** Sets the write-buffer low water mark in bytes; default {@link GatewayOptions}'s (32 KiB). */
        public Builder writeBufferLow(int bytes) {
            writeBufferLow = bytes;
            return this;
        }

        /** Sets the write-buffer high water mark in bytes; default {@link GatewayOptions}'s (128 KiB). */
        public Builder writeBufferHigh(int bytes) {
            writeBufferHigh = bytes;
            return this;
        }

        /** Sets the address the WebSocket port binds to; default {@code 0.0.0.0}. */
        public Builder host(String host) {
            this.host = requireHost("host", host);
            return this;
        }

        /** Sets the WebSocket port; 0 picks a free one. Default 8085. */
        public Builder port(int port) {
            this.port = requirePort("port", port);
            return this;
        }

        /** Sets the address the admin port binds to; default {@code 127.0.0.1}, never exposed by accident. */
        public Builder adminHost(String host) {
            this.adminHost = requireHost("admin.host", host);
            return this;
        }

        /** Sets the admin port; 0 picks a free one. Default 8086. */
        public Builder adminPort(int port) {
            this.adminPort = requirePort("admin.port", port);
            return this;
        }

        /** Sets the key the publish API requires, or {@code null} (the default) to refuse every publish call. */
        public Builder adminApiKey(String key) {
            this.adminApiKey = key == null || key.isEmpty() ? null : key;
            return this;
        }

        /** Sets the number of I/O threads; default 0 (Netty's default: twice the cores). */
        public Builder workers(int n) {
            require(n >= 0, "workers", n, ">= 0");
            workers = n;
            return this;
        }

        /** Sets the window over which clients are closed at shutdown; default 10 s. */
        public Builder drain(Duration d) {
            drain = nonNegative("drain", d);
            return this;
        }

        /** Sets the authentication mode; default {@link AuthMode#ANONYMOUS}. */
        public Builder authMode(AuthMode mode) {
            authMode = Objects.requireNonNull(mode, "auth.mode");
            return this;
        }

        /** Sets the HS256 secret for {@link AuthMode#JWT}: at least 32 bytes. Default none. */
        public Builder jwtSecret(String secret) {
            jwtSecret = secret("auth.jwt.secret", secret, ">= 32 bytes for HS256");
            return this;
        }

        /** Sets the allowance for {@code exp} and {@code nbf} checks; default 30 s. */
        public Builder jwtClockSkew(Duration d) {
            jwtClockSkew = nonNegative("auth.jwt.clock-skew", d);
            return this;
        }

        /** Sets the broker by name; default {@code local} (one process, no Redis). */
        public Builder broker(String name) {
            require(Brokers.NAMES.contains(name), "broker", name, String.join(" or ", Brokers.NAMES));
            broker = name;
            return this;
        }

        /** Registers the diagnostic {@code echo} controller module; default off. */
        public Builder echoModule(boolean on) {
            echoModule = on;
            return this;
        }

        /** Builds the settings; checks that they agree with each other. */
        public ServerConfig build() {
            require(authMode != AuthMode.JWT || jwtSecret != null, "auth.jwt.secret", "missing",
                    "a secret of >= 32 bytes when auth.mode is jwt");
            require(authMode != AuthMode.REDIS || Brokers.REDIS.equals(broker), "auth.mode", "redis",
                    "broker=redis as well: tokens are looked up in the broker's Redis");
            require(authMode != AuthMode.HTTP || appConnectUrl != null, "app.connect-url", "missing",
                    "the app's URL when auth.mode is http");
            boolean usesApp = authMode == AuthMode.HTTP || appBackend != null || appWebhookUrl != null;
            require(!usesApp || appSecret != null, "app.secret", "missing",
                    "a secret of >= 32 bytes: every request to the app is signed");
            RedisOptions redisOptions;
            try {
                if (!redisSentinelAddresses.isEmpty()) {
                    redis.sentinel(redisSentinelMaster, redisSentinelAddresses);
                }
                redisOptions = redis.build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("redis." + e.getMessage(), e);
            }
            GatewayOptions options;
            try {
                if (writeBufferLow != null || writeBufferHigh != null) {
                    gateway.writeBufferWaterMarks(
                            writeBufferLow != null ? writeBufferLow : gatewayDefaults.writeBufferLowWaterMark(),
                            writeBufferHigh != null ? writeBufferHigh : gatewayDefaults.writeBufferHighWaterMark());
                }
                options = gateway.build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(withConfigKey(e.getMessage()), e);
            }
            return new ServerConfig(this, options, redisOptions);
        }

        private static String withConfigKey(String message) {
            int colon = message.indexOf(':');
            String key = colon < 0 ? null : CORE_KEYS.get(message.substring(0, colon));
            return key == null ? message : key + message.substring(colon);
        }

        private static Duration nonNegative(String key, Duration d) {
            Objects.requireNonNull(d, key);
            require(!d.isNegative(), key, d, ">= 0");
            return d;
        }

        /** Checks a secret's length; the value itself never enters a message. */
        private static String secret(String key, String secret, String expected) {
            int bytes = secret == null ? 0 : secret.getBytes(StandardCharsets.UTF_8).length;
            require(bytes >= 32, key, bytes + " bytes", expected);
            return secret;
        }

        private static String requireHost(String key, String host) {
            require(host != null && !host.isBlank(), key, host, "an address or host name");
            return host;
        }

        private static int requirePort(String key, int port) {
            require(port >= 0 && port <= 65535, key, port, "0..65535");
            return port;
        }

        private static void require(boolean ok, String key, Object value, String expected) {
            if (!ok) {
                throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
            }
        }
    }
}
