package dev.switchboard.core.testing;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A standalone gateway on a free loopback port for one test; closing it drains with no window. */
public final class RunningGateway implements AutoCloseable {

    private final GatewayServer server;
    private final InetSocketAddress address;

    private RunningGateway(GatewayServer server) throws Exception {
        this.server = server;
        this.address = server.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Starts {@code gateway} on 127.0.0.1, port 0. */
    public static RunningGateway start(Gateway gateway) throws Exception {
        return start(gateway, b -> { });
    }

    public static RunningGateway start(Gateway gateway, Consumer<GatewayServer.Builder> server) throws Exception {
        GatewayServer.Builder b = GatewayServer.builder(gateway).host("127.0.0.1").port(0).workerThreads(2);
        server.accept(b);
        return new RunningGateway(b.build());
    }

    public Gateway gateway() {
        return server.gateway();
    }

    public GatewayServer server() {
        return server;
    }

    public int port() {
        return address.getPort();
    }

    /** Returns {@code ws://127.0.0.1:<port><pathAndQuery>}. */
    public String url(String pathAndQuery) {
        return "ws://127.0.0.1:" + port() + pathAndQuery;
    }

    public void stop(Duration drain) throws Exception {
        server.stop(drain).toCompletableFuture().get(drain.toMillis() + 15_000, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        stop(Duration.ZERO);
    }
}
