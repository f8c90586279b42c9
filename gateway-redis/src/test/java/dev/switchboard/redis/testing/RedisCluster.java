package dev.switchboard.redis.testing;

import dev.switchboard.redis.RedisOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Cluster of three masters and no replicas, from {@code redis-server --cluster-enabled yes} processes
 * and {@code redis-cli --cluster create}. Needs both binaries on PATH; fails with how to get them otherwise.
 */
public final class RedisCluster implements BeforeAllCallback, AfterAllCallback {

    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final String namespace = "c" + UUID.randomUUID().toString().substring(0, 6) + ":";
    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String server = RedisServer.findBinary("redis-server");
        String cli = RedisServer.findBinary("redis-cli");
        if (server == null || cli == null) {
            throw new IllegalStateException("The cluster tests need redis-server and redis-cli on PATH "
                    + "(apt-get install redis-server redis-tools, brew install redis).");
        }
        dir = Files.createTempDirectory("switchboard-cluster-");
        for (int i = 0; i < 3; i++) {
            int port = RedisServer.freePort(true);
            Path d = Files.createDirectories(dir.resolve(Integer.toString(port)));
            Process p = new ProcessBuilder(server, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                    "--save", "", "--appendonly", "no", "--dir", d.toString(), "--protected-mode", "no",
                    "--loglevel", "warning")
                    .redirectErrorStream(true).redirectOutput(d.resolve("redis.log").toFile()).start();
            processes.add(p);
            ports.add(port);
            RedisServer.awaitPing(port, p, d);
        }
        List<String> create = new ArrayList<>(List.of(cli, "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process c = new ProcessBuilder(create).redirectErrorStream(true)
                .redirectOutput(dir.resolve("create.log").toFile()).start();
        if (!c.waitFor(30, TimeUnit.SECONDS) || c.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed: " + RedisServer.tail(dir.resolve("create.log")));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int port : ports) {
            while (true) {
                try (Resp r = Resp.connect("redis://127.0.0.1:" + port)) {
                    if (String.valueOf(r.call("CLUSTER", "INFO")).contains("cluster_state:ok")) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cluster not ok on " + port);
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        RedisServer.deleteQuietly(dir);
    }

    /** Returns the node addresses. */
    public List<String> nodes() {
        return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
    }

    /** Returns options for the cluster with a key prefix and publish channel of this fixture's own. */
    public RedisOptions.Builder options() {
        return RedisOptions.builder().clusterNodes(nodes()).keyPrefix(namespace).publishChannel(namespace + "publish");
    }

    /** Opens a plain connection to node {@code i} (pub/sub reaches every node's subscribers in a cluster). */
    public Resp resp(int i) {
        return Resp.connect(nodes().get(i));
    }
}
