package dev.switchboard.app;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import dev.switchboard.app.AppCallException.Kind;
import dev.switchboard.app.internal.Call;
import dev.switchboard.app.internal.HostPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * Sends signed JSON {@code POST}s to the application, asynchronously, on Netty event loops (the gateway's,
 * when given). Every request carries {@value Signer#TIMESTAMP_HEADER} and {@value Signer#SIGNATURE_HEADER};
 * there is no way to send an unsigned one.
 *
 * <p>Bounded everywhere: at most {@code maxInFlight} requests at once (more are refused at once with
 * {@link Kind#BUSY}), at most {@code maxConnectionsPerHost} keep-alive connections per host (one request
 * each at a time; requests beyond wait for a free connection within their timeout), a connect timeout, a
 * response timeout covering the whole exchange, and a maximum response size.
 *
 * <pre>{@code
 * AppClient app = AppClient.builder()
 *         .secret(System.getenv("SWITCHBOARD_APP_SECRET"))
 *         .eventLoopGroup(workers)
 *         .build();
 * app.post(URI.create("http://127.0.0.1:8080/hooks"), json)
 *    .whenComplete((response, error) -> ...);
 * }</pre>
 *
 * <p>Threads: every method may be called from any thread and never blocks. Stages complete on an event
 * loop of the client's group: do not block in their callbacks either.
 */
public final class AppClient implements AutoCloseable {

    /** Metric names, under the registry given to {@link Builder#metrics}. */
    public static final String METRIC_PREFIX = "switchboard.app.";

    private final Signer signer;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Class<? extends SocketChannel> socketChannel;
    private final DnsAddressResolverGroup resolver;
    private final SslContext ssl;
    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final int maxConnectionsPerHost;
    private final int maxInFlight;
    private final int maxResponseSize;
    private final Duration idleTimeout;
    private final ConcurrentHashMap<String, HostPool> pools = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Timer requests;
    private final Map<Kind, Counter> failures;
    private volatile boolean closed;

    private AppClient(Builder b) {
        signer = new Signer(b.secret);
        ownsGroup = b.group == null;
        boolean epoll;
        if (ownsGroup) {
            epoll = io.netty.channel.epoll.Epoll.isAvailable();
            group = new MultiThreadIoEventLoopGroup(b.ioThreads, new DefaultThreadFactory("switchboard-app", true),
                    epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        } else {
            group = b.group;
            epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        }
        socketChannel = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        Class<? extends DatagramChannel> datagram = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
        // Netty's default resolver calls InetAddress.getByName on the event loop, which can block for seconds;
        // the DNS resolver is asynchronous and still honours /etc/hosts.
        resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder().datagramChannelType(datagram)
                .socketChannelType(socketChannel));
        ssl = b.ssl;
        connectTimeout = b.connectTimeout;
        responseTimeout = b.responseTimeout;
        maxConnectionsPerHost = b.maxConnectionsPerHost;
        maxInFlight = b.maxInFlight;
        maxResponseSize = b.maxResponseSize;
        idleTimeout = b.idleTimeout;
        MetricRegistry m = b.metrics;
        requests = m.timer(METRIC_PREFIX + "requests");
        failures = new java.util.EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            failures.put(k, m.counter(METRIC_PREFIX + "failures." + k.name().toLowerCase(Locale.ROOT)));
        }
        m.gauge(METRIC_PREFIX + "in_flight", () -> inFlight::get);
    }

    /** Returns a builder; {@link Builder#secret} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Posts {@code json} to {@code uri} with the default response timeout. */
    public CompletionStage<AppResponse> post(URI uri, byte[] json) {
        return post(uri, json, responseTimeout, Map.of());
    }

    /**
     * Posts {@code json} (one JSON value, UTF-8; not copied, so do not change it) to {@code uri}, signed, with
     * extra {@code headers}. The stage completes with the application's answer, whatever its status, or
     * fails with an {@link AppCallException} when there is none within {@code timeout}.
     *
     * @throws IllegalArgumentException when {@code uri} is not an absolute http(s) URI
     */
    public CompletionStage<AppResponse> post(URI uri, byte[] json, Duration timeout, Map<String, String> headers) {
        Objects.requireNonNull(json, "json");
        Target t = Target.of(uri);
        if (t.https && ssl == null) {
            throw new IllegalArgumentException("uri: " + uri + " (https needs Builder.sslContext or Builder.tls())");
        }
        if (closed) {
            return failed(new AppCallException(Kind.UNAVAILABLE, "client closed"));
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return failed(new AppCallException(Kind.BUSY, maxInFlight + " requests to the application in flight"));
        }
        long now = System.currentTimeMillis() / 1000;
        HttpHeaders h = new DefaultHttpHeaders()
                .set(HttpHeaderNames.HOST, t.hostHeader)
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.USER_AGENT, "Switchboard")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        headers.forEach(h::set);
        // Set last, so no caller header can replace them.
        h.set(Signer.TIMESTAMP_HEADER, Long.toString(now)).set(Signer.SIGNATURE_HEADER, signer.sign(now, json));

        Call call = new Call(t.target, json, h, this::done);
        HostPool pool = pools.computeIfAbsent(t.key, k -> newPool(t));
        long millis = timeout.toMillis();
        call.deadlineOn(group.next(), millis);
        pool.acquire(call);
        return call.future();
    }

    private static CompletionStage<AppResponse> failed(AppCallException e) {
        return CompletableFuture.failedFuture(e);
    }

    private void done(Call call) {
        inFlight.decrementAndGet();
        Throwable f = call.failure();
        if (f instanceof AppCallException e) {
            failures.get(e.kind()).inc();
        } else {
            requests.update(System.nanoTime() - call.startedNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private HostPool newPool(Target t) {
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(socketChannel)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .remoteAddress(InetSocketAddress.createUnresolved(t.host, t.port));
        return new HostPool(t.key, b, t.https ? ssl : null, t.host, t.port, maxConnectionsPerHost, maxResponseSize,
                idleTimeout.toMillis());
    }

    /** Returns one event loop of the client's group, for timers of the components built on it. */
    io.netty.util.concurrent.EventExecutor executor() {
        return group.next();
    }

    /** Returns how many requests are in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Returns the default response timeout. */
    public Duration responseTimeout() {
        return responseTimeout;
    }

    /**
     * Closes the pooled connections and refuses further requests; requests in flight end by themselves (by
     * their timeout at the latest). Shuts the event loops down only when the client created them. Does not
     * block.
     */
    @Override
    public void close() {
        closed = true;
        pools.values().forEach(HostPool::closeAsync);
        pools.clear();
        resolver.close();
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Where a request goes. */
    private record Target(boolean https, String host, int port, String hostHeader, String target, String key) {
        static Target of(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw new IllegalArgumentException("uri: " + uri + " (expected: an absolute http:// or https:// URI)");
            }
            boolean https = scheme.equals("https");
            int port = uri.getPort() != -1 ? uri.getPort() : https ? 443 : 80;
            String host = uri.getHost();
            String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
            String hostHeader = uri.getPort() == -1 ? host : host + ':' + port;
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            String target = uri.getRawQuery() == null ? path : path + '?' + uri.getRawQuery();
            return new Target(https, bare, port, hostHeader, target, scheme + "://" + host + ':' + port);
        }
    }

    /** Collects the client's options; each setter validates at once. */
    public static final class Builder {
        private String secret;
        private EventLoopGroup group;
        private int ioThreads = 1;
        private SslContext ssl;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration responseTimeout = Duration.ofSeconds(5);
        private int maxConnectionsPerHost = 32;
        private int maxInFlight = 512;
        private int maxResponseSize = 1 << 20;
        private Duration idleTimeout = Duration.ofSeconds(20);
        private MetricRegistry metrics = new MetricRegistry();

        private Builder() {
        }

        /**
         * Sets the shared secret that signs every request (UTF-8, at least {@value Signer#MIN_SECRET_BYTES}
         * bytes). Required: there is no unsigned mode.
         */
        public Builder secret(String secret) {
            new Signer(secret); // validates
            this.secret = secret;
            return this;
        }

        /**
         * Runs connections on {@code group} (the gateway's worker loops, so no extra threads), which the client
         * never shuts down. Default: a group of {@link #ioThreads} daemon threads of its own, shut down by
         * {@link #close()}.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /** Sets the size of the client's own group, used when no group is given; default 1. */
        public Builder ioThreads(int n) {
            this.ioThreads = positive("ioThreads", n);
            return this;
        }

        /** Enables {@code https://} URIs with {@code ssl} (a client context); default none (http only). */
        public Builder sslContext(SslContext ssl) {
            if (!Objects.requireNonNull(ssl, "ssl").isClient()) {
                throw new IllegalArgumentException("ssl: a server context (expected: a client context)");
            }
            this.ssl = ssl;
            return this;
        }

        /** Enables {@code https://} URIs with the JDK's trust store and host name verification. */
        public Builder tls() {
            try {
                this.ssl = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot create a TLS client context", e);
            }
            return this;
        }

        /** Sets how long a TCP (and TLS) connect may take; default 2 s. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        /**
         * Sets the default time from {@code post()} to the last byte of the answer, waiting for a free connection
         * included; default 5 s. Keep it under the gateway's handshake timeout (10 s) and controller timeout (10 s).
         */
        public Builder responseTimeout(Duration d) {
            this.responseTimeout = positive("responseTimeout", d);
            return this;
        }

        /** Sets how many keep-alive connections each host gets at most; default 32. */
        public Builder maxConnectionsPerHost(int n) {
            this.maxConnectionsPerHost = positive("maxConnectionsPerHost", n);
            return this;
        }

        /** Sets how many requests may be in flight at once, over all hosts; more fail with BUSY. Default 512. */
        public Builder maxInFlight(int n) {
            this.maxInFlight = positive("maxInFlight", n);
            return this;
        }

        /** Sets the largest response body accepted, in bytes; default 1 MiB (1048576). */
        public Builder maxResponseSize(int bytes) {
            this.maxResponseSize = positive("maxResponseSize", bytes);
            return this;
        }

        /** Sets how long an unused pooled connection stays open; default 20 s. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = positive("idleTimeout", d);
            return this;
        }

        /** Registers the client's metrics ({@value AppClient#METRIC_PREFIX}*) in {@code registry}; default a private one. */
        public Builder metrics(MetricRegistry registry) {
            this.metrics = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /** Builds the client. @throws IllegalStateException when no secret was set */
        public AppClient build() {
            if (secret == null) {
                throw new IllegalStateException("secret: not set (expected: a shared secret of >= "
                        + Signer.MIN_SECRET_BYTES + " bytes; requests to the application are always signed)");
            }
            return new AppClient(this);
        }

        static int positive(String name, int n) {
            if (n <= 0) {
                throw new IllegalArgumentException(name + ": " + n + " (expected: > 0)");
            }
            return n;
        }

        static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
