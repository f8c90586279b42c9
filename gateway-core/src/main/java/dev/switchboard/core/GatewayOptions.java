package dev.switchboard.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Immutable settings of a {@link Gateway}. Create with {@link #builder()}; derive a changed copy with
 * {@link #toBuilder()}. Every setter validates at once and names the key in its message, so a bad value
 * fails at start, never under load. Defaults are stated on each builder method.
 */
public final class GatewayOptions {

    private final List<String> paths;
    private final List<String> allowedOrigins;
    private final List<String> trustedProxies;
    private final int maxConnections;
    private final int maxConnectionsPerIp;
    private final Duration handshakeTimeout;
    private final int maxFrameSize;
    private final int rateLimitPerSecond;
    private final int rateLimitBurst;
    private final int rateLimitStrikes;
    private final Duration pingInterval;
    private final Duration idleTimeout;
    private final Duration presenceInterval;
    private final int writeBufferLowWaterMark;
    private final int writeBufferHighWaterMark;
    private final int slowConsumerMaxDrops;
    private final Duration controllerTimeout;
    private final String clientPublishPattern;
    private final Pattern clientPublishRegex;
    private final int maxRoomsPerConnection;
    private final String instanceId;

    private GatewayOptions(Builder b) {
        paths = List.copyOf(b.paths);
        allowedOrigins = List.copyOf(b.allowedOrigins);
        trustedProxies = List.copyOf(b.trustedProxies);
        maxConnections = b.maxConnections;
        maxConnectionsPerIp = b.maxConnectionsPerIp;
        handshakeTimeout = b.handshakeTimeout;
        maxFrameSize = b.maxFrameSize;
        rateLimitPerSecond = b.rateLimitPerSecond;
        rateLimitBurst = b.rateLimitBurst;
        rateLimitStrikes = b.rateLimitStrikes;
        pingInterval = b.pingInterval;
        idleTimeout = b.idleTimeout;
        presenceInterval = b.presenceInterval;
        writeBufferLowWaterMark = b.writeBufferLowWaterMark;
        writeBufferHighWaterMark = b.writeBufferHighWaterMark;
        slowConsumerMaxDrops = b.slowConsumerMaxDrops;
        controllerTimeout = b.controllerTimeout;
        clientPublishPattern = b.clientPublishPattern;
        clientPublishRegex = b.clientPublishPattern == null ? null : globToRegex(b.clientPublishPattern);
        maxRoomsPerConnection = b.maxRoomsPerConnection;
        instanceId = b.instanceId != null ? b.instanceId : UUID.randomUUID().toString().substring(0, 8);
    }

    /** Returns a builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the default options. */
    public static GatewayOptions defaults() {
        return builder().build();
    }

    /** Returns a builder that starts from these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public List<String> paths() { return paths; }
    public List<String> allowedOrigins() { return allowedOrigins; }
    public List<String> trustedProxies() { return trustedProxies; }
    public int maxConnections() { return maxConnections; }
    public int maxConnectionsPerIp() { return maxConnectionsPerIp; }
    public Duration handshakeTimeout() { return handshakeTimeout; }
    public int maxFrameSize() { return maxFrameSize; }
    public int rateLimitPerSecond() { return rateLimitPerSecond; }
    public int rateLimitBurst() { return rateLimitBurst; }
    public int rateLimitStrikes() { return rateLimitStrikes; }
    public Duration pingInterval() { return pingInterval; }
    public Duration idleTimeout() { return idleTimeout; }
    public Duration presenceInterval() { return presenceInterval; }
    public int writeBufferLowWaterMark() { return writeBufferLowWaterMark; }
    public int writeBufferHighWaterMark() { return writeBufferHighWaterMark; }
    public int slowConsumerMaxDrops() { return slowConsumerMaxDrops; }
    public Duration controllerTimeout() { return controllerTimeout; }
    /** Returns the glob of rooms clients may publish to, or {@code null} when client publish is off. */
    public String clientPublishPattern() { return clientPublishPattern; }
    public int maxRoomsPerConnection() { return maxRoomsPerConnection; }
    public String instanceId() { return instanceId; }

    /** Tells whether a client may publish to {@code room}. */
    public boolean clientMayPublish(String room) {
        return clientPublishRegex != null && clientPublishRegex.matcher(room).matches();
    }

    static Pattern globToRegex(String glob) {
        String[] parts = glob.split("\\*", -1);
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }

    @Override
    public String toString() {
        return "GatewayOptions{paths=" + paths + ", allowedOrigins=" + allowedOrigins
                + ", maxConnections=" + maxConnections + ", maxConnectionsPerIp=" + maxConnectionsPerIp
                + ", maxFrameSize=" + maxFrameSize + ", rateLimit=" + rateLimitPerSecond + "/s burst "
                + rateLimitBurst + ", presenceInterval=" + presenceInterval + ", instanceId=" + instanceId + '}';
    }

    /** Collects options; each setter validates its argument at once. */
    public static final class Builder {
        private List<String> paths = List.of("/ws", "/");
        private List<String> allowedOrigins = List.of();
        private List<String> trustedProxies = List.of();
        private int maxConnections = 100_000;
        private int maxConnectionsPerIp = 1_000;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private int maxFrameSize = 64 * 1024;
        private int rateLimitPerSecond = 20;
        private int rateLimitBurst = 40;
        private int rateLimitStrikes = 10;
        private Duration pingInterval = Duration.ofSeconds(25);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration presenceInterval = Duration.ofSeconds(1);
        private int writeBufferLowWaterMark = 32 * 1024;
        private int writeBufferHighWaterMark = 128 * 1024;
        private int slowConsumerMaxDrops = 100;
        private Duration controllerTimeout = Duration.ofSeconds(10);
        private String clientPublishPattern;
        private int maxRoomsPerConnection = 64;
        private String instanceId;

        private Builder() {
        }

        private Builder(GatewayOptions o) {
            paths = o.paths;
            allowedOrigins = o.allowedOrigins;
            trustedProxies = o.trustedProxies;
            maxConnections = o.maxConnections;
            maxConnectionsPerIp = o.maxConnectionsPerIp;
            handshakeTimeout = o.handshakeTimeout;
            maxFrameSize = o.maxFrameSize;
            rateLimitPerSecond = o.rateLimitPerSecond;
            rateLimitBurst = o.rateLimitBurst;
            rateLimitStrikes = o.rateLimitStrikes;
            pingInterval = o.pingInterval;
            idleTimeout = o.idleTimeout;
            presenceInterval = o.presenceInterval;
            writeBufferLowWaterMark = o.writeBufferLowWaterMark;
            writeBufferHighWaterMark = o.writeBufferHighWaterMark;
            slowConsumerMaxDrops = o.slowConsumerMaxDrops;
            controllerTimeout = o.controllerTimeout;
            clientPublishPattern = o.clientPublishPattern;
            maxRoomsPerConnection = o.maxRoomsPerConnection;
            instanceId = o.instanceId;
        }

        /** Sets the WebSocket paths; default {@code /ws} and {@code /} (the old PHP server's). */
        public Builder paths(List<String> paths) {
            Objects.requireNonNull(paths, "paths");
            require(!paths.isEmpty(), "paths", paths, "at least one path");
            for (String p : paths) {
                require(p != null && p.startsWith("/") && !p.contains("?"), "paths", paths,
                        "absolute paths without a query, such as /ws");
            }
            this.paths = List.copyOf(paths);
            return this;
        }

        /**
         * Sets the allowed {@code Origin} values: exact ({@code https://app.example.com}) or a wildcard host
         * ({@code *.example.com}, any scheme). Default empty: every origin is allowed and a warning is logged
         * at start.
         */
        public Builder allowedOrigins(List<String> origins) {
            Objects.requireNonNull(origins, "allowedOrigins");
            for (String o : origins) {
                require(o != null && !o.isBlank(), "allowedOrigins", origins, "non-blank origins");
            }
            this.allowedOrigins = List.copyOf(origins);
            return this;
        }

        /**
         * Sets the proxies (IP addresses or CIDR blocks) whose {@code X-Forwarded-For} is believed; default
         * none, so the TCP peer is the client.
         */
        public Builder trustedProxies(List<String> proxies) {
            Objects.requireNonNull(proxies, "trustedProxies");
            for (String p : proxies) {
                require(p != null && !p.isBlank(), "trustedProxies", proxies, "IP addresses or CIDR blocks");
            }
            this.trustedProxies = List.copyOf(proxies);
            return this;
        }

        /** Sets the most WebSocket connections held at once; default 100000. */
        public Builder maxConnections(int n) {
            require(n > 0, "maxConnections", n, "> 0");
            maxConnections = n;
            return this;
        }

        /** Sets the most connections one client address may hold; default 1000. */
        public Builder maxConnectionsPerIp(int n) {
            require(n > 0, "maxConnectionsPerIp", n, "> 0");
            maxConnectionsPerIp = n;
            return this;
        }

        /** Sets how long a TCP connection may take to complete the upgrade; default 10 s. */
        public Builder handshakeTimeout(Duration d) {
            handshakeTimeout = positive("handshakeTimeout", d);
            return this;
        }

        /** Sets the largest accepted message in bytes; larger ones close the connection with 1009. Default 65536. */
        public Builder maxFrameSize(int n) {
            require(n >= 256 && n <= 16 * 1024 * 1024, "maxFrameSize", n, "256..16777216");
            maxFrameSize = n;
            return this;
        }

        /** Sets the sustained message rate a connection may send (token bucket refill); default 20 per second. */
        public Builder rateLimitPerSecond(int n) {
            require(n > 0, "rateLimitPerSecond", n, "> 0");
            rateLimitPerSecond = n;
            return this;
        }

        /** Sets the token bucket size (burst); default 40. */
        public Builder rateLimitBurst(int n) {
            require(n > 0, "rateLimitBurst", n, "> 0");
            rateLimitBurst = n;
            return this;
        }

        /**
         * Sets how many messages over the limit, without one allowed message between them, are answered with
         * {@code rate_limited} errors before the connection is closed with 1008; default 10.
         */
        public Builder rateLimitStrikes(int n) {
            require(n > 0, "rateLimitStrikes", n, "> 0");
            rateLimitStrikes = n;
            return this;
        }

        /** Sets how long a connection may be silent before the server pings it; default 25 s. */
        public Builder pingInterval(Duration d) {
            pingInterval = positive("pingInterval", d);
            return this;
        }

        /** Sets how long a connection may stay silent (pings unanswered) before it is closed; default 60 s. */
        public Builder idleTimeout(Duration d) {
            idleTimeout = positive("idleTimeout", d);
            return this;
        }

        /** Sets the least time between two {@code state} broadcasts; default 1 s. */
        public Builder presenceInterval(Duration d) {
            presenceInterval = positive("presenceInterval", d);
            return this;
        }

        /**
         * Sets the write-buffer water marks in bytes; above {@code high} a connection is unwritable and
         * broadcasts to it are dropped and counted. Default 32 KiB / 128 KiB.
         */
        public Builder writeBufferWaterMarks(int low, int high) {
            require(low > 0, "writeBufferLowWaterMark", low, "> 0");
            require(high >= low, "writeBufferHighWaterMark", high, ">= low water mark " + low);
            writeBufferLowWaterMark = low;
            writeBufferHighWaterMark = high;
            return this;
        }

        /** Sets how many messages may be dropped for a stalled client before it is closed with 1013; default 100. */
        public Builder slowConsumerMaxDrops(int n) {
            require(n >= 0, "slowConsumerMaxDrops", n, ">= 0");
            slowConsumerMaxDrops = n;
            return this;
        }

        /** Sets how long a {@code controller} module may take before the client gets a {@code timeout} error; default 10 s. */
        public Builder controllerTimeout(Duration d) {
            controllerTimeout = positive("controllerTimeout", d);
            return this;
        }

        /**
         * Sets the glob ({@code *} matches anything) of rooms clients may publish to, or {@code null} to turn
         * client publish off. Default {@code null} (off).
         */
        public Builder clientPublishPattern(String glob) {
            require(glob == null || !glob.isBlank(), "clientPublishPattern", glob, "a glob such as chat.* or null");
            clientPublishPattern = glob;
            return this;
        }

        /** Sets how many rooms one connection may join; default 64. */
        public Builder maxRoomsPerConnection(int n) {
            require(n >= 0, "maxRoomsPerConnection", n, ">= 0");
            maxRoomsPerConnection = n;
            return this;
        }

        /** Sets this instance's id, unique in a cluster; default a random 8-character id. */
        public Builder instanceId(String id) {
            require(id == null || id.matches("[A-Za-z0-9_.-]{1,64}"), "instanceId", id, "1-64 of [A-Za-z0-9_.-]");
            instanceId = id;
            return this;
        }

        /** Builds the options; checks that the settings agree with each other. */
        public GatewayOptions build() {
            require(idleTimeout.compareTo(pingInterval) > 0, "idleTimeout", idleTimeout,
                    "> pingInterval " + pingInterval);
            return new GatewayOptions(this);
        }

        private static Duration positive(String key, Duration d) {
            Objects.requireNonNull(d, key);
            require(!d.isNegative() && !d.isZero(), key, d, "> 0");
            return d;
        }

        private static void require(boolean ok, String key, Object value, String expected) {
            if (!ok) {
                throw new IllegalArgumentException(key + ": " + value + " (expected: " + expected + ")");
            }
        }
    }
}
