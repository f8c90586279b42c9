package dev.switchboard.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A {@link Switchboard} on free loopback ports for one test; closing it stops it without a drain window. */
final class RunningSwitchboard implements AutoCloseable {

    static final String API_KEY = "test-api-key";

    private final Switchboard switchboard;

    private RunningSwitchboard(Switchboard switchboard) throws Exception {
        this.switchboard = switchboard;
        switchboard.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Starts with the test API key, fast presence, and whatever {@code settings} change. */
    static RunningSwitchboard start(Consumer<ServerConfig.Builder> settings) throws Exception {
        ServerConfig.Builder b = ServerConfig.builder()
                .host("127.0.0.1").port(0)
                .adminHost("127.0.0.1").adminPort(0)
                .adminApiKey(API_KEY)
                .workers(2)
                .drain(Duration.ZERO);
        b.gateway().presenceInterval(Duration.ofMillis(50));
        settings.accept(b);
        return new RunningSwitchboard(new Switchboard(b.build()));
    }

    Switchboard switchboard() {
        return switchboard;
    }

    /** Returns {@code ws://127.0.0.1:<public port><pathAndQuery>}. */
    String ws(String pathAndQuery) {
        return "ws://127.0.0.1:" + switchboard.publicAddress().getPort() + pathAndQuery;
    }

    /** Returns {@code http://127.0.0.1:<public port><path>}. */
    String web(String path) {
        return "http://127.0.0.1:" + switchboard.publicAddress().getPort() + path;
    }

    /** Returns {@code http://127.0.0.1:<admin port><path>}. */
    String admin(String path) {
        return "http://127.0.0.1:" + switchboard.adminAddress().getPort() + path;
    }

    @Override
    public void close() throws Exception {
        switchboard.stop().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
}
