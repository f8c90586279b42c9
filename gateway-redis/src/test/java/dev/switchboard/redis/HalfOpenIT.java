package dev.switchboard.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.testing.WsClient;
import dev.switchboard.redis.testing.Node;
import dev.switchboard.redis.testing.Resp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A Redis host that vanishes without a FIN or RST (power loss, a partition) leaves the gateway's connections
 * half-open: nothing tells the client side they are dead. Redis runs in its own network namespace behind a veth
 * pair; the test takes the link down, kills Redis, deletes the namespace (so no FIN is ever sent) and brings up a
 * new namespace with a fresh Redis on the same address. Command connections are found by Redisson's ping. Pub/sub:
 * the direct relay pings each of its connections that is silent; Redisson's subscription connection, which is
 * never pinged (see {@code SubscriptionPingIT}), is found by TCP keepalive or the broker's renewal.
 * Needs root and iproute2 ({@code ip netns}); required when {@code CI} is set, skipped elsewhere without them.
 */
class HalfOpenIT {

    static final long ID = ProcessHandle.current().pid() % 10_000;
    static final String NS = "sbho" + ID;
    static final String HOST_IF = "sbh" + ID;
    static final String NS_IF = "sbr" + ID;
    static final String HOST_IP = "10.231." + (ID % 250) + ".1";
    static final String REDIS_IP = "10.231." + (ID % 250) + ".2";
    static final int REDIS_PORT = 6379;
    static Process redis;
    static Path dir;

    @BeforeAll
    static void network() throws Exception {
        boolean can = ProcessHandle.current().info().user().map("root"::equals).orElse(false)
                && run("sh", "-c", "command -v ip && command -v ss && command -v redis-server && command -v redis-cli") == 0;
        if (System.getenv("CI") != null) {
            assertThat(can).as("HalfOpenIT needs root, iproute2, redis-server and redis-cli in CI").isTrue();
        }
        Assumptions.assumeTrue(can, "needs root, iproute2, redis-server and redis-cli");
        dir = Files.createTempDirectory("switchboard-halfopen");
        cleanUp();
        createNetwork();
        startRedis();
    }

    /** The namespace, the veth pair and its addresses; the link comes up with them. */
    static void createNetwork() throws Exception {
        sh("ip", "netns", "add", NS);
        sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF);
        sh("ip", "link", "set", NS_IF, "netns", NS);
        sh("ip", "addr", "add", HOST_IP + "/30", "dev", HOST_IF);
        sh("ip", "link", "set", HOST_IF, "up");
        sh("ip", "netns", "exec", NS, "ip", "addr", "add", REDIS_IP + "/30", "dev", NS_IF);
        sh("ip", "netns", "exec", NS, "ip", "link", "set", NS_IF, "up");
        sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (redis != null) {
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (dir != null) {
            cleanUp();
        }
    }

    static void cleanUp() throws Exception {
        run("ip", "link", "del", HOST_IF);
        run("ip", "netns", "del", NS);
    }

    static void startRedis() throws Exception {
        redis = new ProcessBuilder("ip", "netns", "exec", NS, "redis-server", "--port", Integer.toString(REDIS_PORT),
                "--bind", REDIS_IP, "--save", "", "--appendonly", "no", "--protected-mode", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        // Asked from inside the namespace: the link may be down.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> run("ip", "netns",
                "exec", NS, "redis-cli", "-h", REDIS_IP, "-p", Integer.toString(REDIS_PORT), "PING") == 0);
    }

    static String url() {
        return "redis://" + REDIS_IP + ":" + REDIS_PORT;
    }

    static final Pattern KEEPALIVE = Pattern.compile("timer:\\(keepalive,([0-9.]+)(sec|ms|min)");

    /** Lists the established TCP connections to Redis ({@code ss -tno}), one line each. */
    static List<String> sockets() throws Exception {
        Process p = new ProcessBuilder("ss", "-tnoH", "state", "established", "dst", REDIS_IP + ":" + REDIS_PORT)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(20, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @ParameterizedTest(name = "relay {0}")
    @EnumSource(value = RedisOptions.Relay.class, names = {"DIRECT", "REDISSON"})
    void anInstanceWhoseRedisVanishedWithoutAWordHearsTheFreshRedisAgainWithinSeconds(RedisOptions.Relay relay)
            throws Exception {
        RedisOptions options = RedisOptions.builder().url(url()).channels(List.of("live_streams")).relay(relay).build();
        try (Node node = Node.start("h", options);
             WsClient client = WsClient.connect(node.url("/ws"))) {
            try (Resp before = Resp.connect(url())) { // closed before the sockets are looked at below
                before.call("PUBLISH", "live_streams", "{\"n\":1}");
            }
            assertThat(client.next("live_streams", Duration.ofSeconds(5)).path("message").path("n").asInt()).isEqualTo(1);

            // Every connection to Redis (commands and the subscription) carries a TCP keepalive timer of at most 5 s:
            // the kernel probes an idle connection after 5 s, so a silently dropped one is found within ~11 s.
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                List<String> sockets = sockets();
                assertThat(sockets).as("the instance's connections to Redis").hasSizeGreaterThanOrEqualTo(2);
                assertThat(sockets).allSatisfy(line -> {
                    Matcher m = KEEPALIVE.matcher(line);
                    assertThat(m.find()).as(line).isTrue();
                    double seconds = Double.parseDouble(m.group(1)) * switch (m.group(2)) {
                        case "ms" -> 0.001;
                        case "min" -> 60;
                        default -> 1;
                    };
                    assertThat(seconds).as(line).isLessThanOrEqualTo(5.0);
                });
            });

            // The Redis host vanishes: the link goes down, Redis is killed and its whole network namespace (with
            // the sockets' state, and any FIN still to be sent) is deleted. Then a new host comes up on the same
            // address with a fresh Redis: nothing anywhere remembers the old connections, which are now half-open
            // on the gateway's side only.
            sh("ip", "netns", "exec", NS, "ip", "link", "set", NS_IF, "down");
            redis.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> !node.gateway().brokerHealthy());
            cleanUp();
            createNetwork();
            startRedis();
            long back = System.nanoTime();

            List<Long> seen = new ArrayList<>();
            int n = 2;
            // Publish once a second until the instance hears one: the fresh Redis has no subscriber at first.
            long deadline = back + TimeUnit.SECONDS.toNanos(30);
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                // The application sits next to Redis: it publishes from inside the namespace.
                sh("ip", "netns", "exec", NS, "redis-cli", "-h", REDIS_IP, "-p", Integer.toString(REDIS_PORT),
                        "PUBLISH", "live_streams", "{\"n\":" + n++ + "}");
                long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (seen.isEmpty() && System.nanoTime() < next) {
                    Thread.sleep(20);
                    client.drain().stream().filter(f -> f.path("channel").asText().equals("live_streams"))
                            .forEach(f -> seen.add(f.path("message").path("n").asLong()));
                }
            }
            double seconds = (System.nanoTime() - back) / 1e9;
            System.out.printf("HalfOpenIT: relay %s: the instance heard the fresh Redis %.1f s after its host came back%n",
                    relay, seconds);
            assertThat(seen).as("a publish to the fresh Redis reached the instance's client within 30 s").hasSize(1);
            assertThat(seconds).as("seconds until the instance heard the fresh Redis").isLessThan(15);
            await().atMost(Duration.ofSeconds(10)).until(() -> node.gateway().brokerHealthy());
        }
    }
}
