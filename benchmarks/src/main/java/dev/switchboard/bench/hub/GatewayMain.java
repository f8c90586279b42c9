package dev.switchboard.bench.hub;

import dev.switchboard.bench.Args;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayServer;
import dev.switchboard.core.auth.JwtAuthenticator;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Switchboard's core as the load generator's target: a {@link GatewayServer} with limits opened up for load
 * (no per-IP cap, no rate limit to speak of), client publish allowed to rooms {@code bench*}, and an in-process
 * module {@code echo} for {@code controller} requests. Everything else is the default pipeline. The standalone
 * server (gateway-server) can be measured the same way; this one needs no config file.
 */
public final class GatewayMain {

    private GatewayMain() {
    }

    /** Returns the gateway the benchmarks measure; {@code jwtSecret} null for anonymous connections. */
    public static Gateway benchGateway(String jwtSecret) {
        return benchBuilder(jwtSecret).build();
    }

    /** Returns the builder of {@link #benchGateway}, for tests that add to it (a broker, say). */
    public static Gateway.Builder benchBuilder(String jwtSecret) {
        return benchBuilder(jwtSecret, Duration.ofSeconds(1));
    }

    /** The same, with the presence broadcast every {@code presenceInterval} at most. */
    public static Gateway.Builder benchBuilder(String jwtSecret, Duration presenceInterval) {
        GatewayOptions options = GatewayOptions.builder()
                .paths(List.of("/ws", "/"))
                .allowedOrigins(List.of("http://localhost"))
                .maxConnections(1_000_000)
                .maxConnectionsPerIp(1_000_000)
                .rateLimitPerSecond(1_000_000)
                .rateLimitBurst(1_000_000)
                .clientPublishPattern("bench*")
                .presenceInterval(presenceInterval)
                .build();
        Gateway.Builder b = Gateway.builder().options(options).module("echo", r -> r.data());
        if (jwtSecret != null) {
            b.authenticator(new JwtAuthenticator(jwtSecret));
        }
        return b;
    }

    /** {@code gateway --port=0 --threads=2 [--jwt-secret=S] [--presence-interval=1s] --max-seconds=3600}. */
    public static void main(Args a) throws Exception {
        String host = a.str("host", "127.0.0.1");
        int port = a.integer("port", 0);
        int threads = a.integer("threads", 2);
        String secret = a.str("jwt-secret", null);
        long maxSeconds = a.integer("max-seconds", 3600);
        Duration presenceInterval = a.duration("presence-interval", Duration.ofSeconds(1));
        a.rejectUnknown();
        GatewayServer server = GatewayServer.builder(benchBuilder(secret, presenceInterval).build()).host(host).port(port).workerThreads(threads).build();
        InetSocketAddress at = server.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("Switchboard started: public=" + at.getHostString() + ":" + at.getPort()
                + " transport=" + server.transport() + " threads=" + threads + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop(Duration.ZERO).toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // exiting anyway
            }
        }));
        Thread.sleep(maxSeconds * 1000);
        System.exit(0);
    }
}
