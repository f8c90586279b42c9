package dev.switchboard.core;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.switchboard.core.auth.AnonymousAuthenticator;
import dev.switchboard.core.broker.LocalBroker;
import dev.switchboard.core.internal.GatewayChannels;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.codec.Replies;
import dev.switchboard.core.internal.delivery.Closer;
import dev.switchboard.core.internal.delivery.Fanout;
import dev.switchboard.core.internal.delivery.Keepalive;
import dev.switchboard.core.internal.dispatch.BuiltinHandlers;
import dev.switchboard.core.internal.dispatch.Dispatcher;
import dev.switchboard.core.internal.handshake.ConnectionLimiter;
import dev.switchboard.core.internal.session.LoopSessions;
import dev.switchboard.core.internal.session.PresenceTracker;
import dev.switchboard.core.internal.session.Session;
import dev.switchboard.core.internal.session.SessionListeners;
import dev.switchboard.core.internal.session.SessionRegistry;
import dev.switchboard.core.spi.Authenticator;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.core.spi.Delivery;
import dev.switchboard.core.spi.MessageHandler;
import dev.switchboard.core.spi.PresenceUpdate;
import dev.switchboard.core.spi.SessionListener;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway: sessions, presence, fan-out and dispatch, independent of how connections arrive. Run it
 * standalone with {@link GatewayServer}, or embed it in a Netty HTTP server with {@link #install}.
 *
 * <pre>{@code
 * Gateway gateway = Gateway.builder()
 *         .options(GatewayOptions.builder().paths(List.of("/ws")).build())
 *         .authenticator(new JwtAuthenticator(secret))
 *         .module("chat", request -> Map.of("echo", request.data()))
 *         .build();
 * gateway.start(workerGroup);
 * gateway.broadcast("live_streams", Map.of("status", "new"));
 * }</pre>
 *
 * <p>Threads: every public method may be called from any thread.
 */
public final class Gateway {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final GatewayOptions options;
    private final Authenticator authenticator;
    private final Broker broker;
    private final GatewayMetrics metrics;
    private final PresenceTracker tracker = new PresenceTracker();
    private final SessionRegistry registry;
    private final Keepalive keepalive;
    private final Fanout fanout;
    private final GatewayChannels channels;
    private final ConnectionLimiter limiter;
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closing;
    private volatile Presence cluster = Presence.EMPTY;
    private volatile int[] localAtSync = {0, 0};
    private volatile Presence lastBroadcast = Presence.EMPTY;
    private final AtomicBoolean syncing = new AtomicBoolean();
    private volatile ScheduledFuture<?> ticker;
    private volatile EventExecutorGroup group;

    private Gateway(Builder b) {
        options = b.options;
        authenticator = b.authenticator;
        broker = b.broker;
        metrics = new GatewayMetrics(b.metrics);
        keepalive = new Keepalive(options, metrics);
        registry = new SessionRegistry(tracker, keepalive::start);
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        fanout = new Fanout(registry, metrics, alloc, options.slowConsumerMaxDrops());
        limiter = new ConnectionLimiter(options.maxConnections(), options.maxConnectionsPerIp());

        SessionListeners listeners = new SessionListeners(b.listeners);
        Map<String, MessageHandler> handlers = new HashMap<>(
                new BuiltinHandlers(options, registry, b.modules, b.moduleFallback, this::publish, listeners).all());
        handlers.putAll(b.handlers);
        Dispatcher dispatcher = new Dispatcher(handlers, registry, metrics, this::presenceForNewcomer,
                options.controllerTimeout().toMillis(), listeners);
        channels = new GatewayChannels(options, limiter, authenticator, () -> closing, metrics, dispatcher);

        metrics.gauge("connections", registry::size);
        metrics.gauge("presence.online", () -> cluster.numOnline());
        metrics.gauge("presence.clients", () -> cluster.numClients());
    }

    /** Returns a builder: default options, anonymous authentication, the in-process broker. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts the broker and the presence ticker, which runs on one executor of {@code group} (the event loops
     * the connections live on, the host's when embedded). Call once, before connections arrive.
     */
    public CompletionStage<Void> start(EventExecutorGroup group) {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        this.group = group;
        if (options.allowedOrigins().isEmpty()) {
            log.warn("No Origin allowlist: pages of any site may connect (set allowedOrigins)");
        }
        return broker.start(this::deliverFromBroker).thenRun(() -> {
            long every = options.presenceInterval().toMillis();
            ticker = group.next().scheduleAtFixedRate(this::syncPresence, 0, every, TimeUnit.MILLISECONDS);
        });
    }

    /**
     * Embeds the gateway: adds its handshake handler right after the host's HTTP codec (named {@code after})
     * in {@code pipeline}. Upgrade requests to the configured paths become gateway connections; every other
     * request passes on to the host's handlers. Call from the host's channel initializer.
     *
     * <p>On a gateway connection, the frames the gateway sends (replies, errors, fan-out, pings) are complete
     * WebSocket frames written from its {@code flushConsolidation} handler, which the upgrade puts just in front
     * of the host's HTTP codec: a host handler there or closer to the socket (TLS, traffic shaping, byte
     * counters, an {@code IdleStateHandler}) sees every byte; one after the codec sees none of them.
     */
    public void install(ChannelPipeline pipeline, String after) {
        Objects.requireNonNull(pipeline.get(after), () -> "no handler named " + after + " in the pipeline");
        channels.installEmbedded(pipeline, after);
    }

    /** Sets up a standalone connection; used by {@link GatewayServer}. */
    void initStandalone(Channel ch, Supplier<? extends ChannelHandler> publicHttp) {
        channels.initStandalone(ch, publicHttp);
    }

    /**
     * Publishes {@code d}: delivered to this instance's connections and handed to the broker for the others.
     * {@code d.message()} must be one JSON value.
     *
     * @throws IllegalArgumentException when the message is not JSON
     */
    public void publish(Delivery d) {
        if (!Json.isValid(d.message())) {
            throw new IllegalArgumentException("message: not a JSON value (" + d.message().length + " bytes)");
        }
        fanout.deliver(d);
        broker.publish(d);
    }

    /** Sends {@code message} (any value Jackson writes) on {@code channel} to every connection in the cluster. */
    public void broadcast(String channel, Object message) {
        publish(Delivery.toAll(channel, toJson(message), options.instanceId()));
    }

    /** Sends {@code message} on {@code channel} to every connection of {@code userId}, on any instance. */
    public void sendToUser(String userId, String channel, Object message) {
        publish(Delivery.toUser(userId, channel, toJson(message), options.instanceId()));
    }

    /** Sends {@code message} on {@code channel} to the members of {@code room}, on any instance. */
    public void sendToRoom(String room, String channel, Object message) {
        publish(Delivery.toRoom(room, channel, toJson(message), options.instanceId()));
    }

    private static byte[] toJson(Object message) {
        try {
            return Replies.MAPPER.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("message: cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private void deliverFromBroker(Delivery d) {
        fanout.deliver(d);
    }

    /** Returns the cluster-wide counts last sent to clients (refreshed every presence interval). */
    public Presence presence() {
        return cluster;
    }

    /** Returns how many connections this instance holds. */
    public int connections() {
        return registry.size();
    }

    public GatewayOptions options() {
        return options;
    }

    public MetricRegistry metrics() {
        return metrics.registry();
    }

    /** Returns the broker's name ({@code local}, {@code redis}). */
    public String brokerName() {
        return broker.name();
    }

    /** Tells whether the broker reaches its backend. */
    public boolean brokerHealthy() {
        return broker.healthy();
    }

    /** Tells whether the gateway is draining: new connections are refused with 503. */
    public boolean isClosing() {
        return closing;
    }

    private void syncPresence() {
        if (!syncing.compareAndSet(false, true)) {
            return; // the broker is slow: the next tick carries what changed meanwhile
        }
        PresenceUpdate update = tracker.drain();
        int[] local = {update.localIdentities(), update.localConnections()};
        CompletionStage<Presence> stage;
        try {
            stage = broker.syncPresence(update);
        } catch (RuntimeException e) {
            syncing.set(false);
            log.warn("Broker presence sync failed: {}", e.toString());
            return;
        }
        stage.whenComplete((p, error) -> {
            syncing.set(false);
            if (error != null) {
                log.debug("Broker presence sync failed: {}", error.toString());
                return;
            }
            cluster = p;
            localAtSync = local;
            if (!p.equals(lastBroadcast)) {
                lastBroadcast = p;
                fanout.deliver(Delivery.Target.ALL, null, Replies.stateFrame(PooledByteBufAllocator.DEFAULT, p));
            }
        });
    }

    /**
     * Counts for a client that just connected: the cluster counts last synced plus what changed here since,
     * so a lone instance is exact at once and a cluster is exact by the next tick.
     */
    private Presence presenceForNewcomer() {
        int[] now = tracker.local();
        int[] then = localAtSync;
        Presence c = cluster;
        return new Presence(Math.max(now[0], c.numOnline() + now[0] - then[0]),
                Math.max(now[1], c.numClients() + now[1] - then[1]));
    }

    /**
     * Drains: refuses new connections, closes every client with 1001 spread evenly over {@code drain} (so
     * they do not all reconnect elsewhere at once), then stops the broker. Completes when all are gone or
     * the window (plus a short grace) has passed.
     */
    public CompletionStage<Void> shutdown(Duration drain) {
        closing = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!started.get()) {
            done.complete(null);
            return done;
        }
        ScheduledFuture<?> t = ticker;
        if (t != null) {
            t.cancel(false);
        }
        keepalive.stop();
        long windowNanos = drain.toNanos();
        log.info("Draining {} connections over {} ms", registry.size(), drain.toMillis());
        for (LoopSessions loop : registry.loops()) {
            loop.executor().execute(() -> {
                List<Session> sessions = new ArrayList<>();
                loop.forEach(Delivery.Target.ALL, null, sessions::add);
                int n = sessions.size();
                for (int i = 0; i < n; i++) {
                    Session s = sessions.get(i);
                    long at = n <= 1 ? 0 : windowNanos * i / n;
                    loop.executor().schedule(() -> Closer.close(s.channel(), 1001, "going away"), at, TimeUnit.NANOSECONDS);
                }
            });
        }
        EventExecutor timer = group.next();
        long deadline = System.nanoTime() + windowNanos + TimeUnit.SECONDS.toNanos(3);
        ScheduledFuture<?>[] poll = new ScheduledFuture<?>[1];
        poll[0] = timer.scheduleAtFixedRate(() -> {
            if (registry.size() == 0 || System.nanoTime() > deadline) {
                poll[0].cancel(false);
                broker.stop().whenComplete((v, e) -> done.complete(null));
            }
        }, 20, 20, TimeUnit.MILLISECONDS);
        return done;
    }

    /** Collects a gateway's collaborators. */
    public static final class Builder {
        private GatewayOptions options = GatewayOptions.defaults();
        private Authenticator authenticator = new AnonymousAuthenticator();
        private Broker broker;
        private MetricRegistry metrics = new MetricRegistry();
        private final Map<String, MessageHandler> handlers = new LinkedHashMap<>();
        private final Map<String, MessageHandler> modules = new LinkedHashMap<>();
        private MessageHandler moduleFallback;
        private final List<SessionListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Sets the options; default {@link GatewayOptions#defaults()}. */
        public Builder options(GatewayOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Sets who decides whether a client may connect; default {@link AnonymousAuthenticator}. */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** Sets the broker; default a {@link LocalBroker} (one process, nothing shared). */
        public Builder broker(Broker broker) {
            this.broker = Objects.requireNonNull(broker, "broker");
            return this;
        }

        /** Sets the registry the gateway's metrics go to; default a new one. */
        public Builder metrics(MetricRegistry metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** Registers a handler for requests whose {@code handler} is {@code name}; may replace a built-in. */
        public Builder handler(String name, MessageHandler handler) {
            handlers.put(requireName("handler", name), Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Registers the in-process module {@code name} of the {@code controller} handler. */
        public Builder module(String name, MessageHandler handler) {
            modules.put(requireName("module", name), Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /** Sets what answers {@code controller} requests for modules with no in-process handler; default none (error {@code unknown_module}). */
        public Builder moduleFallback(MessageHandler handler) {
            this.moduleFallback = handler;
            return this;
        }

        /** Adds a listener for connects, disconnects, subscribes and unsubscribes (lifecycle webhooks). */
        public Builder listener(SessionListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        private static String requireName(String key, String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException(key + ": " + name + " (expected: a non-blank name)");
            }
            return name;
        }

        public Gateway build() {
            if (broker == null) {
                broker = new LocalBroker();
            }
            return new Gateway(this);
        }
    }
}
