package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Resp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
        base = freeBase();
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

    /**
     * A BASE_PORT whose eight ports (BASE+80 … BASE+379) are free and all below the kernel's ephemeral range:
     * a random base inside that range can collide with an outgoing connection's local port (CI once saw node3's
     * bind fail with "Address already in use" when the base was 37000).
     */
    static int freeBase() throws Exception {
        int ephemeralLow = 32_768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            ephemeralLow = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
        }
        int candidates = Math.max(1, (ephemeralLow - 400 - 20_000) / 1000);
        int first = ThreadLocalRandom.current().nextInt(candidates);
        for (int i = 0; i < candidates; i++) {
            int candidate = 20_000 + ((first + i) % candidates) * 1000;
            if (IntStream.of(80, 85, 86, 185, 186, 285, 286, 379).allMatch(o -> bindable(candidate + o))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free BASE_PORT between 20000 and " + ephemeralLow);
    }

    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
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
    void aSecondClusterOnTheSamePortsIsRefusedByNameAndLeavesTheFirstRunning() throws Exception {
        Path other = Files.createTempDirectory("switchboard-cluster-2");
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("ops/local-cluster").toString()).redirectErrorStream(true);
        pb.environment().put("BASE_PORT", Integer.toString(base));
        pb.environment().put("CLUSTER_DIR", other.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("port " + (base + 379) + " is already in use").contains("BASE_PORT");
        for (int node = 1; node <= 3; node++) {
            assertThat(Http.get(admin(node, "/health")).statusCode()).isEqualTo(200);
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
