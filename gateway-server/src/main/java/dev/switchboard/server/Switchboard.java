package dev.switchboard.server;

import dev.switchboard.core.Gateway;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jvm.BufferPoolMetricSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.management.ManagementFactory;
import dev.switchboard.app.AppClient;
import dev.switchboard.app.ControllerForwarder;
import dev.switchboard.app.HttpConnectAuthenticator;
import dev.switchboard.app.WebhookSender;
import dev.switchboard.core.GatewayServer;
import dev.switchboard.core.Transport;
import dev.switchboard.core.spi.Broker;
import dev.switchboard.redis.RedisTokenAuthenticator;
import dev.switchboard.redis.RedissonBroker;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import dev.switchboard.core.auth.AnonymousAuthenticator;
import dev.switchboard.core.auth.JwtAuthenticator;
import dev.switchboard.core.spi.Authenticator;
import dev.switchboard.server.internal.Brokers;
import dev.switchboard.server.internal.EchoModule;
import dev.switchboard.server.internal.admin.AdminRoutes;
import dev.switchboard.server.internal.admin.AdminServer;
import dev.switchboard.server.internal.web.ClientScript;
import dev.switchboard.server.internal.web.PublicRoutes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone gateway: a {@link GatewayServer} on the public port (WebSockets, {@code /health},
 * {@code /client.js}) and the admin server (metrics, health, publish API), built from one {@link ServerConfig}.
 * {@link #start()} binds both; {@link #stop()} drains the clients over {@link ServerConfig#drain()}, then
 * closes the admin port.
 */
public final class Switchboard {

    private static final Logger log = LoggerFactory.getLogger(Switchboard.class);

    private final ServerConfig config;
    private final Transport transport = Transport.best();
    /** One group of event loops for WebSockets, Redis and the app HTTP client: no thread hand-offs between them. */
    private final EventLoopGroup workers;
    private final MetricRegistry metrics = processMetrics();
    private final Broker broker;
    private final AppClient app;
    private final WebhookSender webhooks;
    private final Gateway gateway;
    private final GatewayServer server;
    private final AdminServer admin;
    private volatile InetSocketAddress publicAddress;
    private volatile InetSocketAddress adminAddress;

    public Switchboard(ServerConfig config) {
        this.config = config;
        workers = transport.newGroup(config.workers(), "switchboard-io");
        broker = Brokers.create(config, metrics, workers, transport);
        app = config.usesApp() ? AppClient.builder()
                .secret(config.appSecret())
                .eventLoopGroup(workers)
                .responseTimeout(config.appTimeout())
                .metrics(metrics)
                .build() : null;
        Gateway.Builder g = Gateway.builder()
                .options(config.gateway())
                .metrics(metrics)
                .authenticator(authenticator())
                .broker(broker);
        if (config.echoModule()) {
            g.module(EchoModule.NAME, new EchoModule());
        }
        if (config.appBackend() != null) {
            g.moduleFallback(ControllerForwarder.builder(app, config.appBackend())
                    .urlTemplate(config.appUrlTemplate())
                    .defaultAction(config.appDefaultAction())
                    .timeout(config.appTimeout())
                    .build());
        }
        webhooks = config.appWebhookUrl() == null ? null
                : WebhookSender.builder(app, URI.create(config.appWebhookUrl())).metrics(metrics).build();
        if (webhooks != null) {
            g.listener(webhooks);
        }
        gateway = g.build();
        PublicRoutes routes = new PublicRoutes(ClientScript.load(), gateway::isClosing);
        server = GatewayServer.builder(gateway)
                .host(config.host())
                .port(config.port())
                .transport(transport)
                .workers(workers)
                .publicHttp(() -> routes)
                .build();
        admin = new AdminServer(config.adminHost(), config.adminPort(), transport,
                new AdminRoutes(gateway, config.adminApiKey()));
    }

    /**
     * A registry with the process's memory next to the gateway's metrics: heap and non-heap, the JVM's buffer
     * pools, and Netty's pooled direct memory, which is where connection buffers live.
     */
    private static MetricRegistry processMetrics() {
        MetricRegistry m = new MetricRegistry();
        m.registerAll("jvm.memory", new MemoryUsageGaugeSet());
        m.registerAll("jvm.buffers", new BufferPoolMetricSet(ManagementFactory.getPlatformMBeanServer()));
        m.register("switchboard.netty.direct.used",
                (Gauge<Long>) () -> PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
        m.register("switchboard.netty.heap.used",
                (Gauge<Long>) () -> PooledByteBufAllocator.DEFAULT.metric().usedHeapMemory());
        return m;
    }

    private Authenticator authenticator() {
        return switch (config.authMode()) {
            case ANONYMOUS -> new AnonymousAuthenticator();
            case JWT -> new JwtAuthenticator(config.jwtSecret(), config.jwtClockSkew());
            case REDIS -> new RedisTokenAuthenticator((RedissonBroker) broker);
            case HTTP -> HttpConnectAuthenticator.builder(app, URI.create(config.appConnectUrl()))
                    .timeout(config.appTimeout())
                    .build();
        };
    }

    /**
     * Binds the public and the admin port and logs the start-up line; the stage fails (with both ports
     * released) when either cannot be bound.
     */
    public CompletionStage<Void> start() {
        if (config.adminApiKey() == null) {
            log.warn("No admin API key: POST /api/publish answers 401 to every call; set one with "
                    + "--admin.api-key=... or SWITCHBOARD_ADMIN_API_KEY");
        }
        CompletableFuture<Void> started = new CompletableFuture<>();
        server.start()
                .thenCompose(bound -> {
                    publicAddress = bound;
                    return admin.start();
                })
                .whenComplete((bound, error) -> {
                    if (error == null) {
                        adminAddress = bound;
                        log.info(startLine());
                        started.complete(null);
                        return;
                    }
                    admin.stop().thenCompose(v -> server.stop(Duration.ZERO))
                            .whenComplete((v, e) -> {
                                release();
                                started.completeExceptionally(error);
                            });
                });
        return started;
    }

    /** Returns the line tests and scripts read the bound ports from; it holds no secret. */
    private String startLine() {
        return "Switchboard started: public=" + config.host() + ':' + publicAddress.getPort()
                + " paths=" + String.join(",", config.gateway().paths())
                + " admin=" + config.adminHost() + ':' + adminAddress.getPort()
                + " transport=" + server.transport()
                + " auth=" + config.authMode()
                + " broker=" + gateway.brokerName()
                + " instance=" + config.gateway().instanceId();
    }

    /** Stops accepting, closes every client with 1001 spread over the drain window, then closes the admin port. */
    public CompletionStage<Void> stop() {
        return server.stop(config.drain())
                .thenCompose(v -> webhooks == null ? CompletableFuture.completedFuture(null) : webhooks.closeAsync())
                .thenCompose(v -> admin.stop())
                .whenComplete((v, e) -> release());
    }

    /** Releases what the server does not own: the app client and the shared event loops. */
    private void release() {
        if (app != null) {
            app.close();
        }
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }

    public Gateway gateway() {
        return gateway;
    }

    /** Returns the public port's bound address; after {@link #start()} completed. */
    public InetSocketAddress publicAddress() {
        return publicAddress;
    }

    /** Returns the admin port's bound address; after {@link #start()} completed. */
    public InetSocketAddress adminAddress() {
        return adminAddress;
    }
}
