package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Resp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The load-balanced deployment of ops/: ops/local-cluster starts Redis, three gateway jars (broker=redis) and
 * nginx with the balanced upstream; clients connect through nginx only. Needs redis-server and nginx on PATH
 * (.ci/run installs them).
 */
class LocalClusterIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(15);
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static Process cluster;
    static Path dir;
    static int base;

    @BeforeAll
    static void startCluster() throws Exception {
        for (String bin : List.of("redis-server", "nginx")) {
            boolean found = new ProcessBuilder("sh", "-c", "command -v " + bin).start().waitFor() == 0;
            assertThat(found).as(bin + " is needed for this test: apt-get install -y redis-server nginx").isTrue();
        }
        dir = Files.createTempDirectory("switchboard-cluster");
        base = 20_000 + ThreadLocalRandom.current().nextInt(20) * 1000;
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("ops/local-cluster").toString())
                .redirectErrorStream(true);
        pb.environment().put("BASE_PORT", Integer.toString(base));
        pb.environment().put("CLUSTER_DIR", dir.toString());
        cluster = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(cluster.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("local-cluster: running")) {
                break;
            }
            assertThat(System.nanoTime()).as("cluster start: " + seen).isLessThan(deadline);
        }
        assertThat(seen.toString()).contains("local-cluster: running");
        Thread drainer = new Thread(() -> out.lines().forEach(l -> { }), "cluster-output");
        drainer.setDaemon(true);
        drainer.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (dir != null) {
            script("stop");
        }
        if (cluster != null) {
            cluster.destroy();
            cluster.waitFor(20, TimeUnit.SECONDS);
        }
    }

    static void script(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("ops/local-cluster").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("BASE_PORT", Integer.toString(base));
        pb.environment().put("CLUSTER_DIR", dir.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
    }

    static String nginx() {
        return "ws://127.0.0.1:" + (base + 80) + "/ws";
    }

    static String admin(int node, String path) {
        return "http://127.0.0.1:" + (base + 86 + 100 * (node - 1)) + path;
    }

    static int connectionsOn(int node) throws Exception {
        return JSON.readTree(Http.get(admin(node, "/health")).body()).path("checks").path("connections").asInt();
    }

    static boolean sees(WsClient c, int online, int clients) {
        return c.next(n -> n.path("channel").asText().equals("state")
                && n.path("message").path("num_online").asInt() == online
                && n.path("message").path("num_clients").asInt() == clients, WAIT) != null;
    }

    static void publishReachesAll(List<WsClient> clients, String tag) {
        assertThat(Http.post(admin(1, "/api/publish"), "{\"channel\":\"news\",\"message\":\"" + tag + "\"}",
                "Authorization", "Bearer local-cluster-key").statusCode()).isEqualTo(200);
        for (WsClient c : clients) {
            JsonNode n = c.next(f -> f.path("channel").asText().equals("news") && f.path("message").asText().equals(tag), WAIT);
            assertThat(n).isNotNull();
        }
    }

    @Test
    void clientsSpreadOverInstancesShareEverythingAndSurviveARollingRestart() throws Exception {
        List<WsClient> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            clients.add(WsClient.connect(nginx() + "?fingerprint=device-" + i));
        }
        try {
            await().atMost(WAIT).until(() -> connectionsOn(1) + connectionsOn(2) + connectionsOn(3) == 6);
            assertThat(List.of(connectionsOn(1), connectionsOn(2), connectionsOn(3))).allMatch(n -> n > 0);
            for (WsClient c : clients) {
                assertThat(sees(c, 6, 6)).isTrue();
            }
            publishReachesAll(clients, "before");
            try (Resp app = Resp.connect("redis://127.0.0.1:" + (base + 379))) {
                app.call("PUBLISH", "live_streams", "{\"status\":\"new\",\"id\":17}");
            }
            for (WsClient c : clients) {
                assertThat(c.next("live_streams", WAIT).path("message").path("id").asInt()).isEqualTo(17);
            }

            // Rolling restart of node 2: its clients are told 1001 and come back through nginx.
            int onNode2 = connectionsOn(2);
            script("restart", "2");
            List<Integer> moved = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                if (clients.get(i).isClosed()) {
                    assertThat(clients.get(i).awaitClose(WAIT)).isEqualTo(1001);
                    moved.add(i);
                }
            }
            assertThat(moved).hasSize(onNode2);
            for (int i : moved) {
                clients.set(i, WsClient.connect(nginx() + "?fingerprint=device-" + i));
            }
            for (WsClient c : clients) {
                assertThat(sees(c, 6, 6)).isTrue();
            }
            publishReachesAll(clients, "after");
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
