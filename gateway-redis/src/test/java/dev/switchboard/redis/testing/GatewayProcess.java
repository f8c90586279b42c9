package dev.switchboard.redis.testing;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayServer;
import dev.switchboard.redis.RedisOptions;
import dev.switchboard.redis.RedissonBroker;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gateway instance in a JVM of its own, so a test can {@code kill -9} it. {@link #main} takes the Redis URL,
 * key prefix, publish channel and instance id, runs with default options otherwise, and prints
 * {@code PORT <n>} when it listens.
 */
public final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static void main(String[] args) throws Exception {
        RedisOptions options = RedisOptions.builder().url(args[0]).keyPrefix(args[1]).publishChannel(args[2]).build();
        RedissonBroker broker = RedissonBroker.builder(options).instanceId(args[3]).build();
        Gateway gateway = Gateway.builder().options(GatewayOptions.builder().instanceId(args[3]).build())
                .broker(broker).build();
        GatewayServer server = GatewayServer.builder(gateway).host("127.0.0.1").port(0).workerThreads(1).build();
        int port = server.start().toCompletableFuture().get(30, TimeUnit.SECONDS).getPort();
        System.out.println("PORT " + port);
        System.out.flush();
        new CompletableFuture<Void>().join();
    }

    /** Starts instance {@code id} in a new JVM with this JVM's class path; waits for its port. */
    public static GatewayProcess start(String redisUrl, String keyPrefix, String publishChannel, String id)
            throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process p = new ProcessBuilder(List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), GatewayProcess.class.getName(), redisUrl, keyPrefix,
                publishChannel, id)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("PORT ")) {
                        port.complete(Integer.parseInt(line.substring(5).trim()));
                    }
                }
            } catch (Exception e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("gateway process exited before listening"));
        }, "gateway-process-out");
        reader.setDaemon(true);
        reader.start();
        try {
            return new GatewayProcess(p, port.get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    public String url(String pathAndQuery) {
        return "ws://127.0.0.1:" + port + pathAndQuery;
    }

    /** Sends SIGKILL: no shutdown hook, no goodbye to Redis. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill9();
        }
    }
}
