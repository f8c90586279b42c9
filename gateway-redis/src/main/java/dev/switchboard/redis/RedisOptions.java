package dev.switchboard.redis;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a {@link RedissonBroker} reaches Redis and names what it keeps there. Immutable; build with
 * {@link #builder()}, change a copy with {@link #toBuilder()}. Every setter validates its argument at once.
 *
 * <p>Topology: a single server (or a managed endpoint) by {@link Builder#url(String)}; Sentinel when
 * {@link Builder#sentinel(String, List)} is set; Redis Cluster when {@link Builder#clusterNodes(List)} is set.
 * The two are exclusive. {@code rediss://} addresses use TLS with the JVM's default trust store.
 */
public final class RedisOptions {

    /** What carries the broker's pub/sub. Presence and tokens always go through Redisson. */
    public enum Relay {
        /** {@link #DIRECT} for one {@code redis://} server, {@link #REDISSON} otherwise. */
        AUTO,
        /**
         * Two plain connections on the gateway's event loops, one publishing and one subscribed: instance to
         * instance at 10,000 msg/s, +1.4 ms at p99 over one instance against Redisson's +3.5 ms in the same run
         * ({@code docs/benchmarks.md}). One {@code redis://} server only.
         */
        DIRECT,
        /** Redisson's pub/sub: Sentinel and Cluster fail-over, TLS. */
        REDISSON;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Names the gateway uses itself; the application may not publish on them. */
    static final Set<String> RESERVED_CHANNELS = Set.of("state", "reply", "error");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_:.@/\\-]{1,128}");

    private final String url;
    private final List<String> sentinelAddresses;
    private final String sentinelMasterName;
    private final List<String> clusterNodes;
    private final String username;
    private final String password;
    private final List<String> channels;
    private final String publishChannel;
    private final String keyPrefix;
    private final Duration presenceTtl;
    private final Duration heartbeatInterval;
    private final Duration timeout;
    private final Duration pingInterval;
    private final int maxMessageSize;
    private final int maxPendingPublishes;
    private final int reapBatch;
    private final int threads;
    private final Relay relay;

    private RedisOptions(Builder b) {
        url = b.url;
        sentinelAddresses = List.copyOf(b.sentinelAddresses);
        sentinelMasterName = b.sentinelMasterName;
        clusterNodes = List.copyOf(b.clusterNodes);
        username = b.username;
        password = b.password;
        channels = List.copyOf(b.channels);
        publishChannel = b.publishChannel;
        keyPrefix = b.keyPrefix;
        presenceTtl = b.presenceTtl;
        heartbeatInterval = b.heartbeatInterval;
        timeout = b.timeout;
        pingInterval = b.pingInterval;
        maxMessageSize = b.maxMessageSize;
        maxPendingPublishes = b.maxPendingPublishes;
        reapBatch = b.reapBatch;
        threads = b.threads;
        relay = b.relay;
    }

    /** Returns a builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the options with every default: {@code redis://127.0.0.1:6379}, no app channels. */
    public static RedisOptions defaults() {
        return builder().build();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.url = url;
        b.sentinelAddresses = sentinelAddresses;
        b.sentinelMasterName = sentinelMasterName;
        b.clusterNodes = clusterNodes;
        b.username = username;
        b.password = password;
        b.channels = channels;
        b.publishChannel = publishChannel;
        b.keyPrefix = keyPrefix;
        b.presenceTtl = presenceTtl;
        b.heartbeatInterval = heartbeatInterval;
        b.timeout = timeout;
        b.pingInterval = pingInterval;
        b.maxMessageSize = maxMessageSize;
        b.maxPendingPublishes = maxPendingPublishes;
        b.reapBatch = reapBatch;
        b.threads = threads;
        b.relay = relay;
        return b;
    }

    /** Returns the single-server address, {@code redis://[user:pass@]host:port[/db]} or {@code rediss://...}. */
    public String url() { return url; }
    /** Returns the Sentinel addresses; empty unless Sentinel is used. */
    public List<String> sentinelAddresses() { return sentinelAddresses; }
    /** Returns the Sentinel master name, or {@code null}. */
    public String sentinelMasterName() { return sentinelMasterName; }
    /** Returns the cluster seed nodes; empty unless Redis Cluster is used. */
    public List<String> clusterNodes() { return clusterNodes; }
    /** Returns the user name, or {@code null} (then the URL's, if any). */
    public String username() { return username; }
    /** Returns the password, or {@code null} (then the URL's, if any). Never log it. */
    public String password() { return password; }
    /** Returns the application channels delivered to every client as they are. */
    public List<String> channels() { return channels; }
    /** Returns the structured channel ({@code switchboard:publish}). */
    public String publishChannel() { return publishChannel; }
    /** Returns the prefix of every key ({@code switchboard:}). */
    public String keyPrefix() { return keyPrefix; }
    /** Returns how long a silent (killed) instance may still be counted in presence (10 s). */
    public Duration presenceTtl() { return presenceTtl; }
    /** Returns how often this instance proves it is alive at the latest (1 s). */
    public Duration heartbeatInterval() { return heartbeatInterval; }
    /** Returns the timeout of one Redis command and of connecting (2 s). */
    public Duration timeout() { return timeout; }
    /**
     * Returns how often each command connection is pinged to find a half-open one (5 s; zero: never).
     * Subscription connections are never pinged (Redisson loses messages there); TCP keepalive finds theirs.
     */
    public Duration pingInterval() { return pingInterval; }
    /** Returns the largest message taken from Redis, in bytes (1 MiB). */
    public int maxMessageSize() { return maxMessageSize; }
    /** Returns how many publishes may wait for Redis at once before more are dropped (10,000). */
    public int maxPendingPublishes() { return maxPendingPublishes; }
    /** Returns how many identities of dead instances one presence sync removes at most (10,000). */
    public int reapBatch() { return reapBatch; }
    /** Returns Redisson's callback threads (2) and, when it has its own, its I/O threads (2). */
    public int threads() { return threads; }

    /** Returns what carries pub/sub as configured; {@link Relay#AUTO} unless set. */
    public Relay relay() { return relay; }

    /** Tells whether pub/sub goes over the direct relay: {@link Relay#DIRECT}, or AUTO with one {@code redis://}. */
    public boolean usesDirectRelay() {
        return relay == Relay.DIRECT || relay == Relay.AUTO && directRelayPossible(url, sentinelAddresses, clusterNodes);
    }

    private static boolean directRelayPossible(String url, List<String> sentinel, List<String> cluster) {
        return sentinel.isEmpty() && cluster.isEmpty() && url.startsWith("redis://");
    }

    /** Tells whether Sentinel is used. */
    public boolean usesSentinel() { return !sentinelAddresses.isEmpty(); }
    /** Tells whether Redis Cluster is used. */
    public boolean usesCluster() { return !clusterNodes.isEmpty(); }

    @Override
    public String toString() {
        return "RedisOptions{" + (usesCluster() ? "cluster=" + clusterNodes
                : usesSentinel() ? "sentinel=" + sentinelAddresses + "/" + sentinelMasterName
                : "url=" + redact(url))
                + ", channels=" + channels + ", publishChannel=" + publishChannel + ", keyPrefix=" + keyPrefix
                + ", presenceTtl=" + presenceTtl + ", heartbeatInterval=" + heartbeatInterval + ", timeout=" + timeout
                + ", pingInterval=" + pingInterval + ", relay=" + (usesDirectRelay() ? "direct" : "redisson")
                + ", password=" + (password == null ? "none" : "<redacted>") + '}';
    }

    /** Returns {@code url} with any credentials replaced, for logs. */
    static String redact(String url) {
        int at = url.indexOf('@');
        int scheme = url.indexOf("://");
        return at < 0 || scheme < 0 || at < scheme ? url : url.substring(0, scheme + 3) + "<redacted>" + url.substring(at);
    }

    /** Collects options. */
    public static final class Builder {
        private String url = "redis://127.0.0.1:6379";
        private List<String> sentinelAddresses = List.of();
        private String sentinelMasterName;
        private List<String> clusterNodes = List.of();
        private String username;
        private String password;
        private List<String> channels = List.of();
        private String publishChannel = "switchboard:publish";
        private String keyPrefix = "switchboard:";
        private Duration presenceTtl = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration timeout = Duration.ofSeconds(2);
        private Duration pingInterval = Duration.ofSeconds(5);
        private int maxMessageSize = 1 << 20;
        private int maxPendingPublishes = 10_000;
        private int reapBatch = 10_000;
        private int threads = 2;
        private Relay relay = Relay.AUTO;

        private Builder() {
        }

        /** Sets the single-server address; default {@code redis://127.0.0.1:6379}. */
        public Builder url(String url) {
            this.url = address("url", url);
            return this;
        }

        /** Uses Sentinel: the addresses of some sentinels and the name of the master they watch; default off. */
        public Builder sentinel(String masterName, List<String> addresses) {
            Objects.requireNonNull(addresses, "addresses");
            if (masterName == null || masterName.isBlank()) {
                throw new IllegalArgumentException("sentinelMasterName: " + masterName + " (expected: a name)");
            }
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("sentinelAddresses: [] (expected: at least one address)");
            }
            addresses.forEach(a -> address("sentinelAddresses", a));
            this.sentinelMasterName = masterName;
            this.sentinelAddresses = List.copyOf(addresses);
            return this;
        }

        /** Uses Redis Cluster, discovering it from these seed nodes; default off. */
        public Builder clusterNodes(List<String> nodes) {
            Objects.requireNonNull(nodes, "nodes");
            nodes.forEach(a -> address("clusterNodes", a));
            this.clusterNodes = List.copyOf(nodes);
            return this;
        }

        /** Sets the ACL user name; default none (the URL's, else {@code default}). */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /** Sets the password; default none (the URL's, if any). */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /**
         * Sets the application channels: each is subscribed, and whatever is published on it goes to every
         * client as {@code {"channel":name,"message":payload}} (a payload that is not JSON becomes a JSON
         * string). Default none.
         */
        public Builder channels(List<String> channels) {
            Objects.requireNonNull(channels, "channels");
            for (String c : channels) {
                name("channels", c);
            }
            if (Set.copyOf(channels).size() != channels.size()) {
                throw new IllegalArgumentException("channels: " + channels + " (expected: no duplicates)");
            }
            this.channels = List.copyOf(channels);
            return this;
        }

        /** Sets the structured channel the application and the instances publish on; default {@code switchboard:publish}. */
        public Builder publishChannel(String channel) {
            this.publishChannel = name("publishChannel", channel);
            return this;
        }

        /** Sets the prefix of every key; default {@code switchboard:}. It must not hold braces (hash tags are added). */
        public Builder keyPrefix(String prefix) {
            if (prefix == null || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("keyPrefix: " + prefix + " (expected: a string without braces)");
            }
            this.keyPrefix = prefix;
            return this;
        }

        /**
         * Sets how long an instance that stopped without saying so (killed, frozen, cut off) may still be
         * counted: the presence convergence bound. Default 10 s; at least 1 s.
         */
        public Builder presenceTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "presenceTtl");
            if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("presenceTtl: " + ttl + " (expected: >= 1s)");
            }
            this.presenceTtl = ttl;
            return this;
        }

        /**
         * Sets how often this instance tells Redis it is alive when the gateway's presence sync (which does it
         * too) is rarer. Default 1 s (the gateway's default presence interval); at most a third of the TTL.
         */
        public Builder heartbeatInterval(Duration every) {
            Objects.requireNonNull(every, "heartbeatInterval");
            if (every.isNegative() || every.isZero()) {
                throw new IllegalArgumentException("heartbeatInterval: " + every + " (expected: > 0)");
            }
            this.heartbeatInterval = every;
            return this;
        }

        /** Sets the timeout of one command and of connecting; default 2 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 10 || timeout.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: >= 10ms)");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets how often each command connection is pinged to find a half-open one (no reply by the next ping or
         * within the {@link #timeout(Duration) timeout}, whichever comes first: closed and reconnected); default
         * 5 s, {@link Duration#ZERO} turns it off. Very short intervals close healthy connections on a busy host.
         * The direct relay's connections are pinged when silent this long (no answer within the timeout: closed).
         * Redisson's subscription connections are never pinged: Redisson 4.7 loses a message now and then when a
         * PING shares the subscribed connection; TCP keepalive (5 s idle, 3 probes 2 s apart) finds a half-open one.
         */
        public Builder pingInterval(Duration interval) {
            Objects.requireNonNull(interval, "pingInterval");
            if (!interval.isZero() && (interval.toMillis() < 10 || interval.toMillis() > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("pingInterval: " + interval + " (expected: 0 (off) or >= 10ms)");
            }
            this.pingInterval = interval;
            return this;
        }

        /** Sets the largest message accepted from Redis; default 1 MiB. Larger ones are dropped and counted. */
        public Builder maxMessageSize(int bytes) {
            this.maxMessageSize = positive("maxMessageSize", bytes);
            return this;
        }

        /** Sets how many publishes may wait for Redis at once; default 10,000. More are dropped and counted. */
        public Builder maxPendingPublishes(int n) {
            this.maxPendingPublishes = positive("maxPendingPublishes", n);
            return this;
        }

        /** Sets how many identities of dead instances one presence sync removes at most; default 10,000. */
        public Builder reapBatch(int n) {
            this.reapBatch = positive("reapBatch", n);
            return this;
        }

        /** Sets Redisson's callback threads and, unless an event loop group is shared, its I/O threads; default 2. */
        public Builder threads(int n) {
            this.threads = positive("threads", n);
            return this;
        }

        /**
         * Sets what carries pub/sub; default {@link Relay#AUTO}: the direct relay for one {@code redis://}
         * server, Redisson's pub/sub for Sentinel, Cluster and {@code rediss://}. {@link Relay#DIRECT} with
         * any of those fails {@link #build()}.
         */
        public Builder relay(Relay relay) {
            this.relay = Objects.requireNonNull(relay, "relay");
            return this;
        }

        public RedisOptions build() {
            if (usesBoth()) {
                throw new IllegalArgumentException("sentinel and clusterNodes: both set (expected: at most one)");
            }
            if (relay == Relay.DIRECT && !directRelayPossible(url, sentinelAddresses, clusterNodes)) {
                throw new IllegalArgumentException("relay: direct (expected: one redis:// server; auto or redisson"
                        + " with Sentinel, Cluster or rediss://)");
            }
            if (heartbeatInterval.multipliedBy(3).compareTo(presenceTtl) > 0) {
                throw new IllegalArgumentException("heartbeatInterval: " + heartbeatInterval
                        + " (expected: <= presenceTtl / 3 = " + presenceTtl.dividedBy(3) + ")");
            }
            if (channels.contains(publishChannel)) {
                throw new IllegalArgumentException("channels: " + channels + " (expected: not the publishChannel "
                        + publishChannel + ")");
            }
            return new RedisOptions(this);
        }

        private boolean usesBoth() {
            return !sentinelAddresses.isEmpty() && !clusterNodes.isEmpty();
        }

        private static int positive(String key, int n) {
            if (n <= 0) {
                throw new IllegalArgumentException(key + ": " + n + " (expected: > 0)");
            }
            return n;
        }

        private static String name(String key, String name) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(key + ": " + name
                        + " (expected: 1-128 of A-Z a-z 0-9 _ : . @ / -)");
            }
            if (RESERVED_CHANNELS.contains(name)) {
                throw new IllegalArgumentException(key + ": " + name + " (expected: not a reserved channel "
                        + RESERVED_CHANNELS + ")");
            }
            return name;
        }

        private static String address(String key, String address) {
            URI uri;
            try {
                uri = address == null ? null : new URI(address);
            } catch (Exception e) {
                uri = null;
            }
            if (uri == null || !("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
                    || uri.getHost() == null || uri.getPort() <= 0) {
                throw new IllegalArgumentException(key + ": " + (address == null ? null : redact(address))
                        + " (expected: redis://[user:pass@]host:port[/db] or rediss://...)");
            }
            String path = uri.getPath();
            if (path != null && !path.isEmpty() && !path.equals("/") && !path.substring(1).matches("\\d{1,2}")) {
                throw new IllegalArgumentException(key + ": " + redact(address) + " (expected: a database number after /)");
            }
            return address;
        }
    }
}
