package dev.switchboard.redis;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.switchboard.core.Presence;
import dev.switchboard.core.Transport;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.spi.PresenceUpdate;
import dev.switchboard.redis.internal.CallbackExecutor;
import dev.switchboard.redis.internal.ClientConfig;
import dev.switchboard.redis.internal.Envelope;
import dev.switchboard.redis.internal.PresenceStore;
import dev.switchboard.redis.internal.RespRelay;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.Redisson;
import org.redisson.api.NodeType;
import org.redisson.api.RTopic;
import org.redisson.api.RedissonClient;
import org.redisson.api.listener.MessageListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.config.Config;
import org.redisson.connection.ConnectionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries deliveries between gateway instances through Redis pub/sub and keeps exact cluster-wide presence
 * in Redis, with Redisson. See {@code docs/scaling.md} for the keys, the envelope and the presence algorithm.
 * Pub/sub goes over the direct relay ({@link RespRelay}: two plain connections on the same event loops) when
 * {@link RedisOptions#usesDirectRelay()}, else through Redisson's topics.
 *
 * <ul>
 *   <li>Every channel of {@link RedisOptions#channels()} is subscribed; its payloads go to all clients.
 *   <li>{@link RedisOptions#publishChannel()} carries {@code {channel,message,user_id?,room?,origin?}} from the
 *       application (no origin) and from instances (their id as origin, so each skips its own echo).
 *   <li>Presence: one atomic script per sync; a killed instance's share is taken back by the survivors
 *       within {@link RedisOptions#presenceTtl()}.
 *   <li>Redis down: publishes are dropped and counted ({@code switchboard.redis.publish.dropped}), never
 *       queued; {@link #healthy()} is false; when Redis returns, subscriptions are renewed and this
 *       instance's presence is rebuilt from the gateway's snapshot, by themselves.
 * </ul>
 *
 * <p>Threads: the direct relay's (the shared event loops, or one thread of its own), Redisson's (its I/O
 * threads, or the shared event loops; two callback threads, whose work runs
 * inline on the shared loops when there are some: {@link CallbackExecutor}; a timer) and
 * one of its own, {@code switchboard-redis}, for connecting, heartbeats and shutdown, which block. Nothing
 * here blocks the caller: every Redis call is asynchronous.
 */
public final class RedissonBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedissonBroker.class);
    private static final String METRICS = "switchboard.redis.";
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final RedisOptions options;
    private final String instanceId;
    private final EventLoopGroup group;
    private final Transport transport;
    private final ScheduledExecutorService worker;
    /** Redisson's callbacks, inline on the shared event loops ({@code null}: Redisson's own pool). */
    private final CallbackExecutor callbacks;

    private final Counter published;
    private final Counter dropped;
    private final Counter received;
    private final Counter invalid;
    private final Counter oversized;
    private final Counter syncFailed;
    private final Counter reaped;
    private final Counter resubscribed;

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean needRebuild = new AtomicBoolean(true);
    private final AtomicInteger pendingPublishes = new AtomicInteger();
    private volatile boolean stopped;
    private volatile Listener listener;
    private volatile RedissonClient client;
    private volatile PresenceStore store;
    private volatile RTopic publishTopic;
    /** Pub/sub when {@link RedisOptions#usesDirectRelay()}, else {@code null} (Redisson's topics carry it). */
    private volatile RespRelay relay;
    private volatile ScheduledFuture<?> heartbeat;
    /** A call failed: Redis is down until one succeeds. */
    private volatile boolean outage;
    /** Redisson saw a connection drop since the last call that succeeded. */
    private volatile boolean disconnected;
    private volatile long lastSyncNanos = System.nanoTime();
    private volatile long lastInvalidWarn = System.nanoTime() - WARN_EVERY_NANOS;
    private int connectAttempts;

    private RedissonBroker(Builder b) {
        options = b.options;
        instanceId = b.instanceId != null ? b.instanceId : UUID.randomUUID().toString().substring(0, 8);
        group = b.group;
        transport = b.group != null ? b.transport : Transport.best();
        worker = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("switchboard-redis", true));
        callbacks = b.group != null ? new CallbackExecutor(b.group, b.options.threads()) : null;
        MetricRegistry m = b.metrics;
        published = m.counter(METRICS + "publish.sent");
        dropped = m.counter(METRICS + "publish.dropped");
        received = m.counter(METRICS + "received");
        invalid = m.counter(METRICS + "received.invalid");
        oversized = m.counter(METRICS + "received.oversized");
        syncFailed = m.counter(METRICS + "presence.failed");
        reaped = m.counter(METRICS + "presence.reaped");
        resubscribed = m.counter(METRICS + "resubscribed");
        m.gauge(METRICS + "healthy", () -> (Gauge<Integer>) () -> healthy() ? 1 : 0);
    }

    /** Returns a builder for a broker reaching Redis as {@code options} say. */
    public static Builder builder(RedisOptions options) {
        return new Builder(options);
    }

    @Override
    public String name() {
        return "redis";
    }

    /** Returns this instance's id: the origin of what it publishes and the name of its presence share. */
    public String instanceId() {
        return instanceId;
    }

    public RedisOptions options() {
        return options;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Completes once connected and subscribed, or after the first failed attempt: the broker then runs
     * degraded and keeps trying every second.
     */
    @Override
    public CompletionStage<Void> start(Listener listener) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        if (options.usesDirectRelay()) {
            List<String> all = new ArrayList<>();
            all.add(options.publishChannel());
            all.addAll(options.channels());
            RespRelay r = new RespRelay(options, all, options.publishChannel(), group, transport, new RelayEvents());
            relay = r;
            r.start();
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        worker.execute(() -> connect(ready));
        long every = options.heartbeatInterval().toMillis();
        heartbeat = worker.scheduleWithFixedDelay(() -> heartbeat(false), every, every, TimeUnit.MILLISECONDS);
        return ready;
    }

    /** Connects on the worker thread: {@code Redisson.create} blocks until connected or failed. */
    private void connect(CompletableFuture<Void> ready) {
        if (stopped) {
            ready.complete(null);
            return;
        }
        RedissonClient c;
        try {
            Config config = ClientConfig.of(options, group, transport, new Connections());
            if (callbacks != null) {
                config.setExecutor(callbacks);
            }
            c = Redisson.create(config);
        } catch (RuntimeException e) {
            if (connectAttempts++ == 0) {
                log.warn("Redis unreachable at {} ({}); running without it and retrying every second",
                        ClientConfig.describe(options), e.toString());
            } else {
                log.debug("Redis still unreachable: {}", e.toString());
            }
            outage = true;
            ready.complete(null);
            worker.schedule(() -> connect(ready), 1, TimeUnit.SECONDS);
            return;
        }
        if (stopped) {
            c.shutdown();
            ready.complete(null);
            return;
        }
        long staleMillis = options.presenceTtl().minus(options.heartbeatInterval()).toMillis();
        store = new PresenceStore(c, options.keyPrefix(), instanceId, staleMillis, options.reapBatch());
        client = c;
        outage = false;
        disconnected = false;
        needRebuild.set(true);
        if (relay != null) {
            awaitRelay(ready, System.nanoTime() + options.timeout().toNanos());
            return;
        }
        publishTopic = c.getTopic(options.publishChannel(), ByteArrayCodec.INSTANCE);
        subscribe(c, false).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("Redis subscribe failed ({}); retrying when Redis answers", e.toString());
                disconnected = true;
            } else {
                log.info("Redis broker {} connected to {}, channels {} + {}", instanceId, ClientConfig.describe(options),
                        options.publishChannel(), options.channels());
            }
            ready.complete(null);
        });
    }

    /** Completes {@code ready} once the direct relay is subscribed, or at {@code deadline} (it keeps trying). */
    private void awaitRelay(CompletableFuture<Void> ready, long deadline) {
        RespRelay r = relay;
        if (stopped || r.healthy() || System.nanoTime() - deadline > 0) {
            if (r.healthy()) {
                log.info("Redis broker {} connected to {}, channels {} + {} (direct relay)", instanceId,
                        ClientConfig.describe(options), options.publishChannel(), options.channels());
            }
            ready.complete(null);
            return;
        }
        worker.schedule(() -> awaitRelay(ready, deadline), 5, TimeUnit.MILLISECONDS);
    }

    /**
     * Subscribes the structured channel and every application channel. With {@code renew}, first drops what
     * Redisson holds: it re-subscribes after a reconnect by itself, but has had bugs where a subscription
     * stayed silent afterwards, so after an outage we do it ourselves rather than trust it.
     */
    private CompletableFuture<Void> subscribe(RedissonClient c, boolean renew) {
        List<CompletableFuture<?>> all = new ArrayList<>();
        all.add(listen(c.getTopic(options.publishChannel(), ByteArrayCodec.INSTANCE), renew,
                (ch, msg) -> onStructured(msg)));
        for (String name : options.channels()) {
            all.add(listen(c.getTopic(name, ByteArrayCodec.INSTANCE), renew, (ch, msg) -> onAppChannel(name, msg)));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    private static CompletableFuture<Integer> listen(RTopic topic, boolean renew, MessageListener<byte[]> l) {
        CompletionStage<Void> cleared = renew ? topic.removeAllListenersAsync() : CompletableFuture.completedFuture(null);
        return cleared.thenCompose(v -> topic.addListenerAsync(byte[].class, l)).toCompletableFuture();
    }

    /**
     * Called in order per channel: inline on the event loop that read it when Redisson shares the gateway's
     * loops ({@link CallbackExecutor}), else on a Redisson callback thread. Decodes and hands over; never blocks.
     */
    private void onStructured(byte[] bytes) {
        received.inc();
        if (bytes.length > options.maxMessageSize()) {
            oversized.inc();
            return;
        }
        Delivery d;
        try {
            d = Envelope.decode(bytes);
        } catch (IllegalArgumentException e) {
            invalid.inc();
            warnInvalid(e.getMessage());
            return;
        }
        if (instanceId.equals(d.origin())) {
            return; // our own publish, delivered locally by the gateway already
        }
        listener.onDelivery(d);
    }

    private void onAppChannel(String channel, byte[] payload) {
        received.inc();
        if (payload.length > options.maxMessageSize()) {
            oversized.inc();
            return;
        }
        listener.onDelivery(Delivery.toAll(channel, Envelope.appMessage(payload), null));
    }

    private void warnInvalid(String why) {
        long now = System.nanoTime();
        if (now - lastInvalidWarn >= WARN_EVERY_NANOS) {
            lastInvalidWarn = now;
            log.warn("Dropped an invalid message on {}: {} (further ones this minute at DEBUG; see {}received.invalid)",
                    options.publishChannel(), why, METRICS);
        } else {
            log.debug("Dropped an invalid message on {}: {}", options.publishChannel(), why);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>At most once: dropped and counted when Redis is down, when {@link RedisOptions#maxPendingPublishes()}
     * are already waiting for it, or when the write fails.
     */
    @Override
    public void publish(Delivery delivery) {
        RespRelay r = relay;
        if (r != null) {
            if (!healthy() || !r.publish(Envelope.encode(delivery, instanceId))) {
                dropped.inc();
            }
            return;
        }
        RTopic topic = publishTopic;
        if (topic == null || !healthy()) {
            dropped.inc();
            return;
        }
        if (pendingPublishes.incrementAndGet() > options.maxPendingPublishes()) {
            pendingPublishes.decrementAndGet();
            dropped.inc();
            return;
        }
        topic.publishAsync(Envelope.encode(delivery, instanceId)).whenComplete((n, e) -> {
            pendingPublishes.decrementAndGet();
            if (e != null) {
                dropped.inc();
                log.debug("Publish failed: {}", e.toString());
            } else {
                published.inc();
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>One script call: applies what joined and left (or, after an outage, replaces this instance's share
     * with {@link PresenceUpdate#snapshot()}), refreshes the heartbeat, takes back the share of instances
     * silent for longer than the TTL, and answers the counts. Fails while Redis is unreachable; the gateway
     * then keeps showing the last counts.
     */
    @Override
    public CompletionStage<Presence> syncPresence(PresenceUpdate update) {
        PresenceStore s = store;
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis not connected"));
        }
        lastSyncNanos = System.nanoTime();
        int connections = update.localConnections();
        CompletionStage<PresenceStore.Result> first = needRebuild.getAndSet(false)
                ? s.run(PresenceStore.Mode.REBUILD, connections, update.snapshot().get(), List.of())
                : s.run(PresenceStore.Mode.DELTA, connections, update.joined(), update.left());
        return first.thenCompose(r -> r.presence() != null ? CompletableFuture.completedFuture(r)
                        // Redis does not know us (it restarted empty, or we were reaped while frozen).
                        : s.run(PresenceStore.Mode.REBUILD, connections, update.snapshot().get(), List.of()))
                .handle((r, e) -> {
                    if (e != null) {
                        // The deltas may or may not have been applied: send everything next time.
                        needRebuild.set(true);
                        syncFailed.inc();
                        failed(e);
                        throw new IllegalStateException("presence sync failed: " + e, e);
                    }
                    succeeded(r);
                    return r.presence();
                });
    }

    /** Proves this instance alive when the gateway syncs less often than the heartbeat; runs on the worker. */
    private void heartbeat(boolean force) {
        PresenceStore s = store;
        if (stopped || s == null) {
            return;
        }
        long every = options.heartbeatInterval().toNanos();
        if (!force && System.nanoTime() - lastSyncNanos < every && !outage && !disconnected) {
            return; // a sync did it
        }
        s.run(PresenceStore.Mode.HEARTBEAT, 0, List.of(), List.of()).whenComplete((r, e) -> {
            if (e != null) {
                failed(e);
                return;
            }
            if (r.presence() == null) {
                needRebuild.set(true);
            }
            succeeded(r);
        });
    }

    private void succeeded(PresenceStore.Result r) {
        if (r.reaped() > 0) {
            reaped.inc(r.reaped());
            log.info("Removed {} silent instance(s) from presence", r.reaped());
        }
        boolean recovered = outage || disconnected;
        outage = false;
        disconnected = false;
        RedissonClient c = client;
        if (recovered && c != null && !stopped) {
            // A Redis restarted from its RDB or AOF may hold an old share of ours: send all of it again.
            needRebuild.set(true);
            if (relay != null) {
                log.info("Redis reachable again; the direct relay reopens and re-subscribes by itself");
                return;
            }
            log.info("Redis reachable again; renewing subscriptions");
            subscribe(c, true).whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Renewing subscriptions failed ({}); trying again", e.toString());
                    disconnected = true;
                } else {
                    resubscribed.inc();
                }
            });
        }
    }

    private void failed(Throwable e) {
        if (!outage) {
            outage = true;
            log.warn("Redis unreachable ({}); delivering locally only until it returns", rootMessage(e));
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }

    /** Tells whether Redis answered the last call and no connection dropped since. */
    @Override
    public boolean healthy() {
        RespRelay r = relay;
        return client != null && !outage && !disconnected && (r == null || r.healthy());
    }

    /** Returns the Redisson client once connected, else {@code null}; used by {@link RedisTokenAuthenticator}. */
    RedissonClient client() {
        return client;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Takes this instance's share out of presence (so the others need not wait for the TTL), then shuts
     * Redisson down on the broker's own thread: Redisson's shutdown blocks, and the caller may be an event
     * loop.
     */
    @Override
    public CompletionStage<Void> stop() {
        stopped = true;
        ScheduledFuture<?> h = heartbeat;
        if (h != null) {
            h.cancel(false);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        PresenceStore s = store;
        CompletionStage<?> left = s == null || !healthy() ? CompletableFuture.completedFuture(null)
                : s.run(PresenceStore.Mode.LEAVE, 0, List.of(), List.of()).toCompletableFuture()
                        .completeOnTimeout(null, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        left.whenComplete((v, e) -> {
            try {
                worker.execute(() -> {
                    try {
                        RespRelay r = relay;
                        if (r != null) {
                            r.stop();
                        }
                        RedissonClient c = client;
                        if (c != null) {
                            c.shutdown(0, 2, TimeUnit.SECONDS);
                        }
                    } catch (RuntimeException ex) {
                        log.debug("Redisson shutdown: {}", ex.toString());
                    } finally {
                        if (callbacks != null) {
                            callbacks.shutdown();
                        }
                        worker.shutdown();
                        done.complete(null);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException ex) {
                done.complete(null); // stopped twice
            }
        });
        return done;
    }

    @Override
    public String toString() {
        return "RedissonBroker{" + instanceId + ", " + options + '}';
    }

    /** Counts what the direct relay reports and hands its messages on, on the subscriber's event loop. */
    private final class RelayEvents implements RespRelay.Listener {
        @Override
        public void onMessage(int index, byte[] payload) {
            if (index == 0) {
                onStructured(payload);
            } else {
                onAppChannel(options.channels().get(index - 1), payload);
            }
        }

        @Override
        public void onOversized() {
            received.inc();
            oversized.inc();
        }

        @Override
        public void onPublished(boolean relayed) {
            (relayed ? published : dropped).inc();
        }

        @Override
        public void onUnconfirmed(int n) {
            dropped.inc(n);
        }

        @Override
        public void onResubscribed() {
            resubscribed.inc();
        }
    }

    /** Hears Redisson's connection events: a drop makes the broker unhealthy at once; a connect probes. */
    private final class Connections implements ConnectionListener {
        @Override
        @Deprecated
        public void onConnect(InetSocketAddress addr) {
        }

        @Override
        @Deprecated
        public void onDisconnect(InetSocketAddress addr) {
        }

        @Override
        public void onConnect(InetSocketAddress addr, NodeType nodeType) {
            if (!stopped && (outage || disconnected)) {
                try {
                    worker.execute(() -> heartbeat(true));
                } catch (java.util.concurrent.RejectedExecutionException ignored) {
                    // stopping
                }
            }
        }

        @Override
        public void onDisconnect(InetSocketAddress addr, NodeType nodeType) {
            if (!stopped) {
                disconnected = true;
                log.debug("Redis connection to {} dropped", addr);
            }
        }
    }

    /** Collects a broker's settings. */
    public static final class Builder {
        private final RedisOptions options;
        private String instanceId;
        private MetricRegistry metrics = new MetricRegistry();
        private EventLoopGroup group;
        private Transport transport;

        private Builder(RedisOptions options) {
            this.options = Objects.requireNonNull(options, "options");
        }

        /**
         * Sets this instance's id; default 8 random hex digits. Give the gateway's
         * ({@code GatewayOptions.instanceId()}) so logs agree. It must be unique among live instances.
         */
        public Builder instanceId(String id) {
            if (id == null || id.isBlank() || id.length() > 64 || id.contains("{") || id.contains("}")) {
                throw new IllegalArgumentException("instanceId: " + id + " (expected: 1-64 characters, no braces)");
            }
            this.instanceId = id;
            return this;
        }

        /** Sets where the broker's counters go (the gateway's registry); default a new registry. */
        public Builder metrics(MetricRegistry metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Shares event loops with Redisson (the host's or the gateway's), of the given transport: Redisson opens
         * its channels of the matching kind. The group must outlive the broker. Default: Redisson's own
         * {@link RedisOptions#threads()} I/O threads.
         */
        public Builder eventLoopGroup(EventLoopGroup group, Transport transport) {
            this.group = Objects.requireNonNull(group, "group");
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        public RedissonBroker build() {
            return new RedissonBroker(this);
        }
    }
}
